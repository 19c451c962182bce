"""Field changes (optimistic locking, due times recomputed), transfers, due times after the SLA
setup changed, and the tickets of merged customers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sigap.accounts.access import require_staff
from sigap.accounts.models import Team, User
from sigap.accounts.system import is_system
from sigap.core.errors import (
    Conflict,
    StaleVersion,
    ValidationFailed,
)
from sigap.core.locale import said_in_default_language
from sigap.customers.models import Customer
from sigap.customers.services import customer_update
from sigap.sla import book as sla_book
from sigap.tickets import events, hooks
from sigap.tickets.models import (
    EventKind,
    Ticket,
)
from sigap.tickets.search import index_ticket
from sigap.tickets.services._common import (
    _check_assignee,
    _jsonable,
    _lock,
    _tag_objects,
    _touch,
)
from sigap.tickets.sla import due_for

UPDATABLE = frozenset(
    {
        "subject",
        "category",
        "severity",
        "priority",
        "complainer_type",
        "complainer_goal",
        "response_type",
        "root_cause",
        "product",
        "team",
        "assignee",
        "tags",
    }
)


@transaction.atomic
def ticket_update(
    *,
    actor: User,
    ticket: Ticket,
    version: int,
    changes: dict[str, Any],
    reason: str = "",
) -> Ticket:
    """Change fields; ``version`` must be the one the caller read (optimistic locking)."""
    require_staff(actor)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationFailed(
            _("Kolom ini tidak dapat diubah."),
            fields={f: [_("Tidak dapat diubah.")] for f in unknown},
        )
    ticket = _lock(ticket)
    if ticket.version != version:
        raise StaleVersion(
            _(
                "Tiket %(ref)s sudah diubah orang lain (versi %(current)s, Anda mengubah versi "
                "%(yours)s). Muat ulang lalu coba lagi."
            )
            % {"ref": ticket.reference, "current": ticket.version, "yours": version}
        )
    if not ticket.is_open and set(changes) - {"tags", "root_cause", "category", "product"}:
        raise Conflict(
            _("Tiket %(ref)s sudah ditutup/selesai; buka kembali dulu.") % {"ref": ticket.reference}
        )
    team = changes.get("team", ticket.team)
    assignee = changes.get("assignee", ticket.assignee)
    if "team" in changes or "assignee" in changes:
        _check_assignee(assignee, team)
    plain: dict[str, Any] = {}
    for field, new in changes.items():
        if field == "tags":
            continue
        old = getattr(ticket, field)
        if field == "product":  # "" for none (old rows: NULL)
            old, new = old or "", str(new or "").strip()[:100]
        if old != new:
            plain[field] = new
            events.field_changed_event(ticket, actor, field, _jsonable(old), _jsonable(new), reason)
    if "tags" in changes:
        old_tags = sorted(ticket.tags.values_list("name", flat=True))
        new_objs = _tag_objects(changes["tags"])
        new_tags = [t.name for t in new_objs]
        if old_tags != new_tags:
            ticket.tags.set(new_objs)
            events.field_changed_event(ticket, actor, "tags", old_tags, new_tags, reason)
            plain.setdefault("updated_at", timezone.now())
    if plain and {"priority", "team", "severity", "category"} & set(plain) and ticket.is_open:
        plain.update(_recomputed_due(ticket, actor, plain, reason))
    if plain:
        plain.pop("updated_at", None)
        _touch(ticket, **plain)
        if "subject" in plain:
            index_ticket(ticket.pk)
    if plain:
        hooks.publish(
            hooks.TicketUpdated(
                ticket_id=ticket.pk,
                actor_id=actor.pk,
                changes={
                    f: "" if v is None else str(_jsonable(v))
                    for f, v in plain.items()
                    if f in changes
                },
                by_system=is_system(actor),
            )
        )
    return ticket


def _recomputed_due(
    ticket: Ticket, actor: User | None, plain: dict[str, Any], reason: str
) -> dict[str, Any]:
    """A change of priority, team, severity, category or of the SLA policies themselves can change
    the policy or its targets: due times are computed again from the ticket's creation,
    pushed back by the business time it already spent waiting for the customer, and the
    timeline says why."""
    team = plain.get("team", ticket.team)
    sla = due_for(
        ticket.channel,
        plain.get("priority", ticket.priority),
        ticket.created_at,
        severity=plain.get("severity", ticket.severity),
        kind=ticket.kind,
        tier=ticket.customer.loyalty_tier,
        team_id=team.pk if team else None,
        category=plain.get("category", ticket.category),
    )
    shift = _paused_shift(ticket, sla.policy_id)
    why = reason or gettext_noop(
        "Tenggat dihitung ulang karena prioritas, tim atau tingkat berubah."
    )
    changed: dict[str, Any] = {}
    if sla.policy_id != ticket.sla_policy_id:
        changed["sla_policy_id"] = sla.policy_id
    warn_at = shift(sla.warn_at)
    if warn_at != ticket.sla_warn_at:  # a new target: warn and breach afresh
        changed.update(sla_warn_at=warn_at, sla_warned_at=None, sla_breached_at=None)
    wanted = {"resolution_due_at": shift(sla.resolution)}
    if ticket.first_responded_at is None:
        wanted["first_response_due_at"] = shift(sla.first_response)
    for field, value in wanted.items():
        old = getattr(ticket, field)
        if old != value:
            events.field_changed_event(
                ticket,
                actor,
                field,
                old.astimezone(UTC).isoformat() if old else None,
                value.astimezone(UTC).isoformat(),
                why,
            )
            changed[field] = value
    return changed


def _paused_shift(ticket: Ticket, policy_id: int | None) -> Callable[[datetime], datetime]:
    """Due times move back by the business time of every finished wait for the customer
    (the current one, if any, is added when it ends: ``_sla_resumed``)."""
    marks = list(
        ticket.events.filter(kind__in=(EventKind.SLA_PAUSED, EventKind.SLA_RESUMED))
        .order_by("created_at", "pk")
        .values_list("kind", "created_at")
    )
    waits: list[tuple[datetime, datetime]] = []
    started: datetime | None = None
    for kind, at in marks:
        if kind == EventKind.SLA_PAUSED:
            started = at
        elif started is not None:
            waits.append((started, at))
            started = None
    if not waits:
        return lambda moment: moment
    calendar = sla_book.current().calendar_for(policy_id)
    if calendar is None:
        minutes = sum((b - a).total_seconds() / 60 for a, b in waits)
        return lambda moment: moment + timedelta(minutes=minutes)
    business = sum(calendar.between(a, b) for a, b in waits)
    return lambda moment: calendar.add(moment, business)


@transaction.atomic
def ticket_recompute_due(*, ticket: Ticket, reason: str) -> bool:
    """Due times again after the SLA policies changed (``tickets.tasks.recompute_due_times``).
    False when they stay the same or the ticket is no longer open."""
    ticket = _lock(ticket)
    if not ticket.is_open:
        return False
    changed = _recomputed_due(ticket, None, {}, reason)
    if not changed:
        return False
    _touch(ticket, **changed)
    return True


def ticket_transfer(*, actor: User, ticket: Ticket, team: Team, reason: str) -> Ticket:
    """Move a ticket to another team; an owner who is not a member there is released."""
    changes: dict[str, Any] = {"team": team}
    if ticket.assignee_id and not team.members.filter(pk=ticket.assignee_id).exists():
        changes["assignee"] = None
    return ticket_update(
        actor=actor, ticket=ticket, version=ticket.version, changes=changes, reason=reason
    )


# The customer's profile as a ticket's page edits it: form field -> Customer field.
CUSTOMER_PROFILE = {"customer_kind": "kind", "temperament": "temperament"}


@transaction.atomic
def ticket_customer_update(
    *, actor: User, ticket: Ticket, version: int, changes: dict[str, Any], reason: str = ""
) -> Customer:
    """Change the ticket's customer's kind or temperament from the ticket (the priority
    matrix and the handling read them): through ``customers.services.customer_update``
    with the customer's ``version`` (optimistic locking), each change written in the
    ticket's timeline (who, when, old and new)."""
    require_staff(actor)
    unknown = set(changes) - set(CUSTOMER_PROFILE)
    if unknown:
        raise ValidationFailed(
            _("Kolom ini tidak dapat diubah."),
            fields={f: [_("Tidak dapat diubah.")] for f in unknown},
        )
    customer = Customer.objects.get(pk=ticket.customer_id)
    wanted = {
        CUSTOMER_PROFILE[f]: v
        for f, v in changes.items()
        if getattr(customer, CUSTOMER_PROFILE[f]) != v
    }
    if not wanted:
        return customer
    old = {f: getattr(customer, f) for f in wanted}
    customer = customer_update(customer=customer, version=version, changes=wanted, actor=actor)
    for form_field, field in CUSTOMER_PROFILE.items():
        if field in wanted:
            events.field_changed_event(ticket, actor, form_field, old[field], wanted[field], reason)
    return customer


@transaction.atomic
def ticket_change_customer(
    *, actor: User | None, ticket: Ticket, customer: Customer, reason: str
) -> Ticket:
    """File one ticket under another customer: its version bumped and a timeline entry
    naming both customers, who (``None``: the customer, by proving their address) and why.

    For a ticket opened on a customer the channel could not vouch for (live chat's
    provisional visitor, ``connectors.livechat.services``)."""
    ticket = _lock(ticket)
    if ticket.customer_id == customer.pk:
        return ticket
    source = Customer.objects.get(pk=ticket.customer_id)
    old, new = f"{source.name} (#{source.pk})", f"{customer.name} (#{customer.pk})"
    _touch(ticket, customer=customer)
    events.field_changed_event(ticket, actor, "customer", old, new, reason=reason)
    return ticket


def tickets_move_customer(*, actor: User, target: Customer, source: Customer) -> list[int]:
    """A customer merge (``customers.services.customer_merge``, inside its transaction):
    every ticket of ``source`` moves to ``target``, each with its version bumped and a
    timeline entry naming the merge."""
    now = timezone.now()
    tickets = list(Ticket.objects.select_for_update().filter(customer=source).order_by("pk"))
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        customer=target, version=F("version") + 1, updated_at=now
    )
    old, new = f"{source.name} (#{source.pk})", f"{target.name} (#{target.pk})"
    reason = said_in_default_language(
        gettext_lazy("Pelanggan #%(source)s digabung ke pelanggan #%(target)s."),
        source=source.pk,
        target=target.pk,
    )
    for ticket in tickets:
        ticket.customer = target
        events.field_changed_event(ticket, actor, "customer", old, new, reason=reason)
    return [t.pk for t in tickets]
