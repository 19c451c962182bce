"""In-app notifications: stored, then pushed live to the user's open pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from sigap.notifications.models import Notification

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def notify_many(
    rows: Iterable[tuple[int, int | None, str, str]], *, at: datetime | None = None
) -> list[Notification]:
    """``(user_id, ticket_id, kind, text)`` rows, stored in one INSERT."""
    now = at or timezone.now()
    created = Notification.objects.bulk_create(
        Notification(user_id=u, ticket_id=t, kind=k, text=text[:300], created_at=now)
        for u, t, k, text in rows
    )
    users = sorted({n.user_id for n in created})
    transaction.on_commit(lambda: _push(users), robust=True)
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
