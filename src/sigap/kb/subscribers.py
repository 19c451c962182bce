"""The chatbot answers customers who write on its channels (``tickets.hooks.CustomerWrote``,
after the message commits), and a live chat started from the widget's form marks the
articles it suggested as not a deflection (``tickets.hooks.TicketCreated``)."""

from __future__ import annotations

from sigap.connectors import registry
from sigap.kb import conversation, feedback
from sigap.tickets import hooks
from sigap.tickets.models import Channel


def connect() -> None:
    hooks.subscribe(
        hooks.CustomerWrote,
        lambda e: conversation.on_customer_message(e.ticket_id, e.text),
        phase=hooks.AFTER,
        name="kb.chatbot",
        when=lambda e: registry.chatbot_answers(e.channel),
    )
    hooks.subscribe(
        hooks.TicketCreated,
        lambda e: feedback.widget_chat_started(e.ticket_id),
        phase=hooks.AFTER,
        name="kb.deflection",
        when=lambda e: e.channel == Channel.LIVECHAT,
    )
