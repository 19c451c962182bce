"""Who of the staff is online: seen in the last ``ONLINE_FOR`` (a page request or a
websocket heartbeat from an open inbox or ticket page). Kept in the cache (Redis in
production, so every process agrees), never in the database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

ONLINE_FOR = 5 * 60
_KEY = "sigap:seen:{}"


def mark_seen(user_id: int) -> None:
    cache.set(_KEY.format(user_id), time.time(), ONLINE_FOR)


def online(user_ids: Iterable[int]) -> set[int]:
    ids = list(user_ids)
    seen = cache.get_many([_KEY.format(i) for i in ids])
    return {i for i in ids if _KEY.format(i) in seen}


class PresenceMiddleware:
    """Marks signed-in staff as seen, at most once a minute per process and user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._last: dict[int, float] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_agent_or_above", False):
            now = time.monotonic()
            if now - self._last.get(user.pk, 0.0) > 60:
                self._last[user.pk] = now
                mark_seen(user.pk)
        return self.get_response(request)
