"""Work after a commit that must not be lost: the transactional outbox.

``later(name, **args)`` writes an ``OutboxItem`` in the caller's transaction and, once it
commits, queues a job that runs the handler registered under ``name`` (``handler``). If the
process dies between the commit and the enqueue, or the queue loses the job, the sweep
(``drain``, every minute) runs the row once its grace has passed. A row is claimed with a
conditional UPDATE and a lease (``LEASE``), so the job and the sweep, or two workers, never
run it at once; a failure is retried with backoff, up to ``MAX_ATTEMPTS``, then kept as
failed with the error.

Delivery is at least once: a worker killed after the work and before marking the row done
runs it again. Handlers must be idempotent (check the state they change) or harmless to
repeat (a notification email).

Not for what is already durable another way (a reply's delivery row and its send loop, the
webhooks' outbox, inbound messages) nor for what is worthless late (live updates to open
pages, the chatbot's answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sigap.core.models import OutboxItem

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=1)  # the job queued at the commit runs first
LEASE = timedelta(minutes=5)
BACKOFF = (60, 300, 900, 3600)  # seconds after the 1st, 2nd, 3rd, 4th failure
MAX_ATTEMPTS = 5

Handler = Callable[..., object]
H = TypeVar("H", bound=Handler)
_handlers: dict[str, Handler] = {}


def handler(name: str) -> Callable[[H], H]:
    """Register ``fn(**args)`` as the work of ``name`` (at import of the app's module, in
    its ``ready()``)."""

    def register(fn: H) -> H:
        _handlers[name] = fn
        return fn

    return register


def later(name: str, **args: Any) -> OutboxItem:
    """Run ``name``'s handler with ``args`` (JSON) once the current transaction commits."""
    if name not in _handlers:
        raise LookupError(f"no outbox handler {name!r}")
    item = OutboxItem.objects.create(name=name, args=args, due_at=timezone.now() + GRACE)
    item_id = item.pk
    transaction.on_commit(lambda: _enqueue(item_id), robust=True)
    return item


def change(item: OutboxItem, **args: Any) -> None:
    """Replace the arguments of a row written in this transaction (work gathered over
    several changes: one recompute for an admin's six edits)."""
    item.args = args
    OutboxItem.objects.filter(pk=item.pk, attempts=0).update(args=args)


def _enqueue(item_id: int) -> None:
    from sigap.core.tasks import run_outbox_item  # the job module imports this one

    run_outbox_item(item_id)


def run(item_id: int, *, first: bool = False) -> str:
    """Run one row: ``done``, ``retry`` (failed, will be retried), ``failed`` (gave up) or
    ``skipped`` (done already, not due, or held by another worker). ``first``: the job
    queued at the commit, which may run before the grace is over."""
    now = timezone.now()
    rows = OutboxItem.objects.filter(pk=item_id, done_at__isnull=True, failed_at__isnull=True)
    rows = rows.filter(attempts=0) if first else rows.filter(due_at__lte=now)
    claimed = rows.update(attempts=F("attempts") + 1, due_at=now + LEASE)
    if not claimed:
        return "skipped"
    item = OutboxItem.objects.get(pk=item_id)
    work = _handlers.get(item.name)
    try:
        if work is None:
            raise LookupError(f"no outbox handler {item.name!r}")
        work(**item.args)
    except Exception as exc:  # any failure of the work: kept, retried, never lost
        return _failed(item, exc)
    OutboxItem.objects.filter(pk=item_id).update(done_at=timezone.now(), error="")
    return "done"


def _failed(item: OutboxItem, exc: Exception) -> str:
    now = timezone.now()
    text = f"{type(exc).__name__}: {exc}"[:2000]
    mine = OutboxItem.objects.filter(pk=item.pk, done_at__isnull=True)
    if item.attempts >= MAX_ATTEMPTS:
        mine.update(failed_at=now, error=text)
        log.error("outbox %s #%s failed for good: %s", item.name, item.pk, text)
        return "failed"
    delay = BACKOFF[min(item.attempts, len(BACKOFF)) - 1]
    mine.update(due_at=now + timedelta(seconds=delay), error=text)
    log.warning("outbox %s #%s failed, retry in %ss: %s", item.name, item.pk, delay, text)
    return "retry"


def drain(limit: int = 500) -> int:
    """Run every row whose time has come (a lost job, an expired lease, a retry): the
    sweep. Returns how many were done."""
    due = list(
        OutboxItem.objects.filter(
            done_at__isnull=True, failed_at__isnull=True, due_at__lte=timezone.now()
        )
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(run(pk) == "done" for pk in due)


def purge(older_than: timedelta = timedelta(days=7)) -> int:
    """Forget rows done more than ``older_than`` ago."""
    deleted, _ = OutboxItem.objects.filter(done_at__lt=timezone.now() - older_than).delete()
    return deleted


def oldest_due() -> datetime | None:
    """Since when the oldest row that should have run has been waiting (``core.health``)."""
    due: datetime | None = (
        OutboxItem.objects.filter(
            done_at__isnull=True, failed_at__isnull=True, due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return due
