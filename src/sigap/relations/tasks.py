"""The loyalty programme's daily pass: expire points, recompute tiers, birthday gifts."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from sigap.core.periodic import periodic_task
from sigap.relations import campaigns, loyalty


@periodic_task(crontab(minute="15", hour="1"), retries=2, retry_delay=300)
def loyalty_daily() -> dict[str, int]:
    result = {
        "expired": loyalty.expire_points(),
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
