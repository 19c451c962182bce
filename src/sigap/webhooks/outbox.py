"""Recording webhook deliveries with the change that causes them (the outbox pattern).

``events._event`` calls ``record`` for every timeline event: the delivery rows commit or
roll back with the change, and after the commit the worker is asked to send them. The
list of active webhooks is kept in memory (reloaded on edits, or after a minute), so a
Sigap without webhooks pays nothing per write.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

VERSION_KEY = "sigap:webhooks-version"
MAX_AGE = 60.0  # reload at least this often
CHECK_EVERY = 5.0  # look at the shared version at most this often (no cache call per write)
_hooks: list[tuple[int, frozenset[str]]] | None = None
_version: int | None = None
_loaded_at = 0.0
_checked_at = 0.0


def _active() -> list[tuple[int, frozenset[str]]]:
    global _hooks, _version, _loaded_at, _checked_at
    now = time.monotonic()
    if _hooks is not None and now - _checked_at < CHECK_EVERY:
        return _hooks
    _checked_at = now
    version = cache.get(VERSION_KEY, 0)
    if _hooks is None or version != _version or now - _loaded_at > MAX_AGE:
        from sigap.webhooks.models import Webhook

        _hooks = [
            (pk, frozenset(events))
            for pk, events in Webhook.objects.filter(active=True).values_list("pk", "events")
        ]
        _version, _loaded_at = version, now
    return _hooks


def has_hooks() -> bool:
    return bool(_active())


def invalidate(*_: Any, **__: Any) -> None:
    global _hooks
    _hooks = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


def record(event: str, payload: dict[str, Any]) -> None:
    hooks = [pk for pk, events in _active() if not events or event in events]
    if not hooks:
        return
    from sigap.webhooks.models import WebhookDelivery

    now = timezone.now()
    created = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook_id=pk, event=event, payload=payload, next_attempt_at=now, created_at=now
        )
        for pk in hooks
    )
    ids = [str(d.pk) for d in created]

    def send() -> None:
        from sigap.webhooks.tasks import deliver

        for delivery_id in ids:
            deliver(delivery_id)

    transaction.on_commit(send, robust=True)
