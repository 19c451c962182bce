"""The loyalty programme's daily pass: expire points, recompute tiers, birthday gifts."""

from __future__ import annotations

from huey import crontab

from sigap.core.periodic import periodic_task
from sigap.relations import loyalty


@periodic_task(crontab(minute="15", hour="1"), retries=2, retry_delay=300)
def loyalty_daily() -> dict[str, int]:
    return {
        "expired": loyalty.expire_points(),
        "tiers_changed": loyalty.recompute_tiers(),
        "birthday_gifts": loyalty.birthday_gifts(),
    }
