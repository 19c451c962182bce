"""The loyalty programme's daily pass: expire points, anniversary points, recompute tiers,
birthday gifts."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.relations import campaigns, loyalty


@periodic_task(crontab(minute="15", hour="1"), retries=2, retry_delay=300)
def loyalty_daily() -> dict[str, int]:
    result = {
        "expired": loyalty.expire_points(),
        "anniversaries": loyalty.anniversary_points(),  # before the tiers, which count them
        "tiers_changed": loyalty.recompute_tiers(),
        "birthday_gifts": loyalty.birthday_gifts(),
    }
    if loyalty.programme().active:  # greetings go only to those who agreed to marketing
        result["birthday_greetings"] = int(
            campaigns.greet_birthdays(day=timezone.localdate()) is not None
        )
    return result


@periodic_task(crontab(minute="*"))
def send_campaigns() -> dict[str, int]:
    """Every minute: the queued campaigns whose time has come send what their rate allows
    (``campaigns.send_due``; each recipient claimed before it is sent, so safe to run twice)."""
    from sigap.relations import campaigns

    return campaigns.send_due()


@periodic_task(crontab(minute="*"), retries=2, retry_delay=10)
def incidents_detect() -> dict[str, int]:
    """Every minute: look for a surge of similar complaints; finish what a crash
    interrupted (an answer to all tickets, closing them together)."""
    from sigap.relations import incidents

    found = incidents.detect()
    return {
        "counted": found.counted,
        "window": found.window,
        "suggested": len(found.suggested),
        "updated": len(found.updated),
        "resumed": incidents.resume(),
    }


@db_task(retries=2, retry_delay=30)
def incident_answer_send(answer_id: int) -> None:
    from sigap.relations import incidents

    incidents.answer_send(answer_id)


@db_task(retries=2, retry_delay=30)
def incident_close_tickets(incident_id: int, actor_id: int) -> None:
    from sigap.relations import incidents

    incidents.close_tickets(incident_id, actor_id)
