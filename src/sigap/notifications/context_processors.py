from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sigap.notifications.services import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the staff navigation (one indexed COUNT per staff page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_agent_or_above", False):
        return {}
    return {"unread_notifications": lambda: unread_count(user.pk)}
