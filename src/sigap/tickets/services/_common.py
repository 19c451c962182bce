"""What every ticket service shares: the row lock, the versioned write, the status change
through the transition table (with the SLA clock's pause and resume), and the hand-over of a
public reply to its channel."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import Role, Team, User
from sigap.core.errors import (
    ValidationFailed,
)
from sigap.sla import book as sla_book
from sigap.tickets import events, hooks
from sigap.tickets.models import (
    EventKind,
    Message,
    Status,
    Tag,
    Ticket,
)
from sigap.tickets.transitions import check_transition

S = Status


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock (PostgreSQL) for a read-modify-write."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _touch(ticket: Ticket, **fields: Any) -> None:
    """Write ``fields`` and bump the version; keeps the in-memory object in step."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(version=F("version") + 1, updated_at=now, **fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.version += 1
    ticket.updated_at = now


def _set_status(ticket: Ticket, actor: User | None, to: Status, reason: str = "") -> None:
    check_transition(kind=ticket.kind, current=ticket.status, target=to, reason=reason)
    old = ticket.status
    now = timezone.now()
    extra: dict[str, Any] = {}
    if to == S.RESOLVED:
        extra["resolved_at"] = now
    elif to == S.CLOSED:
        extra["closed_at"] = now
    elif old == S.RESOLVED:
        extra["resolved_at"] = None
    if to == S.WAITING_CUSTOMER and old != S.WAITING_CUSTOMER:
        extra["sla_paused_at"] = now  # the clock stops while the customer has the ball
        extra["customer_reminded_at"] = None
    elif old == S.WAITING_CUSTOMER and ticket.sla_paused_at is not None:
        extra.update(_sla_resumed(ticket, now))
    sla_data = extra.pop("_sla_data", {})
    _touch(ticket, status=to, **extra)
    events.status_changed_event(ticket, actor, old, to, reason)
    if "sla_paused_at" in extra:
        kind = EventKind.SLA_PAUSED if extra["sla_paused_at"] else EventKind.SLA_RESUMED
        events.sla_event(ticket, kind, data=sla_data)
    hooks.publish(hooks.StatusChanged(ticket_id=ticket.pk, old=old, new=to))


def _sla_resumed(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Push the due times back by the business time the ticket waited for the customer."""
    paused_at = ticket.sla_paused_at
    assert paused_at is not None
    calendar = sla_book.current().calendar_for(ticket.sla_policy_id)
    if calendar is None:
        waited = (now - paused_at).total_seconds() / 60

        def shift(moment: datetime) -> datetime:
            return moment + timedelta(minutes=waited)
    else:
        waited = calendar.between(paused_at, now)

        def shift(moment: datetime) -> datetime:
            return calendar.add(moment, waited)

    out: dict[str, Any] = {"sla_paused_at": None}
    if waited <= 0:
        return out
    if ticket.resolution_due_at is not None:
        out["resolution_due_at"] = shift(ticket.resolution_due_at)
    if ticket.sla_warn_at is not None:
        out["sla_warn_at"] = shift(ticket.sla_warn_at)
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        out["first_response_due_at"] = shift(ticket.first_response_due_at)
    out["_sla_data"] = {
        "paused_minutes": round(waited),
        "resolution_due_at": out.get("resolution_due_at", ticket.resolution_due_at)
        .astimezone(UTC)
        .isoformat()
        if ticket.resolution_due_at
        else None,
    }
    return out


def _tag_objects(names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({n.strip().lower() for n in names if n.strip()})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


def _check_assignee(assignee: User | None, team: Team | None) -> None:
    if assignee is None:
        return
    if not assignee.is_active or not assignee.is_agent_or_above:
        raise ValidationFailed(
            _("Penanggung jawab harus petugas yang aktif."),
            fields={"assignee_id": [_("Bukan petugas aktif.")]},
        )
    if team is None or assignee.role == Role.ADMIN:
        return
    in_team = team.supervisor_id == assignee.pk or team.members.filter(pk=assignee.pk).exists()
    if not in_team:
        raise ValidationFailed(
            _("%(name)s bukan anggota tim %(team)s.")
            % {"name": assignee.display_name, "team": team.name},
            fields={"assignee_id": [_("Bukan anggota tim.")]},
        )


def _choice(value: Any, choices: Collection[Any], field: str) -> Any:
    if value not in choices:
        raise ValidationFailed(
            _("Nilai '%(value)s' tidak valid untuk %(field)s.") % {"value": value, "field": field},
            fields={field: [_("Pilihan tidak valid.")]},
        )
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Team | User):
        return value.pk
    return value


def _deliver(message: Message) -> None:
    """A public reply leaves on its channel once it is committed (the channel's
    connector subscribes to ``ReplyPosted``)."""
    hooks.publish(
        hooks.ReplyPosted(
            message_id=message.pk, ticket_id=message.ticket_id, channel=message.channel
        )
    )
