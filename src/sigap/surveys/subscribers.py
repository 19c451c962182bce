"""Surveys listen to the ticket core (``tickets.hooks``): a resolved ticket invites its
customer (after the commit, ``SIGAP_SURVEYS``); a live chat that ended asks for a rating in
the chat window (the card the chat shows its visitor). A tapped survey button on WhatsApp or
Telegram reaches ``quickreply.record_tap`` through the messaging connectors' tap handlers."""

from __future__ import annotations

from django.conf import settings

from sigap.connectors import messaging
from sigap.core import outbox
from sigap.surveys import quickreply, services, tasks
from sigap.tickets import hooks
from sigap.tickets.models import Status


def card_after_chat(event: hooks.ConversationEnded) -> dict[str, object] | None:
    survey = services.invite_after_chat(event.ticket_id)
    return services.chat_card(survey) if survey is not None else None


def connect() -> None:
    hooks.subscribe(
        hooks.StatusChanged,
        lambda e: tasks.invite_after_resolution(e.ticket_id),
        phase=hooks.AFTER,
        name="surveys.after_resolution",
        when=lambda e: e.new == Status.RESOLVED and bool(settings.SIGAP_SURVEYS),
    )
    hooks.subscribe(
        hooks.ConversationEnded, card_after_chat, phase=hooks.INSIDE, name="surveys.after_chat"
    )
    messaging.on_tap(messaging.SURVEY_REPLY_PREFIX, quickreply.record_tap)
    outbox.handler(quickreply.ASK_ON_CHANNEL)(quickreply.send_invitation)
    outbox.handler(quickreply.FOLLOW_UP)(quickreply.follow_up)
