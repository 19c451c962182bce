"""Periodic jobs run once per tick however many workers schedule them."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from sigap.core import periodic

SCHEDULED = {"immediate": False}


def counting() -> tuple[Any, list[int]]:
    calls: list[int] = []

    def job() -> int:
        calls.append(1)
        return len(calls)

    return periodic.once_per_tick(job), calls


def test_a_tick_runs_once_and_the_next_tick_runs_again(settings: Any) -> None:
    settings.HUEY = {**settings.HUEY, **SCHEDULED}
    job, calls = counting()
    now = timezone.now().replace(second=5)
    with time_machine.travel(now, tick=False):
        assert job() == 1
        assert job() is None  # a second worker, same tick
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        assert job() == 2
    assert len(calls) == 2


def test_a_failed_run_can_be_retried_in_the_same_tick(settings: Any) -> None:
    settings.HUEY = {**settings.HUEY, **SCHEDULED}
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("database went away")
        return "ok"

    job = periodic.once_per_tick(flaky)
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        with pytest.raises(ConnectionError):
            job()
        assert job() == "ok"  # Huey's retry
        assert job() is None


def test_immediate_mode_runs_every_call() -> None:
    job, calls = counting()
    job()
    job()
    assert len(calls) == 2


@pytest.mark.redis
def test_workers_sharing_redis_run_a_tick_once(settings: Any) -> None:
    url = os.environ.get("SIGAP_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("SIGAP_TEST_REDIS_URL is not set: no Redis server to test against")
    settings.HUEY = {**settings.HUEY, **SCHEDULED}
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    with override_settings(CACHES={"default": redis}):
        job, calls = counting()
        periodic.cache.delete(periodic.tick_key(f"{__name__}.counting.<locals>.job"))
        barrier = threading.Barrier(8)

        def worker() -> None:
            barrier.wait()
            job()

        with time_machine.travel(timezone.now().replace(second=5), tick=False):
            threads = [threading.Thread(target=worker) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            periodic.cache.delete(periodic.tick_key(f"{__name__}.counting.<locals>.job"))
        assert len(calls) == 1
