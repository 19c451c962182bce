"""Who an escalation goes to: level 1 the team's supervisor (every supervisor when the
ticket has no team), level 2 management (the admins)."""

from __future__ import annotations

from sigap.accounts.models import Role, Team, User
from sigap.tickets.models import Ticket

MAX_ESCALATION_LEVEL = 2


def escalation_recipients(ticket: Ticket, level: int) -> list[int]:
    if level <= 1:
        if ticket.team_id:
            supervisor = (
                Team.objects.filter(pk=ticket.team_id)
                .values_list("supervisor_id", flat=True)
                .first()
            )
            if supervisor:
                return [supervisor]
        return _role(Role.SUPERVISOR)
    return _role(Role.ADMIN)


def _role(role: Role) -> list[int]:
    return list(User.objects.filter(role=role, is_active=True).values_list("pk", flat=True))
