from __future__ import annotations

from dataclasses import asdict

from huey import crontab

from sigap.core.periodic import periodic_task
from sigap.tickets import automations


@periodic_task(crontab(minute="*/5"), retries=3, retry_delay=30)
def time_automations() -> dict[str, int]:
    """Reminders and auto-close; idempotent (see ``tickets.automations``)."""
    return asdict(automations.run())
