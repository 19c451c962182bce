"""What the staff menu shows of a user's own state (the unread notifications, the agent's
status), kept per user in the shared cache: a page reads it with one cache call instead of
two statements (decision 0009). The inbox's saved views of a user are kept the same way
(``part="saved"``, web/saved_views.py). ``sigap.web.context_processors`` loads and stores it; the
services that change either call ``forget`` for the users concerned (notifications.services,
triage.routing.set_status; the models' ``post_save`` for edits elsewhere, the admin). An
entry also expires after ``TTL``: a write that bypasses them all (a cascade, a bulk update
by hand) shows within that time.

Only with a cache every process shares (``settings.STAFF_MENU_CACHE``, on with Redis): with
a per-process cache, a notification written by the worker would not reach the pages' copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

TTL = 60  # seconds


def enabled() -> bool:
    return bool(getattr(settings, "STAFF_MENU_CACHE", False))


def key(user_id: int, part: str = "menu") -> str:
    return f"sigap:{part}:{user_id}"


def get(user_id: int, part: str = "menu") -> Any:
    return cache.get(key(user_id, part))


def put(user_id: int, state: Any, part: str = "menu") -> None:
    cache.set(key(user_id, part), state, TTL)


def forget(user_ids: Iterable[int], part: str = "menu") -> None:
    """Drop the users' entries now and again once the transaction under way commits: a
    page that read the old rows in between would otherwise store them again."""
    if not enabled():
        return
    keys = [key(u, part) for u in set(user_ids)]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)
