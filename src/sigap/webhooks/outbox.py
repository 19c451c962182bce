"""Recording webhook deliveries with the change that causes them (the outbox pattern).

``events._event`` calls ``record`` for every timeline event: the delivery rows commit or
roll back with the change, and after the commit the worker is asked to send them. The
list of active webhooks is kept in memory (reloaded on edits, or after a minute), so a
Sigap without webhooks pays nothing per write.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sigap.core.memo import SharedMemo


def _load() -> list[tuple[int, frozenset[str]]]:
    from sigap.webhooks.models import Webhook

    return [
        (pk, frozenset(events))
        for pk, events in Webhook.objects.filter(active=True).values_list("pk", "events")
    ]


_hooks = SharedMemo("webhooks", _load)
invalidate = _hooks.invalidate


def has_hooks() -> bool:
    return bool(_hooks.get())


def record(event: str, payload: dict[str, Any]) -> None:
    _enqueue([pk for pk, events in _hooks.get() if not events or event in events], event, payload)


def record_for(webhook_id: int, event: str, payload: dict[str, Any]) -> None:
    """One delivery to one webhook, whatever it subscribes to (an automation's action)."""
    if any(pk == webhook_id for pk, _ in _hooks.get()):
        _enqueue([webhook_id], event, payload)
    else:
        raise ValueError(f"webhook {webhook_id} does not exist or is not active")


def _enqueue(hooks: list[int], event: str, payload: dict[str, Any]) -> None:
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
