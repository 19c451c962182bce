"""Triage jobs (Huey): a new ticket's classification; the nightly retraining."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.triage import service
from sigap.triage.classify import TASKS


# New tickets are classified by their BACKGROUND hook (``subscribers.classify``); the job
# stays for those enqueued before that and for whoever asks for one ticket's triage.
@db_task(retries=3, retry_delay=30)
def triage_new_ticket(ticket_id: int) -> list[str]:
    record = service.triage_ticket(ticket_id)
    return record.applied if record else []


@periodic_task(crontab(minute="*"))
def triage_catch_up() -> int:
    """Every minute: new tickets whose classification job was lost (``service.catch_up``)."""
    return service.catch_up()


@periodic_task(crontab(minute="40", hour="19"), retries=1, retry_delay=600)
def retrain_models() -> dict[str, bool]:
    """02:40 WIB: retrain each task that has new examples from agents."""
    out = {}
    for task in TASKS:
        result = service.retrain(task)
        if result is not None:
            out[task] = result.replaced
    return out
