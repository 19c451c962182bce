"""What the agent's ticket page shows about the messaging channels: the WhatsApp 24-hour
window notice (with the approved templates), and each reply's delivery status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sigap.channels.models import OutboundDelivery, Provider
from sigap.channels.whatsapp_out import window_notice
from sigap.tickets.models import Message, MessageKind, Ticket


def ticket_context(ticket: Ticket, messages: Iterable[Message]) -> dict[str, Any]:
    """``whatsapp_window`` for the composer; sets ``message.delivery_status`` on replies
    (one query, and none at all for tickets of other channels)."""
    if ticket.channel not in Provider.values:
        return {"whatsapp_window": None}
    replies = [m for m in messages if m.kind == MessageKind.REPLY]
    if replies:
        found = OutboundDelivery.objects.filter(message_id__in=[m.pk for m in replies]).only(
            "message_id", "status", "error", "sent_at", "delivered_at", "read_at", "failed_at"
        )
        by_message = {d.message_id: d for d in found}
        for message in replies:
            message.delivery_status = by_message.get(message.pk)  # type: ignore[attr-defined]
    return {"whatsapp_window": window_notice(ticket)}
