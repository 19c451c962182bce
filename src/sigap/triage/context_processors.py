from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sigap.triage.models import AgentProfile, AgentStatus


def agent_status(request: HttpRequest) -> dict[str, Any]:
    """The signed-in agent's status for the menu (one small query on staff pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_agent_or_above", False):
        return {}
    status = (
        AgentProfile.objects.filter(user_id=user.pk).values_list("status", flat=True).first()
        or AgentStatus.ONLINE
    )
    return {"agent_status": status, "agent_statuses": AgentStatus.choices}
