"""Default priority and due times for a new ticket.

Due times come from the SLA policies and business calendars of ``sigap.sla``; the
built-in priority when no matrix answers at intake (``default_priority``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sigap.customers.models import LoyaltyTier
from sigap.sla import book
from sigap.tickets.models import Priority, Severity

BASE_PRIORITY = {
    Severity.PENTING: Priority.P1,
    Severity.KOMPLEKS: Priority.P2,
    Severity.SEDERHANA: Priority.P3,
    Severity.NONE: Priority.P3,
}
LOYAL_TIERS = frozenset({LoyaltyTier.GOLD, LoyaltyTier.PLATINUM})
FALLBACK_FIRST = timedelta(hours=24)
FALLBACK_RESOLUTION = {
    1: timedelta(hours=4),
    2: timedelta(hours=24),
    3: timedelta(days=3),
    4: timedelta(days=5),
}
log = logging.getLogger(__name__)


def default_priority(severity: str, loyalty_tier: str) -> int:
    """Complaint type AND customer type (DOMAIN.md §5) when nobody else decides: the
    severity's base priority, one step up for loyal customers. The configurable matrix
    (``sigap.triage.priority``) answers first, at intake (``hooks.TicketIntake``)."""
    base = int(BASE_PRIORITY.get(Severity(severity) if severity else Severity.NONE, Priority.P3))
    return max(1, base - 1) if loyalty_tier in LOYAL_TIERS else base


@dataclass(frozen=True)
class SlaDue:
    first_response: datetime
    resolution: datetime
    warn_at: datetime
    policy_id: int | None


def due_for(
    channel: str,
    priority: int,
    created_at: datetime,
    *,
    severity: str = "",
    kind: str = "",
    tier: str = "",
    team_id: int | None = None,
    category: str = "",
) -> SlaDue:
    """Due times from the matching SLA policy, counted in business time on the policy's
    calendar (``sigap.sla``), and when to warn (75% of the resolution target)."""
    try:
        due = book.current().due(
            start=created_at,
            channel=channel,
            priority=priority,
            severity=severity,
            kind=kind,
            tier=tier,
            team_id=team_id,
            category=category,
        )
    except book.NoPolicy:
        # Every default install has a catch-all policy; if an admin removed it, keep
        # working with wall-clock targets rather than refusing the ticket.
        log.warning("no SLA policy for channel=%s priority=P%s", channel, priority)
        resolution = FALLBACK_RESOLUTION[priority]
        return SlaDue(
            created_at + FALLBACK_FIRST,
            created_at + resolution,
            created_at + resolution * book.WARN_AT,
            None,
        )
    return SlaDue(due.first_response, due.resolution, due.warn_at, due.policy_id)


def due_times(
    channel: str, priority: int, created_at: datetime, **kw: Any
) -> tuple[datetime, datetime]:
    due = due_for(channel, priority, created_at, **kw)
    return due.first_response, due.resolution
