from __future__ import annotations

from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.tickets import automations, hooks
from sigap.tickets.recompute import recompute_open_tickets
from sigap.tickets.sweep import sweep


@periodic_task(crontab(minute="*/5"), retries=3, retry_delay=30)
def time_automations() -> dict[str, int]:
    """Reminders and auto-close; idempotent (see ``tickets.automations``)."""
    return asdict(automations.run())


@periodic_task(crontab(minute="*"), retries=3, retry_delay=10)
def sla_sweep() -> dict[str, int]:
    """Every minute, on every worker. Safe to run twice at once or after a crash:
    ``sweep`` claims each ticket in a transaction, so it acts on each one once. (No Huey
    ``lock_task``: a worker killed while holding it would block the sweep for good.)"""
    return asdict(sweep())


@db_task()
def run_hooks(event: object, names: list[str]) -> None:
    """A change's BACKGROUND hook handlers, after its commit (``hooks.BACKGROUND``)."""
    hooks.run_background(event, names)


@db_task(retries=3, retry_delay=30)
def recompute_due_times(policy_ids: list[int] | None, reason: str) -> int:
    """After an admin changed the SLA setup (``tickets.policy_changes``). Idempotent, so a
    retry or a second enqueue for the same edit changes nothing twice."""
    return recompute_open_tickets(policy_ids, reason)
