"""Default priority and due times for a new ticket.

A first, wall-clock version: the SLA engine with business calendars and escalation
replaces ``due_times`` when it lands (issue 6); the matrix becomes configurable with
triage (issue 5).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sigap.customers.models import LoyaltyTier
from sigap.tickets.models import Channel, Priority, Severity

BASE_PRIORITY = {
    Severity.PENTING: Priority.P1,
    Severity.KOMPLEKS: Priority.P2,
    Severity.SEDERHANA: Priority.P3,
    Severity.NONE: Priority.P3,
}
LOYAL_TIERS = frozenset({LoyaltyTier.GOLD, LoyaltyTier.PLATINUM})

FIRST_RESPONSE = {
    Channel.LIVECHAT: timedelta(minutes=5),
    Channel.WHATSAPP: timedelta(minutes=15),
    Channel.TELEGRAM: timedelta(minutes=15),
    Channel.INSTAGRAM: timedelta(hours=1),
    Channel.FACEBOOK: timedelta(hours=1),
    Channel.X: timedelta(hours=1),
    Channel.PHONE: timedelta(hours=1),
    Channel.EMAIL: timedelta(hours=24),
    Channel.PORTAL: timedelta(hours=24),
}
RESOLUTION = {
    Priority.P1: timedelta(hours=4),
    Priority.P2: timedelta(hours=24),
    Priority.P3: timedelta(days=3),
    Priority.P4: timedelta(days=5),
}


def default_priority(severity: str, loyalty_tier: str) -> int:
    """Complaint type AND customer type (DOMAIN.md §5): loyal customers move up one step."""
    base = int(BASE_PRIORITY[Severity(severity)])
    if loyalty_tier in LOYAL_TIERS and base > Priority.P1:
        return base - 1
    return base


def due_times(channel: str, priority: int, created_at: datetime) -> tuple[datetime, datetime]:
    first = FIRST_RESPONSE[Channel(channel)]
    if priority == Priority.P1:
        first = min(first, timedelta(minutes=15))
    return created_at + first, created_at + RESOLUTION[Priority(priority)]
