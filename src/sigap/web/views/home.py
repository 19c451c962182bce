"""The supervisor's home: their teams' open tickets, what waits for their decision, and
the escalations in their teams."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import Role, Team, User
from sigap.kb import feedback
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import OPEN_STATUSES, Proposal, ProposalStatus, Ticket
from sigap.web.inbox import my_team_ids

SHOWN = 10
DEFLECTION_DAYS = 30


def decidable_proposals(user: User) -> QuerySet[Proposal]:
    """Proposals waiting for this user's approval: an admin decides any; a supervisor
    those of the teams they supervise, and of tickets with no team yet (the rule of
    ``tickets.access.require_supervisor_for``)."""
    qs = Proposal.objects.filter(status=ProposalStatus.PENDING_APPROVAL)
    if user.role == Role.ADMIN:
        return qs
    supervised = Team.objects.filter(supervisor_id=user.pk).values("pk")
    return qs.filter(Q(ticket__team_id__in=supervised) | Q(ticket__team__isnull=True))


@require_GET
@supervisor_required
def supervisor_home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    team_ids = my_team_ids(user)
    open_in_teams = visible_tickets(user).filter(team_id__in=team_ids, status__in=OPEN_STATUSES)
    now = timezone.now()
    counts: dict[int, dict[str, Any]] = {
        row["team_id"]: dict(row)
        for row in open_in_teams.values("team_id")
        .annotate(
            open=Count("pk"),
            unassigned=Count("pk", filter=Q(assignee__isnull=True)),
            overdue=Count("pk", filter=Q(resolution_due_at__lt=now)),
            escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        )
        .order_by()
    }
    empty = {"open": 0, "unassigned": 0, "overdue": 0, "escalated": 0}
    teams = [
        {"pk": pk, "name": name, **{k: counts.get(pk, empty)[k] for k in empty}}
        for pk, name in Team.objects.filter(pk__in=team_ids).values_list("pk", "name")
    ]
    escalations: list[Ticket] = list(
        open_in_teams.filter(escalation_level__gt=0)
        .select_related("customer", "team", "assignee")
        .order_by("-escalation_level", "priority", "resolution_due_at", "pk")[:SHOWN]
    )
    urgent: list[Ticket] = list(
        open_in_teams.select_related("customer", "team", "assignee").order_by(
            "priority", "resolution_due_at", "pk"
        )[:SHOWN]
    )
    return render(
        request,
        "web/supervisor_home.html",
        {
            "teams": teams,
            "pending_approvals": decidable_proposals(user).count(),
            "escalations": escalations,
            "escalation_total": sum(t["escalated"] for t in teams),
            "urgent": urgent,
            "now_dt": now,
            "deflection": feedback.deflection(now - timedelta(days=DEFLECTION_DAYS), now, now=now),
            "deflection_days": DEFLECTION_DAYS,
        },
    )
