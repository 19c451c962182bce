"""Metric jobs (Huey): keep the facts in step; send the scheduled reports."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.metrics import sync


@periodic_task(crontab(minute="*"), retries=2, retry_delay=10)
def facts_sync() -> int:
    """Every minute. Safe on several workers at once (the state row is locked)."""
    return sync.sync().tickets


@db_task(retries=3, retry_delay=120)
def send_report(report_id: int, recipients: list[str]) -> None:
    from sigap.metrics.delivery import send
    from sigap.metrics.models import Report

    send(Report.objects.get(pk=report_id), recipients)


@periodic_task(crontab(minute="30", hour="0"), retries=2, retry_delay=600)
def scheduled_reports() -> int:
    """07:30 WIB: the weekly reports on Mondays, the monthly ones on the 1st."""
    from sigap.metrics.delivery import run_schedules

    return run_schedules()
