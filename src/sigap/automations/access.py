"""Who may change which automation rule (the settings builders).

Admins: every rule. Supervisors: the rules of their own teams only, i.e. a rule whose
teams (the ``teams`` condition and every ``set_team`` target) are all teams they supervise,
with at least one; an ``assign`` target must be a member of one of those teams, and calling
a webhook (configured by admins for the whole business) stays with admins. Agents and
customers: none.
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Role, Team, User


def supervised_team_ids(user: User) -> set[int]:
    return set(Team.objects.filter(supervisor_id=user.pk).values_list("pk", flat=True))


def rule_teams(conditions: dict[str, Any], actions: list[dict[str, Any]]) -> set[int]:
    """The teams a rule is about: those it matches on and those it sends tickets to."""
    teams = {int(t) for t in conditions.get("teams") or []}
    teams |= {int(a["value"]) for a in actions if a.get("type") == "set_team" and a.get("value")}
    return teams


def may_edit_rule(user: User, conditions: dict[str, Any], actions: list[dict[str, Any]]) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.SUPERVISOR:
        return False
    own = supervised_team_ids(user)
    teams = rule_teams(conditions, actions)
    if not teams or not teams <= own:
        return False
    if any(a.get("type") == "call_webhook" for a in actions):
        return False
    assignees = {int(a["value"]) for a in actions if a.get("type") == "assign" and a.get("value")}
    if not assignees:
        return True
    members = set(
        User.objects.filter(pk__in=assignees)
        .filter(teams__in=own)
        .values_list("pk", flat=True)
        .distinct()
    )
    return assignees <= members
