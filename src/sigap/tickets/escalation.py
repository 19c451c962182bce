"""The escalation chain (``EscalationLevel``, edited by admins on `/settings/sla/escalation/`,
``sla.ladder``): who each level goes to, after how long, and whether the ticket changes hands.

Defaults (migration ``0003``): level 1 the team's supervisor when the resolution target is
breached, level 2 management (the admins) four hours later. The owner is warned before
the breach (``tickets.sweep._warn``), so the chain reads owner -> team supervisor -> management.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from sigap.accounts.models import Role, Team, User
from sigap.sla.models import EscalationAudience, EscalationLevel
from sigap.tickets import events
from sigap.tickets.models import Ticket


@dataclass(frozen=True)
class Step:
    level: int
    name: str
    after_minutes: int
    audience: str
    user_id: int | None
    reassign: bool


def chain() -> list[Step]:
    """The active levels in order (one small query; read once per sweep step)."""
    return [
        Step(lv.level, lv.name, lv.after_minutes, lv.audience, lv.user_id, lv.reassign)
        for lv in EscalationLevel.objects.filter(active=True).order_by("level")
    ]


def next_step(current_level: int, steps: list[Step] | None = None) -> Step | None:
    for step in chain() if steps is None else steps:
        if step.level > current_level:
            return step
    return None


def recipients(ticket: Ticket, step: Step | None) -> list[int]:
    audience = step.audience if step else EscalationAudience.TEAM_SUPERVISOR
    if audience == EscalationAudience.USER and step and step.user_id:
        return [step.user_id]
    if audience == EscalationAudience.MANAGEMENT:
        return _role(Role.ADMIN)
    if audience == EscalationAudience.TEAM_SUPERVISOR and ticket.team_id:
        if Ticket._meta.get_field("team").is_cached(ticket):  # the sweep loads it
            supervisor = ticket.team.supervisor_id if ticket.team else None
        else:
            supervisor = (
                Team.objects.filter(pk=ticket.team_id)
                .values_list("supervisor_id", flat=True)
                .first()
            )
        if supervisor:
            return [supervisor]
    return _role(Role.SUPERVISOR)


def escalation_recipients(ticket: Ticket, level: int) -> list[int]:
    """Who level ``level`` of the chain goes to for this ticket."""
    step = next((s for s in chain() if s.level == level), None)
    return recipients(ticket, step)


def reassign(ticket: Ticket, step: Step, to: list[int], actor: User | None, reason: str) -> None:
    """When the level says so and goes to one person, the ticket becomes theirs,
    recorded in the timeline like any reassignment."""
    if not step.reassign or len(to) != 1 or ticket.assignee_id == to[0]:
        return
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        assignee_id=to[0], version=F("version") + 1, updated_at=now
    )
    events.field_changed_event(ticket, actor, "assignee", ticket.assignee_id, to[0], reason)
    # the caller's object stays in step with the row (its version is what they save next)
    ticket.assignee_id = to[0]
    ticket.version += 1
    ticket.updated_at = now


def _role(role: Role) -> list[int]:
    return list(User.objects.filter(role=role, is_active=True).values_list("pk", flat=True))
