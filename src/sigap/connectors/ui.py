"""What the agent's ticket page shows about the ticket's channel: its connector's window
notice (WhatsApp's 24-hour window with the approved templates; Meta's: replies tagged
HUMAN_AGENT after 24 hours, none after 7 days), and each reply's delivery status (sending,
sent, delivered, read, failed, retrying), and where each offered proposal went (a phone
ticket's offer on WhatsApp to +62…)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sigap.connectors import conf, registry
from sigap.connectors import proposals as channel_proposals
from sigap.connectors.models import OutboundDelivery
from sigap.tickets.models import (
    REVIEW_STATUSES,
    Message,
    MessageKind,
    Proposal,
    ProposalStatus,
    Ticket,
)

NOT_OFFERED = (*REVIEW_STATUSES, ProposalStatus.DECLINED)


def ticket_context(
    ticket: Ticket, messages: Iterable[Message], proposals: Iterable[Proposal] = ()
) -> dict[str, Any]:
    """``channel_window`` for the composer (``{"template", "notice"}``, or None); sets
    ``message.delivery_status`` on replies (one query, and none at all for tickets of
    channels Sigap does not send on) and ``proposal.offered_via`` (channel label, address)
    on proposals offered through a channel (one query when any was offered)."""
    offered = [p for p in proposals if p.status not in NOT_OFFERED]
    routes = channel_proposals.routes_for([p.pk for p in offered])
    for proposal in offered:
        proposal.offered_via = routes.get(proposal.pk)  # type: ignore[attr-defined]
    connector = registry.get(ticket.channel)
    if connector is None or not registry.delivers(ticket.channel):
        return {"channel_window": None}
    replies = [m for m in messages if m.kind == MessageKind.REPLY]
    if replies:
        found = OutboundDelivery.objects.filter(message_id__in=[m.pk for m in replies]).only(
            "message_id", "status", "error", "sent_at", "delivered_at", "read_at", "failed_at"
        )
        by_message = {d.message_id: d for d in found}
        for message in replies:
            message.delivery_status = by_message.get(message.pk)  # type: ignore[attr-defined]
    notice = None
    if connector.window_notice is not None:
        with conf.using_brand(ticket.channel, ticket.brand_id):  # the brand's own connection
            notice = connector.window_notice(ticket)
    if notice is None or not connector.window_template:
        return {"channel_window": None}
    return {"channel_window": {"template": connector.window_template, "notice": notice}}
