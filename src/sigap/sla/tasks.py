"""Periodic jobs of the SLA engine (Huey). Discovered by djhuey from each app's ``tasks``."""

from __future__ import annotations

from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.core.periodic import periodic_task
from sigap.sla.recompute import recompute_open_tickets
from sigap.sla.sweep import sweep


@periodic_task(crontab(minute="*"), retries=3, retry_delay=10)
def sla_sweep() -> dict[str, int]:
    """Every minute, on every worker. Safe to run twice at once or after a crash:
    ``sweep`` claims each ticket in a transaction, so it acts on each one once. (No Huey
    ``lock_task``: a worker killed while holding it would block the sweep for good.)"""
    return asdict(sweep())


@db_task(retries=3, retry_delay=30)
def recompute_due_times(policy_ids: list[int] | None, reason: str) -> int:
    """After an admin changed the SLA setup (``sla.signals``). Idempotent, so a retry or a
    second enqueue for the same edit changes nothing twice."""
    return recompute_open_tickets(policy_ids, reason)
