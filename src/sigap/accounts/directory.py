"""The teams and the staff by name, as every workspace page lists them (filters, the
timeline's names, transfer and assignment choices): kept in memory per process
(``core.memo.SharedMemo``), loaded again when a team or a user is saved or deleted
(``apps.AccountsConfig.ready``), in this process at once and in the others within the
memo's check interval. Two statements fewer on the inbox and the ticket page (decision
0009)."""

from __future__ import annotations

from dataclasses import dataclass

from sigap.accounts.models import STAFF_ROLES, Team, User
from sigap.core.memo import SharedMemo


@dataclass(frozen=True)
class Directory:
    teams: list[tuple[int, str]]  # (id, name), by name
    staff: list[tuple[int, str]]  # active staff (id, full name or username), by first name


def _load() -> Directory:
    people = (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .order_by("first_name", "username")
        .only("id", "first_name", "last_name", "username")
    )
    return Directory(
        teams=list(Team.objects.order_by("name").values_list("id", "name")),
        staff=[(u.pk, u.get_full_name() or u.username) for u in people],
    )


_directory: SharedMemo[Directory] = SharedMemo("directory", _load)
invalidate = _directory.invalidate
memo = _directory


def teams() -> list[tuple[int, str]]:
    return _directory.get().teams


def staff() -> list[tuple[int, str]]:
    return _directory.get().staff


def staff_names() -> dict[int, str]:
    return dict(_directory.get().staff)
