"""A ticket's fact row, derived from its timeline.

``derive`` is a pure function of the ticket's current fields and its timeline events, so
the incremental upkeep (``sync``), the full ``rebuild`` and ``verify`` all compute the
same thing the same way. The rules (what counts as a response, a reopen, a wait...) are
written down in ``docs/metrics.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction

from sigap.accounts.models import User
from sigap.accounts.system import SYSTEM_USERNAME
from sigap.metrics.models import TicketFact, WorkFact
from sigap.sla import book as sla_book
from sigap.sla.calendar import Calendar
from sigap.tickets.models import OPEN_STATUSES, EventKind, Ticket, TimelineEvent

DONE = ("resolved", "closed")
TICKET_FIELDS = (
    "id",
    "customer_id",
    "created_at",
    "channel",
    "kind",
    "category",
    "severity",
    "root_cause",
    "priority",
    "team_id",
    "assignee_id",
    "customer__loyalty_tier",
    "status",
    "first_response_due_at",
    "resolution_due_at",
    "sla_policy_id",
    "triage__predictions__sentiment__label",  # the triage model's reading, if any
)
EVENT_FIELDS = (
    "id",
    "ticket_id",
    "kind",
    "actor_id",
    "old_value",
    "new_value",
    "data",
    "created_at",
)
EVENT_KINDS = (
    EventKind.CALL_LOGGED,
    EventKind.REPLY_SENT,
    EventKind.MESSAGE_RECEIVED,
    EventKind.TEAM_CHANGED,
    EventKind.STATUS_CHANGED,
)


@dataclass
class Fact:
    ticket_id: int
    customer_id: int
    created_at: datetime
    channel: str
    kind: str
    category: str
    severity: str
    root_cause: str
    priority: int
    team_id: int | None
    agent_id: int | None
    tier: str
    sentiment: str
    is_open: bool
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    closed_unanswered_at: datetime | None
    first_resolved_at: datetime | None
    resolved_at: datetime | None
    ended_at: datetime | None
    done_spans: list[list[str]]
    resolution_due_at: datetime | None
    replies_before_resolution: int
    inbound_messages: int
    transfers: int
    reopens: int
    repeat_contact: bool
    interactions: int
    handle_seconds: int
    handled_interactions: int
    wait_seconds: int
    waits: int
    wait_times: list[int]
    first_response_business_seconds: int | None
    resolution_business_seconds: int | None
    synced_event_id: int
    # the interactions ([at (UTC ISO 8601), "reply"/"call", measured seconds]), in ``WorkFact``
    work: list[list[Any]] = field(default_factory=list)


FACT_FIELDS = [f.name for f in fields(Fact) if f.name != "work"]


def derive(
    ticket: dict[str, Any],
    events: Sequence[dict[str, Any]],
    robots: set[int],
    repeat_contact: bool = False,
    calendar: Calendar | None = None,
) -> Fact:
    """``ticket``: values of ``TICKET_FIELDS``; ``events``: its timeline (any order) as
    values of ``EVENT_FIELDS``; ``robots``: user ids whose replies are not a person's
    (the automation user); ``repeat_contact``: the customer opened another ticket within
    ``REPEAT_WINDOW`` after this one; ``calendar``: its SLA policy's business calendar
    (business time of first response and resolution; None: not computed)."""
    first_response = first_resolved = resolved = ended = None
    replies_before = inbound = transfers = reopens = 0
    interactions = handle = handled = 0
    wait_total = waits = 0
    waiting_since: datetime | None = None
    work: list[list[Any]] = []
    wait_times: list[int] = []
    calls: dict[Any, int] = {}  # call id -> talk seconds (a corrected event replaces)
    call_ended: dict[Any, datetime] = {}  # call id -> when it was first logged (its end)
    closed_unanswered: datetime | None = None
    done_spans: list[list[str]] = []  # [ended, reopened] of each end that was undone
    last_id = 0
    for e in sorted(events, key=lambda e: (e["created_at"], e["id"])):
        last_id = max(last_id, e["id"])
        if (e["data"] or {}).get("merged_from"):
            continue  # a merged ticket's history copied here: counted on that ticket
        kind, at = e["kind"], e["created_at"]
        if kind == EventKind.REPLY_SENT:
            if not e["actor_id"] or e["actor_id"] in robots:
                continue  # the automatic acknowledgement, an automation's reply
            interactions += 1
            seconds = (e["data"] or {}).get("handle_seconds")
            if isinstance(seconds, int) and seconds > 0:
                handle += seconds
                handled += 1
            else:
                seconds = 0
            work.append([_iso(at), "reply", seconds])
            if first_response is None:
                first_response = at
            if first_resolved is None:
                replies_before += 1
            if waiting_since is not None:
                waited = max(0, int((at - waiting_since).total_seconds()))
                wait_total += waited
                waits += 1
                waiting_since = None
                wait_times.append(waited)
        elif kind == EventKind.MESSAGE_RECEIVED:
            inbound += 1
            if waiting_since is None:
                waiting_since = at
        elif kind == EventKind.CALL_LOGGED:
            if e["actor_id"] in robots:
                continue
            data = e["data"] or {}
            calls[data.get("call_id")] = int(data.get("handle_seconds") or 0)
            call_ended.setdefault(data.get("call_id"), at)
        elif kind == EventKind.TEAM_CHANGED:
            transfers += 1
        elif kind == EventKind.STATUS_CHANGED:
            old, new = e["old_value"], e["new_value"]
            if new == "resolved":
                resolved = at
                first_resolved = first_resolved or at
            if new in DONE and old not in DONE:
                ended = at
                if new == "closed" and first_response is None:
                    closed_unanswered = at  # spam, a duplicate, withdrawn: nothing to answer
            elif new not in DONE and old in DONE:
                reopens += 1
                if ended is not None:
                    done_spans.append([_iso(ended), _iso(at)])
                resolved = ended = None
    for call_id, seconds in calls.items():  # a phone call is an interaction with its talk time
        if seconds > 0:
            interactions += 1
            handle += seconds
            handled += 1
            work.append([_iso(call_ended[call_id]), "call", seconds])
            # ... and a response: the agent spoke to the customer from when it was answered
            answered = max(call_ended[call_id] - timedelta(seconds=seconds), ticket["created_at"])
            if first_response is None or answered < first_response:
                first_response = answered
    if closed_unanswered and first_response and first_response <= closed_unanswered:
        closed_unanswered = None  # a call answered it before it was closed
    is_open = ticket["status"] in OPEN_STATUSES
    return Fact(
        ticket_id=ticket["id"],
        customer_id=ticket["customer_id"],
        created_at=ticket["created_at"],
        channel=ticket["channel"],
        kind=ticket["kind"],
        category=ticket["category"],
        severity=ticket["severity"],
        root_cause=ticket["root_cause"],
        priority=ticket["priority"],
        team_id=ticket["team_id"],
        agent_id=ticket["assignee_id"],
        tier=ticket["customer__loyalty_tier"] or "",
        sentiment=ticket.get("triage__predictions__sentiment__label") or "",
        is_open=is_open,
        first_response_at=first_response,
        first_response_due_at=ticket["first_response_due_at"],
        closed_unanswered_at=closed_unanswered,
        first_resolved_at=first_resolved,
        resolved_at=resolved,
        ended_at=None if is_open else ended,
        done_spans=done_spans,
        resolution_due_at=ticket["resolution_due_at"],
        replies_before_resolution=replies_before,
        inbound_messages=inbound,
        transfers=transfers,
        reopens=reopens,
        repeat_contact=repeat_contact,
        interactions=interactions,
        handle_seconds=handle,
        handled_interactions=handled,
        wait_seconds=wait_total,
        waits=waits,
        wait_times=wait_times,
        first_response_business_seconds=_business(calendar, ticket["created_at"], first_response),
        resolution_business_seconds=_business(calendar, ticket["created_at"], first_resolved),
        synced_event_id=last_id,
        work=sorted(work),
    )


def _business(calendar: Calendar | None, start: datetime, end: datetime | None) -> int | None:
    if calendar is None or end is None:
        return None
    return round(calendar.between(start, end) * 60)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def robots() -> set[int]:

    return set(User.objects.filter(username=SYSTEM_USERNAME).values_list("pk", flat=True))


def compute(ticket_ids: Iterable[int], bots: set[int] | None = None) -> list[Fact]:
    """Facts for these tickets, fresh from the database (two queries)."""
    ids = list(ticket_ids)
    if not ids:
        return []
    bots = robots() if bots is None else bots
    tickets = list(Ticket.objects.filter(pk__in=ids).values(*TICKET_FIELDS))
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for e in TimelineEvent.objects.filter(ticket_id__in=ids, kind__in=EVENT_KINDS).values(
        *EVENT_FIELDS
    ):
        by_ticket.setdefault(e["ticket_id"], []).append(e)
    repeats = _repeat_contacts(tickets)
    book = sla_book.current()
    return [
        derive(
            t,
            by_ticket.get(t["id"], ()),
            bots,
            t["id"] in repeats,
            book.calendar_for(t["sla_policy_id"]),
        )
        for t in tickets
    ]


REPEAT_WINDOW = timedelta(days=7)


def _repeat_contacts(tickets: list[dict[str, Any]]) -> set[int]:
    """The tickets whose customer opened another one within ``REPEAT_WINDOW`` after."""
    if not tickets:
        return set()
    customers = {t["customer_id"] for t in tickets}
    since = min(t["created_at"] for t in tickets)
    until = max(t["created_at"] for t in tickets) + REPEAT_WINDOW
    opened: dict[int, list[datetime]] = {}
    for customer_id, created in Ticket.objects.filter(
        customer_id__in=customers, created_at__gt=since, created_at__lte=until
    ).values_list("customer_id", "created_at"):
        opened.setdefault(customer_id, []).append(created)
    out = set()
    for t in tickets:
        start, end = t["created_at"], t["created_at"] + REPEAT_WINDOW
        if any(start < c <= end for c in opened.get(t["customer_id"], ())):
            out.add(t["id"])
    return out


def neighbours(ticket_ids: Iterable[int]) -> set[int]:
    """Tickets whose repeat-contact mark may change because these were created: the same
    customers' tickets opened within ``REPEAT_WINDOW`` before them (two queries)."""
    rows = list(
        Ticket.objects.filter(pk__in=list(ticket_ids)).values_list("customer_id", "created_at")
    )
    if not rows:
        return set()
    new: dict[int, list[datetime]] = {}
    for customer_id, created in rows:
        new.setdefault(customer_id, []).append(created)
    earlier = Ticket.objects.filter(
        customer_id__in=list(new),
        created_at__gte=min(c for _, c in rows) - REPEAT_WINDOW,
        created_at__lt=max(c for _, c in rows),
    ).values_list("pk", "customer_id", "created_at")
    return {
        pk
        for pk, customer_id, opened in earlier
        if any(opened < c <= opened + REPEAT_WINDOW for c in new[customer_id])
    }


def store(facts: list[Fact]) -> None:
    """Insert or update (one statement)."""
    if not facts:
        return
    rows = [TicketFact(**{f: getattr(fact, f) for f in FACT_FIELDS}) for fact in facts]
    TicketFact.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=[f for f in FACT_FIELDS if f != "ticket_id"],
    )
    WorkFact.objects.filter(fact_id__in=[fact.ticket_id for fact in facts]).delete()
    WorkFact.objects.bulk_create(
        [
            WorkFact(fact_id=fact.ticket_id, at=datetime.fromisoformat(at), kind=kind, seconds=sec)
            for fact in facts
            for at, kind, sec in fact.work
        ],
        batch_size=5000,
    )


@transaction.atomic
def refresh(ticket_ids: Iterable[int]) -> int:
    facts = compute(ticket_ids)
    store(facts)
    return len(facts)


def stored(ticket_ids: Iterable[int]) -> dict[int, Fact]:
    ids = list(ticket_ids)
    out = {
        row["ticket_id"]: Fact(**row)
        for row in TicketFact.objects.filter(ticket_id__in=ids).values(*FACT_FIELDS)
    }
    for fact_id, at, kind, seconds in WorkFact.objects.filter(fact_id__in=ids).values_list(
        "fact_id", "at", "kind", "seconds"
    ):
        out[fact_id].work.append([_iso(at), kind, seconds])
    for fact in out.values():
        fact.work.sort()
    return out
