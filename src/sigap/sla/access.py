"""Who may change the service levels.

Admins change everything: policies, calendars, special periods and holidays. A supervisor
changes only the SLA policies of the teams they supervise (a policy with that team as its
condition), and creates policies only for those teams; calendars and holidays are shared by
everyone, so they stay with the admins. Agents change nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from sigap.accounts.models import Role, Team, User
from sigap.core.errors import PermissionDenied
from sigap.sla.models import SlaPolicy


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def may_open(user: User) -> bool:
    """The service-level pages are for supervisors and admins."""
    return user.is_supervisor_or_admin


def own_team_ids(user: User) -> set[int]:
    """The teams whose SLA policies the user may change (every team for an admin: None
    would be ambiguous, so admins are checked with ``is_admin`` first)."""
    return set(Team.objects.filter(supervisor_id=user.pk).values_list("pk", flat=True))


def may_change_policy(user: User, policy: SlaPolicy, team_ids: set[int] | None = None) -> bool:
    if is_admin(user):
        return True
    if user.role != Role.SUPERVISOR:
        return False
    if policy.team_id is None:  # a policy for every team is global
        return False
    teams = team_ids if team_ids is not None else own_team_ids(user)
    return policy.team_id in teams


def check_policy_change(user: User, policy: SlaPolicy | None, after_team_id: int | None) -> None:
    """Raise ``PermissionDenied`` unless the user may save ``policy`` (None: a new one)
    with ``after_team_id`` as its team condition."""
    if is_admin(user):
        return
    if user.role != Role.SUPERVISOR:
        raise PermissionDenied(_("Hanya supervisor dan admin yang dapat mengubah SLA."))
    teams = own_team_ids(user)
    if after_team_id is None or after_team_id not in teams:
        raise PermissionDenied(
            _("Supervisor hanya dapat mengatur SLA untuk tim yang mereka pimpin."),
            fields={"team": [_("Pilih salah satu tim Anda.")]},
        )
    if policy is not None and policy.team_id not in teams:
        raise PermissionDenied(_("Kebijakan SLA ini milik tim lain."))


def check_admin(user: User) -> None:
    if not is_admin(user):
        raise PermissionDenied(
            _(
                "Kalender kerja dan hari libur berlaku untuk semua tim; "
                "hanya admin yang dapat mengubahnya."
            )
        )
