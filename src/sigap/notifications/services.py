"""In-app notifications: stored, then pushed live to the user's open pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from sigap.core import outbox
from sigap.notifications.models import EMAIL_BY_DEFAULT, Notification, NotificationPreference

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def preferences(user_ids: Iterable[int]) -> dict[tuple[int, str], tuple[bool, bool]]:
    """``(user, kind) -> (in_app, email)`` for the stored choices (defaults elsewhere)."""
    return {
        (p.user_id, p.kind): (p.in_app, p.email)
        for p in NotificationPreference.objects.filter(user_id__in=set(user_ids))
    }


def wants(
    prefs: dict[tuple[int, str], tuple[bool, bool]], user_id: int, kind: str
) -> tuple[bool, bool]:
    return prefs.get((user_id, kind), (True, kind in EMAIL_BY_DEFAULT))


def notify_many(
    rows: Iterable[tuple[int, int | None, str, str]], *, at: datetime | None = None
) -> list[Notification]:
    """``(user_id, ticket_id, kind, text)`` rows: stored in one INSERT for those who want
    them in the app, emailed (by the worker, after the commit) to those who want email."""
    rows = list(rows)
    if not rows:
        return []
    now = at or timezone.now()
    prefs = preferences(u for u, _, _, _ in rows)
    created = Notification.objects.bulk_create(
        Notification(user_id=u, ticket_id=t, kind=k, text=text[:300], created_at=now)
        for u, t, k, text in rows
        if wants(prefs, u, k)[0]
    )
    emails = [(u, t, k, text) for u, t, k, text in rows if wants(prefs, u, k)[1]]
    users = sorted({n.user_id for n in created})

    if emails:  # mailed by the worker once this commits; the row keeps them until then
        outbox.later("notifications.email", rows=[list(row) for row in emails])
    transaction.on_commit(lambda: _push(users), robust=True)  # open pages: now or never
    return created


def _push(user_ids: list[int]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    for user_id in user_ids:
        try:
            send(user_group(user_id), {"type": "notification.new"})
        except Exception:  # a dead channel layer must not break a committed write
            log.exception("notification push to user %s failed", user_id)


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def mark_read(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
