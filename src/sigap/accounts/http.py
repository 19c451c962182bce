"""Request helpers for the API routers and pages."""

from __future__ import annotations

from django.http import HttpRequest

from sigap.accounts.models import User


def request_user(request: HttpRequest) -> User:
    """The user the API authenticated (bearer token or session)."""
    user: User = request.auth  # type: ignore[attr-defined]
    return user
