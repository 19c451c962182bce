"""Signs of life of the background worker, for ``/healthz``.

The worker writes its heartbeat when it starts (Huey's ``on_startup``) and every minute
(``core.tasks.heartbeat``). ``/healthz`` fails (503) when the heartbeat is older than
``SIGAP_HEALTH_WORKER_STALE_SECONDS``, or when durable work has waited past its time for
longer than ``SIGAP_HEALTH_QUEUE_STALE_SECONDS`` (the apps say what waits: ``waiting``).
Where jobs run in the request (``SIGAP_JOBS_IMMEDIATE``) there is no worker to watch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from sigap.core.models import Heartbeat

WORKER = "worker"
_STARTED = time.monotonic()  # a web process just started gives its worker time to beat

# name -> the oldest moment something of that kind has been waiting since (None: nothing)
_probes: dict[str, Callable[[], datetime | None]] = {}


def beat(name: str = WORKER) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def waiting(name: str, oldest: Callable[[], datetime | None]) -> None:
    """Register what an app's durable work waits on: the time its oldest overdue item
    has been due since."""
    _probes[name] = oldest


def report() -> tuple[bool, dict[str, object]]:
    now = timezone.now()
    worker_stale = int(settings.SIGAP_HEALTH_WORKER_STALE_SECONDS)
    queue_stale = int(settings.SIGAP_HEALTH_QUEUE_STALE_SECONDS)
    body: dict[str, object] = {}
    healthy = True
    if not settings.HUEY.get("immediate"):
        last = Heartbeat.objects.filter(name=WORKER).values_list("at", flat=True).first()
        age = (now - last).total_seconds() if last is not None else None
        starting = time.monotonic() - _STARTED < worker_stale
        alive = (age is not None and age <= worker_stale) or (age is None and starting)
        body["worker"] = {
            "last_heartbeat": last.isoformat() if last else None,
            "age_seconds": round(age) if age is not None else None,
            "ok": alive,
        }
        healthy &= alive
    queue: dict[str, object] = {}
    oldest_age = 0.0
    for name, probe in sorted(_probes.items()):
        since = probe()
        age = max((now - since).total_seconds(), 0.0) if since is not None else 0.0
        queue[name] = round(age)
        oldest_age = max(oldest_age, age)
    fresh = oldest_age <= queue_stale
    body["queue"] = {"oldest_waiting_seconds": round(oldest_age), "by_kind": queue, "ok": fresh}
    healthy &= fresh
    body["status"] = "ok" if healthy else "unhealthy"
    return healthy, body
