"""What the agent's ticket page shows about the messaging channels: the WhatsApp 24-hour
window notice (with the approved templates), Meta's window notice (Facebook/Instagram:
replies tagged HUMAN_AGENT after 24 hours, none after 7 days), and each reply's delivery
status (email too: sending, sent, failed and retrying)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sigap.connectors import registry
from sigap.connectors.meta import outbound as meta_out
from sigap.connectors.models import OutboundDelivery
from sigap.connectors.whatsapp.outbound import window_notice
from sigap.tickets.models import Message, MessageKind, Ticket


def ticket_context(ticket: Ticket, messages: Iterable[Message]) -> dict[str, Any]:
    """``whatsapp_window`` and ``meta_window`` for the composer; sets
    ``message.delivery_status`` on replies (one query, and none at all for tickets of
    other channels)."""
    if not registry.delivers(ticket.channel):
        return {"whatsapp_window": None, "meta_window": None}
    replies = [m for m in messages if m.kind == MessageKind.REPLY]
    if replies:
        found = OutboundDelivery.objects.filter(message_id__in=[m.pk for m in replies]).only(
            "message_id", "status", "error", "sent_at", "delivered_at", "read_at", "failed_at"
        )
        by_message = {d.message_id: d for d in found}
        for message in replies:
            message.delivery_status = by_message.get(message.pk)  # type: ignore[attr-defined]
    return {"whatsapp_window": window_notice(ticket), "meta_window": meta_out.window_notice(ticket)}
