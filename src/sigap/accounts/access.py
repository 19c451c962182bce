"""Role checks every app's services share (who is staff)."""

from __future__ import annotations

from sigap.accounts.models import User
from sigap.core.errors import PermissionDenied


def require_staff(user: User) -> None:
    if not user.is_active or not user.is_agent_or_above:
        raise PermissionDenied("Hanya petugas yang dapat melakukan tindakan ini.")
