"""Survey jobs (Huey): the invitation after a resolution, and the NPS round."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.surveys import services


@db_task(retries=5, retry_delay=60)
def invite_after_resolution(ticket_id: int) -> int | None:
    """Enqueued when a ticket is resolved. Idempotent (one survey per ticket)."""
    survey = services.invite_after_resolution(ticket_id)
    return survey.pk if survey else None


@periodic_task(crontab(minute="0", hour="3"), retries=2, retry_delay=300)
def nps_round() -> dict[str, int]:
    """Daily at 10:00 WIB (03:00 UTC): the relationship survey for those due."""
    result = services.invite_nps()
    return {"invited": result.invited, "skipped": result.skipped}
