"""Keeping ``TicketFact`` in step with the timeline, incrementally, and proving it.

``sync`` (every minute, ``metrics.tasks``) refreshes the facts of every ticket with a
timeline event past the stored position. On PostgreSQL a transaction can commit an event
with a lower id after a higher one was already seen, so each sync scans from the position
reached two syncs ago (``SyncState.event_id``) rather than the last one: an event that
turns up late is still caught if its transaction took less than a sync interval to
commit. Refreshing a ticket twice is harmless (``derive`` is a pure function).

``rebuild`` recomputes every fact from scratch; ``verify`` recomputes a set of tickets and
lists the ones whose stored fact differs: the proof that incremental upkeep equals a full
recomputation (tests and ``sigap metrics verify``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from sigap.metrics import facts
from sigap.metrics.models import SyncState
from sigap.tickets.models import EventKind, Ticket, TimelineEvent

STATE = "facts"
BATCH = 2000


@dataclass
class SyncResult:
    tickets: int
    position: int


def sync() -> SyncResult:
    with transaction.atomic():
        state, _ = SyncState.objects.select_for_update().get_or_create(name=STATE)
        high = TimelineEvent.objects.aggregate(m=Max("id"))["m"] or 0
        ids = list(
            TimelineEvent.objects.filter(id__gt=state.event_id, id__lte=high)
            .order_by()
            .values_list("ticket_id", flat=True)
            .distinct()
        )
        created = TimelineEvent.objects.filter(
            id__gt=state.event_id, id__lte=high, kind=EventKind.CREATED
        ).values_list("ticket_id", flat=True)
        # a new ticket can make the same customer's earlier ones repeat contacts
        ids = sorted(set(ids) | facts.neighbours(created))
        for i in range(0, len(ids), BATCH):
            facts.refresh(ids[i : i + BATCH])
        # Next time, scan again from what was new last time (late commits), not from here.
        state.event_id, state.high = min(state.high, high), high
        state.save(update_fields=["event_id", "high", "updated_at"])
    return SyncResult(len(ids), state.event_id)


def rebuild(*, progress: Callable[[int], None] | None = None) -> int:
    """Every fact from scratch, in batches; returns the number of tickets."""
    bots = facts.robots()
    done = 0
    last = 0
    high = TimelineEvent.objects.aggregate(m=Max("id"))["m"] or 0
    while True:
        ids = list(
            Ticket.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        with transaction.atomic():
            facts.store(facts.compute(ids, bots))
        done += len(ids)
        last = ids[-1]
        if progress:
            progress(done)
    SyncState.objects.update_or_create(name=STATE, defaults={"event_id": high, "high": high})
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Lay the facts out by creation time: a month's figures then read a run of
        # neighbouring pages instead of rows scattered over the whole table. (Not inside
        # a caller's transaction, where deferred constraint checks forbid CLUSTER.)
        with connection.cursor() as cursor:
            cursor.execute("CLUSTER metrics_ticketfact USING fact_created")
            cursor.execute("ANALYZE metrics_ticketfact")
    return done


def verify(ticket_ids: list[int] | None = None) -> list[int]:
    """Tickets whose stored fact differs from a fresh computation (or is missing)."""
    if ticket_ids is None:
        ticket_ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    bots = facts.robots()
    wrong: list[int] = []
    for i in range(0, len(ticket_ids), BATCH):
        chunk = ticket_ids[i : i + BATCH]
        have = facts.stored(chunk)
        for fresh in facts.compute(chunk, bots):
            if have.get(fresh.ticket_id) != fresh:
                wrong.append(fresh.ticket_id)
    return wrong
