"""The SLA sweep: warn before a breach, record the breach and escalate — each once.

A periodic job (``tickets.tasks.sla_sweep``) runs ``sweep`` every minute. Each step claims
its tickets with one conditional UPDATE inside a transaction (``... WHERE sla_breached_at IS NULL``;
``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and writes the timeline events and
notifications in the same transaction. So two workers sweeping at once never act on a
ticket twice, and a worker killed half-way leaves nothing behind: its transaction rolls
back and the next sweep does the work.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.core.locale import said_in_default_language
from sigap.notifications.models import NotificationKind
from sigap.notifications.services import notify_many
from sigap.tickets import escalation, events, hooks
from sigap.tickets.models import OPEN_STATUSES, EventKind, Ticket


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    escalated: int = 0  # to level 2 and up, still open long after the breach
    first_response_missed: int = 0
    next_response_missed: int = 0


def sweep(now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    while (n := _warn(now)) > 0:
        result.warned += n
    while (n := _breach(now)) > 0:
        result.breached += n
    result.escalated = _escalate_further(now)
    while (n := _first_response_missed(now)) > 0:
        result.first_response_missed += n
    while (n := _next_response_missed(now)) > 0:
        result.next_response_missed += n
    return result


def _pending(condition: Q, order: str) -> list[Ticket]:
    # Ordered by the mark itself: oldest first, and the planner walks the small partial
    # index (ticket_sla_*_pending) instead of guessing from table-wide statistics.
    ids = list(
        Ticket.objects.filter(condition, status__in=OPEN_STATUSES, sla_paused_at__isnull=True)
        .select_for_update(skip_locked=True)
        .order_by(order)
        .values_list("pk", flat=True)[: settings.SIGAP_SLA_SWEEP_BATCH]
    )
    return list(
        Ticket.objects.filter(pk__in=ids)
        .select_related("team")
        .only(
            "id",
            "assignee_id",
            "team__supervisor",
            "resolution_due_at",
            "escalation_level",
            "status",
            "priority",
            "channel",
            "kind",
            "customer_id",
        )
    )


@transaction.atomic
def _warn(now: datetime) -> int:
    tickets = _pending(Q(sla_warned_at__isnull=True, sla_warn_at__lte=now), "sla_warn_at")
    if not tickets:
        return 0
    claimed = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], sla_warned_at__isnull=True
    ).update(sla_warned_at=now, version=F("version") + 1)
    events.sla_events(
        [(t, EventKind.SLA_WARNING, {"resolution_due_at": _iso(t)}) for t in tickets], at=now
    )
    for t in tickets:
        hooks.publish(hooks.SlaAlert(ticket_id=t.pk, kind="warning"))
    notify_many(
        [
            (
                user_id,
                t.pk,
                NotificationKind.SLA_WARNING,
                _("Tenggat tiket %(ref)s hampir lewat.") % {"ref": t.reference},
            )
            for t in tickets
            for user_id in _owners(t)
        ],
        at=now,
    )
    return claimed


@transaction.atomic
def _breach(now: datetime) -> int:
    """Level 1 of the chain, at the moment the resolution target is missed."""
    tickets = _pending(
        Q(sla_breached_at__isnull=True, resolution_due_at__lte=now), "resolution_due_at"
    )
    if not tickets:
        return 0
    first = escalation.next_step(0)
    level = first.level if first else 0
    claimed = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], sla_breached_at__isnull=True
    ).update(
        sla_breached_at=now, sla_warned_at=now, escalation_level=level, version=F("version") + 1
    )
    rows: list[tuple[Ticket, EventKind, dict[str, object]]] = []
    notes: list[tuple[int, int | None, str, str]] = []
    for t in tickets:
        rows.append(
            (t, EventKind.SLA_BREACHED, {"target": "resolution", "resolution_due_at": _iso(t)})
        )
        to: list[int] = []
        if first:
            to = escalation.recipients(t, first)
            rows.append((t, EventKind.ESCALATED, {"level": first.level, "to": to}))
            notes += [
                (
                    u,
                    t.pk,
                    NotificationKind.ESCALATED,
                    _("Tiket %(ref)s melewati tenggat.") % {"ref": t.reference},
                )
                for u in to
            ]
        notes += [
            (
                u,
                t.pk,
                NotificationKind.SLA_BREACHED,
                _("Tenggat tiket %(ref)s terlampaui.") % {"ref": t.reference},
            )
            for u in _owners(t)
            if u not in to
        ]
    events.sla_events(rows, at=now)
    notify_many(notes, at=now)
    if first:
        _reassign(tickets, first)
    for t in tickets:
        hooks.publish(hooks.SlaAlert(ticket_id=t.pk, kind="breach"))
    return claimed


def _reassign(tickets: list[Ticket], step: escalation.Step) -> None:
    if step.reassign:
        for t in tickets:
            to = escalation.recipients(t, step)
            escalation.reassign(
                t,
                step,
                to,
                None,
                said_in_default_language(
                    gettext_lazy("Eskalasi tingkat %(level)s."), level=step.level
                ),
            )


def _escalate_further(now: datetime) -> int:
    """Levels 2 and up: a breached ticket still open ``after_minutes`` after the breach
    moves one level up the chain."""
    steps = escalation.chain()
    done = 0
    for previous, step in itertools.pairwise(steps):
        while (n := _escalate_to(step, previous.level, now)) > 0:
            done += n
    return done


@transaction.atomic
def _escalate_to(step: escalation.Step, previous: int, now: datetime) -> int:
    before = now - timedelta(minutes=step.after_minutes)
    tickets = _pending(Q(escalation_level=previous, sla_breached_at__lte=before), "sla_breached_at")
    if not tickets:
        return 0
    claimed = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], escalation_level=previous
    ).update(escalation_level=step.level, version=F("version") + 1)
    rows: list[tuple[Ticket, EventKind, dict[str, object]]] = []
    notes: list[tuple[int, int | None, str, str]] = []
    for t in tickets:
        to = escalation.recipients(t, step)
        rows.append((t, EventKind.ESCALATED, {"level": step.level, "to": to}))
        notes += [
            (
                u,
                t.pk,
                NotificationKind.ESCALATED,
                _("Tiket %(ref)s belum selesai jauh melewati tenggat (%(step)s).")
                % {"ref": t.reference, "step": step.name},
            )
            for u in to
        ]
    events.sla_events(rows, at=now)
    notify_many(notes, at=now)
    _reassign(tickets, step)
    return claimed


@transaction.atomic
def _first_response_missed(now: datetime) -> int:
    tickets = _pending(
        Q(
            first_responded_at__isnull=True,
            first_response_breached_at__isnull=True,
            first_response_due_at__lte=now,
        ),
        "first_response_due_at",
    )
    if not tickets:
        return 0
    claimed = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], first_response_breached_at__isnull=True
    ).update(first_response_breached_at=now, version=F("version") + 1)
    _missed(tickets, "first_response", _("respons pertama"), now)
    return claimed


@transaction.atomic
def _next_response_missed(now: datetime) -> int:
    tickets = _pending(Q(next_response_due_at__lte=now), "next_response_due_at")
    if not tickets:
        return 0
    # Recorded once per customer message: the clock is cleared, the next message restarts it.
    claimed = Ticket.objects.filter(
        pk__in=[t.pk for t in tickets], next_response_due_at__lte=now
    ).update(next_response_due_at=None, version=F("version") + 1)
    _missed(tickets, "next_response", _("respons berikutnya"), now)
    return claimed


def _missed(tickets: list[Ticket], target: str, label: str, now: datetime) -> None:
    events.sla_events([(t, EventKind.SLA_BREACHED, {"target": target}) for t in tickets], at=now)
    notify_many(
        [
            (
                u,
                t.pk,
                NotificationKind.SLA_BREACHED,
                _("Tenggat %(what)s tiket %(ref)s terlewat.") % {"what": label, "ref": t.reference},
            )
            for t in tickets
            for u in _owners(t)
        ],
        at=now,
    )


def _owners(ticket: Ticket) -> list[int]:
    if ticket.assignee_id:
        return [ticket.assignee_id]
    if ticket.team and ticket.team.supervisor_id:
        return [ticket.team.supervisor_id]
    return []


def _iso(ticket: Ticket) -> str | None:
    due = ticket.resolution_due_at
    return due.isoformat() if due else None
