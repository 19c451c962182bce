"""Telegram Bot API: signed webhooks (``inbound``), replies (``outbound``), an inline
keyboard for the chatbot's choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sigap.connectors.quickreply import Option, telegram_keyboard
from sigap.connectors.registry import Connector
from sigap.connectors.telegram import outbound
from sigap.tickets.models import Channel


def _quick_replies(text: str, options: Sequence[Option]) -> dict[str, Any]:
    keyboard = telegram_keyboard(options)
    return {"text": text, "reply_markup": keyboard} if keyboard else {}


CONNECTOR = Connector(
    channel=Channel.TELEGRAM,
    label="Telegram",
    sender=outbound.ADAPTER,
    quick_replies=_quick_replies,
    chatbot=True,
)
