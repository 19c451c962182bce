"""The chatbot answers customers who write on its channels (``tickets.hooks.CustomerWrote``,
after the message commits), and a live chat started from the widget's form marks the
articles it suggested as not a deflection (``tickets.hooks.TicketCreated``). Erasing a
customer's personal data (``customers.services.on_erase``) empties the chatbot's state."""

from __future__ import annotations

from sigap.connectors import registry
from sigap.customers import services as customer_services
from sigap.customers.models import Customer
from sigap.kb import conversation, feedback
from sigap.kb.models import BotConversation
from sigap.tickets import hooks
from sigap.tickets.models import Channel


def forget_customer(customer: Customer) -> None:
    """Erasing a customer's personal data (UU PDP): the chatbot's state of their
    conversations (what they typed, the choices offered) goes, and it answers no more."""
    BotConversation.objects.filter(ticket__customer_id=customer.pk).update(state={}, active=False)


def connect() -> None:
    customer_services.on_erase(forget_customer)
    hooks.subscribe(
        hooks.CustomerWrote,
        lambda e: conversation.on_customer_message(e.ticket_id, e.text),
        phase=hooks.AFTER,
        name="kb.chatbot",
        when=lambda e: registry.chatbot_answers(e.channel),
    )
    hooks.subscribe(
        hooks.TicketCreated,
        lambda e: feedback.widget_chat_started(e.ticket_id, e.external_id),
        phase=hooks.AFTER,
        name="kb.deflection",
        when=lambda e: (
            e.channel == Channel.LIVECHAT and e.external_id.startswith(feedback.LIVECHAT_START)
        ),
    )
