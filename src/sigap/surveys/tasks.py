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


@db_task(retries=3, retry_delay=60)
def send_survey_on_channel(survey_id: int) -> str:
    """Jobs queued before the question went through the outbox
    (``quickreply.ASK_ON_CHANNEL``)."""
    from sigap.surveys import quickreply

    return quickreply.send_invitation(survey_id)


@db_task(retries=3, retry_delay=30)
def survey_follow_up(
    provider: str, address: str, callback_id: str, survey_id: int, what: str
) -> None:
    """Jobs queued before the follow-up went through the outbox (``quickreply.FOLLOW_UP``)."""
    from sigap.surveys import quickreply

    quickreply.follow_up(provider, address, callback_id, survey_id, what)


@periodic_task(crontab(minute="*/5"))
def invitations_catch_up() -> int:
    """Every five minutes: resolved tickets whose invitation job was lost."""
    return services.catch_up_invitations()


@periodic_task(crontab(minute="0", hour="3"), retries=2, retry_delay=300)
def nps_round() -> dict[str, int]:
    """Daily at 10:00 WIB (03:00 UTC): the relationship survey for those due."""
    result = services.invite_nps()
    return {"invited": result.invited, "skipped": result.skipped}
