"""Metric jobs (Huey): keep the facts in step; send the scheduled reports."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sigap.metrics import sync


@db_periodic_task(crontab(minute="*"), retries=2, retry_delay=10)
def facts_sync() -> int:
    """Every minute. Safe on several workers at once (the state row is locked)."""
    return sync.sync().tickets
