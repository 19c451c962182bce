"""The chatbot answers customers who write on its channels (``tickets.hooks.CustomerWrote``,
after the message commits)."""

from __future__ import annotations

from sigap.connectors import registry
from sigap.kb import conversation
from sigap.tickets import hooks


def connect() -> None:
    hooks.subscribe(
        hooks.CustomerWrote,
        lambda e: conversation.on_customer_message(e.ticket_id, e.text),
        phase=hooks.AFTER,
        name="kb.chatbot",
        when=lambda e: registry.chatbot_answers(e.channel),
    )
