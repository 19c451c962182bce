"""``/healthz`` tells when the background worker is dead or work is piling up (issue
"Trust", finding 12): the worker's heartbeat and the age of the oldest work waiting past
its time, 503 when either is stale. ``/livez`` only says the process answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.core import health, tasks
from sigap.core.models import Heartbeat, OutboxItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_a_worker(settings: Any) -> None:
    settings.HUEY = {**settings.HUEY, "immediate": False}  # what a server with a worker has


def test_a_fresh_heartbeat_and_no_waiting_work_is_healthy(with_a_worker: None) -> None:
    tasks.heartbeat.call_local()
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["worker"]["ok"] is True
    assert body["queue"]["oldest_waiting_seconds"] == 0
    assert set(body["queue"]["by_kind"]) >= {"outbox", "channels.replies", "channels.inbound"}


def test_a_dead_worker_makes_it_fail(with_a_worker: None) -> None:
    health.beat()
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy" and body["worker"]["ok"] is False
    assert body["worker"]["age_seconds"] >= 600


def test_work_waiting_too_long_makes_it_fail(with_a_worker: None) -> None:
    health.beat()
    OutboxItem.objects.create(
        name="notifications.email", args={}, due_at=timezone.now() - timedelta(minutes=20)
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"]["by_kind"]["outbox"] >= 1200


def test_the_worker_beats_when_it_starts() -> None:
    tasks.worker_started()
    assert Heartbeat.objects.get(name="worker").at > timezone.now() - timedelta(seconds=5)


def test_livez_only_says_the_process_answers(with_a_worker: None) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert Client().get("/livez").content == b"ok"
