from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.webhooks import delivery


@db_task()
def deliver(delivery_id: str) -> str:
    """Send one delivery now (queued after the change commits)."""
    return delivery.attempt(delivery_id)


@periodic_task(crontab(minute="*"))
def retry_deliveries() -> int:
    """Retries with backoff, and deliveries whose queued job was lost (a killed worker)."""
    return delivery.retry_due()
