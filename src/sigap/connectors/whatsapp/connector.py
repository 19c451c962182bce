"""WhatsApp Cloud API: signed webhooks (``inbound``), replies, templates and the 24-hour
window (``outbound``), reply buttons and lists for the chatbot's choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sigap.connectors.quickreply import Option, whatsapp_interactive
from sigap.connectors.registry import Connector
from sigap.connectors.whatsapp import outbound
from sigap.tickets.models import Channel, Ticket


def _quick_replies(text: str, options: Sequence[Option]) -> dict[str, Any]:
    interactive = whatsapp_interactive(text, options)
    return {"type": "interactive", "interactive": interactive} if interactive else {}


def _check_reply(ticket: Ticket, attachments: int) -> None:
    outbound.check_window(ticket)


CONNECTOR = Connector(
    channel=Channel.WHATSAPP,
    label="WhatsApp",
    sender=outbound.ADAPTER,
    check_reply=_check_reply,
    window_notice=outbound.window_notice,
    window_template="channels/_whatsapp_window.html",
    quick_replies=_quick_replies,
    chatbot=True,
)
