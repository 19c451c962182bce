"""Request helpers for the API routers and pages."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from sigap.accounts.models import User


def request_user(request: HttpRequest) -> User:
    """The user the API authenticated (bearer token or session)."""
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """Where to go after a POST: ``candidate`` (a ``next`` field, the Referer) only when it
    stays on this site; otherwise ``default``. Never an open redirect."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
