"""Jobs of the outbox (``core.outbox``): one row's job, queued at the commit, and the
sweep behind it; the worker's heartbeat (``core.health``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from sigap.core import health, outbox
from sigap.core.periodic import periodic_task


@db_task()
def run_outbox_item(item_id: int) -> str:
    return outbox.run(item_id, first=True)


@periodic_task(crontab(minute="*"))
def drain_outbox() -> int:
    done = outbox.drain()
    outbox.purge()
    return done


@on_startup()
def worker_started() -> None:
    health.beat()


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Every minute on every worker (not once per tick: each one that runs says so)."""
    health.beat()
