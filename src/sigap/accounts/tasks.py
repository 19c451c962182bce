from __future__ import annotations

from huey import crontab

from sigap.accounts.idempotency import idempotency_cleanup
from sigap.core.periodic import periodic_task


@periodic_task(crontab(minute="17", hour="3"), retries=2, retry_delay=60)
def idempotency_cleanup_daily() -> int:
    """Drop Idempotency-Key records older than their 24 h lifetime."""
    return idempotency_cleanup()
