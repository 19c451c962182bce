"""Open tickets follow the SLA policies as they are now: when an admin edits a policy, its
targets, a calendar or a holiday, the worker recomputes the due times of the open tickets
concerned, each with a timeline entry naming the change (``services.ticket_recompute_due``).
"""

from __future__ import annotations

from django.db.models import Q

from sigap.tickets import services
from sigap.tickets.models import OPEN_STATUSES, Ticket

BATCH = 500


def recompute_open_tickets(policy_ids: list[int] | None, reason: str) -> int:
    """Recompute the open tickets on ``policy_ids`` (every open ticket when None: a change
    of conditions or order can move tickets between policies). Returns how many changed.
    Idempotent: a ticket whose due times already agree is left alone."""
    condition = Q(status__in=OPEN_STATUSES)
    if policy_ids is not None:
        condition &= Q(sla_policy_id__in=policy_ids)
    changed = 0
    last = 0
    while True:
        batch = list(
            Ticket.objects.filter(condition, pk__gt=last).order_by("pk")[:BATCH].only("pk")
        )
        if not batch:
            return changed
        for ticket in batch:
            changed += services.ticket_recompute_due(ticket=ticket, reason=reason)
        last = batch[-1].pk
