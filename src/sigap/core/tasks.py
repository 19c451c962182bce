"""Jobs of the outbox (``core.outbox``): one row's job, queued at the commit, and the
sweep behind it."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core import outbox
from sigap.core.periodic import periodic_task


@db_task()
def run_outbox_item(item_id: int) -> str:
    return outbox.run(item_id, first=True)


@periodic_task(crontab(minute="*"))
def drain_outbox() -> int:
    done = outbox.drain()
    outbox.purge()
    return done
