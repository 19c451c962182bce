"""Role checks every app's services share: who is staff, and who may configure what.

Settings (the ``/settings/`` area and every service behind it) follow one rule, written
here once:

- an admin configures everything;
- a supervisor configures only the teams they supervise (``Team.supervisor``): members'
  skills and capacity, the team's rules and targets; anything global (no team), or another
  team's, is refused;
- anyone else (agents, customers, inactive accounts) configures nothing.

A refusal raises ``PermissionDenied`` (403) with a message that says why.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from sigap.accounts.models import Role, Team, User
from sigap.core.errors import PermissionDenied


def require_staff(user: User) -> None:
    if not user.is_active or not user.is_agent_or_above:
        raise PermissionDenied(gettext("Hanya petugas yang dapat melakukan tindakan ini."))


# --- settings ----------------------------------------------------------------------------


def can_open_settings(user: User) -> bool:
    """Whether the settings area opens at all for ``user`` (admins and supervisors)."""
    return bool(user.is_active) and user.role in (Role.ADMIN, Role.SUPERVISOR)


def is_settings_admin(user: User) -> bool:
    """Whether ``user`` may change global settings (and every team's)."""
    return bool(user.is_active) and user.role == Role.ADMIN


def require_settings(user: User) -> None:
    if not can_open_settings(user):
        raise PermissionDenied(_("Halaman pengaturan hanya untuk supervisor dan admin."))


def require_global_settings(user: User) -> None:
    """Settings that are not one team's: only an admin."""
    require_settings(user)
    if not is_settings_admin(user):
        raise PermissionDenied(_("Pengaturan ini berlaku untuk semua tim: hanya admin."))


def require_team_settings(user: User, team: Team | int | None) -> None:
    """A team's settings: an admin, or the team's supervisor. ``None`` (no team) is
    global."""
    require_settings(user)
    if is_settings_admin(user):
        return
    if team is None:
        raise PermissionDenied(_("Pengaturan ini berlaku untuk semua tim: hanya admin."))
    team_id = team.pk if isinstance(team, Team) else team
    if team_id not in supervised_team_ids(user):
        raise PermissionDenied(_("Anda hanya dapat mengatur tim yang Anda pimpin."))


# --- invitations ------------------------------------------------------------------------------


def require_invite(user: User, role: str, team_ids: Collection[int]) -> None:
    """Who may invite whom: an admin invites anyone into any team; a supervisor invites
    agents only, into one or more of the teams they supervise and no other."""
    require_settings(user)
    if is_settings_admin(user):
        return
    if role != Role.AGENT:
        raise PermissionDenied(_("Supervisor hanya dapat mengundang agen."))
    if not team_ids:
        raise PermissionDenied(_("Pilih tim yang Anda pimpin untuk agen yang diundang."))
    if not set(team_ids) <= supervised_team_ids(user):
        raise PermissionDenied(_("Anda hanya dapat mengundang ke tim yang Anda pimpin."))


def require_invitee(user: User, invitee: User) -> None:
    """Who may resend or withdraw someone's invitation: an admin, or the supervisor of a
    team the invited agent is in."""
    require_settings(user)
    if is_settings_admin(user):
        return
    in_my_team = invitee.teams.filter(pk__in=supervised_team_ids(user)).exists()
    if invitee.role != Role.AGENT or not in_my_team:
        raise PermissionDenied(
            _("Anda hanya dapat mengatur undangan agen di tim yang Anda pimpin.")
        )


def supervised_team_ids(user: User) -> set[int]:
    """The teams ``user`` supervises (one query, kept on the instance for the request)."""
    cached: set[int] | None = getattr(user, "_sigap_supervised", None)
    if cached is None:
        cached = set(Team.objects.filter(supervisor_id=user.pk).values_list("pk", flat=True))
        user._sigap_supervised = cached  # type: ignore[attr-defined]
    return cached


def settings_teams_for(user: User) -> QuerySet[Team]:
    """The teams whose settings ``user`` may change: every team for an admin, the teams
    they supervise for a supervisor, none for anyone else."""
    if is_settings_admin(user):
        return Team.objects.all()
    if can_open_settings(user):
        return Team.objects.filter(supervisor_id=user.pk)
    return Team.objects.none()
