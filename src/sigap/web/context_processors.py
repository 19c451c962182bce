from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sigap.core import menucache
from sigap.notifications.services import unread_count
from sigap.triage.models import AgentProfile, AgentStatus


class StaffMenu:
    """The signed-in staff member's own state in the menu: the unread notifications and
    the agent's status. Read when a template first asks (a fragment that draws no menu
    reads nothing), from the per-user cache entry when there is one (``core.menucache``:
    one cache call instead of two statements), else from the database, stored for the
    next page."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self._state: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._state is None:
            cached = menucache.get(self.user_id) if menucache.enabled() else None
            if cached is None:
                cached = {
                    "unread": unread_count(self.user_id),
                    "status": AgentProfile.objects.filter(user_id=self.user_id)
                    .values_list("status", flat=True)
                    .first()
                    or AgentStatus.ONLINE,
                }
                if menucache.enabled():
                    menucache.put(self.user_id, cached)
            self._state = cached
        return self._state

    @property
    def unread(self) -> int:
        return int(self._load()["unread"])

    @property
    def status(self) -> str:
        return str(self._load()["status"])


def staff_menu(request: HttpRequest) -> dict[str, Any]:
    """What the staff navigation shows of the user (web/staff_base.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_agent_or_above", False):
        return {}
    return {"staff_menu": StaffMenu(user.pk), "agent_statuses": AgentStatus.choices}
