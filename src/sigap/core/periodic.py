"""Periodic jobs that run once per tick across all workers.

Every ``sigap worker`` runs Huey's scheduler, so with three workers each periodic job is
enqueued three times a minute. ``periodic_task`` wraps ``db_periodic_task``: the first
worker to start a tick's run takes a key in the shared cache (Redis in production:
an atomic ``SET NX``) and the others skip it. If the run fails, the key is released so
Huey's retry can run it; if the worker is killed, the next tick runs as usual (the jobs
are state-driven: see ``docs/decisions/0004-jobs-and-sla.md``). With Huey in immediate
mode (tests) nothing is scheduled and the guard is off.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def tick_key(name: str) -> str:
    return f"sigap:tick:{name}:{timezone.now():%Y%m%d%H%M}"


def once_per_tick(fn: F) -> F:
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if settings.HUEY.get("immediate"):
            return fn(*args, **kwargs)
        key = tick_key(name)
        if not cache.add(key, 1, timeout=3600):
            log.info("%s: this tick already ran on another worker", name)
            return None
        try:
            return fn(*args, **kwargs)
        except BaseException:
            cache.delete(key)  # let Huey's retry run it
            raise

    return wrapper  # type: ignore[return-value]


def periodic_task(schedule: Callable[..., bool], **options: Any) -> Callable[[F], Any]:
    def decorate(fn: F) -> Any:
        return db_periodic_task(schedule, **options)(once_per_tick(fn))

    return decorate
