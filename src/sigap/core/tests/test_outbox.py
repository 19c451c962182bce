"""The transactional outbox: work written with the change, run once it commits, and run by
the sweep when the job was lost; claimed with a lease, retried with backoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from sigap.core import outbox
from sigap.core.models import OutboxItem

pytestmark = pytest.mark.django_db

done: list[dict[str, Any]] = []
faults: list[Exception] = []


@pytest.fixture(autouse=True)
def work() -> Iterator[None]:
    def handle(**args: Any) -> None:
        if faults:
            raise faults.pop(0)
        done.append(args)

    outbox.handler("test.work")(handle)
    done.clear()
    faults.clear()
    yield
    outbox._handlers.pop("test.work", None)


def test_work_runs_once_the_change_commits(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        item = outbox.later("test.work", ticket=7)
        assert done == []  # not before the commit
    assert done == [{"ticket": 7}]
    item.refresh_from_db()
    assert item.done_at is not None and item.attempts == 1
    assert outbox.run(item.pk, first=True) == "skipped"  # the job run twice
    assert outbox.drain() == 0
    assert done == [{"ticket": 7}]


def test_a_rolled_back_change_leaves_no_work(django_capture_on_commit_callbacks: Any) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.later("test.work", ticket=7)
        raise RuntimeError("the change fails")
    assert not OutboxItem.objects.exists()
    assert done == []


def test_a_lost_job_is_run_by_the_sweep_after_the_grace(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # killed after the commit
        outbox.later("test.work", ticket=8)
    assert outbox.drain() == 0  # the job queued at the commit may still come
    with time_machine.travel(timezone.now() + outbox.GRACE + timedelta(seconds=1)):
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    assert done == [{"ticket": 8}]


def test_the_job_does_not_run_what_the_sweep_holds(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        item = outbox.later("test.work", ticket=9)
    with time_machine.travel(timezone.now() + outbox.GRACE + timedelta(seconds=1)):
        assert outbox.drain() == 1
    for callback in queued:  # the late job
        callback()
    assert outbox.run(item.pk, first=True) == "skipped"
    assert done == [{"ticket": 9}]


def test_a_failure_is_kept_retried_with_backoff_then_given_up(
    django_capture_on_commit_callbacks: Any,
) -> None:
    faults.extend(RuntimeError(f"down {n}") for n in range(outbox.MAX_ATTEMPTS))
    with django_capture_on_commit_callbacks(execute=True):
        item = outbox.later("test.work", ticket=10)
    item.refresh_from_db()
    assert (item.attempts, item.done_at, item.error) == (1, None, "RuntimeError: down 0")
    assert item.due_at > timezone.now() + timedelta(seconds=50)
    now = timezone.now()
    for minutes in (2, 8, 24, 90):
        with time_machine.travel(now + timedelta(minutes=minutes)):
            assert outbox.drain() == 0
    item.refresh_from_db()
    assert (item.attempts, item.failed_at is not None) == (outbox.MAX_ATTEMPTS, True)
    assert item.error == f"RuntimeError: down {outbox.MAX_ATTEMPTS - 1}"
    with time_machine.travel(now + timedelta(days=1)):
        assert outbox.drain() == 0  # given up: an admin sees it, nothing runs it again
    assert done == []


def test_a_worker_that_died_holding_a_row_loses_it_when_the_lease_runs_out() -> None:
    item = OutboxItem.objects.create(name="test.work", args={"ticket": 11}, due_at=timezone.now())
    OutboxItem.objects.filter(pk=item.pk).update(
        attempts=1, due_at=timezone.now() + outbox.LEASE
    )  # claimed, then the worker was killed
    assert outbox.drain() == 0
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(seconds=1)):
        assert outbox.drain() == 1
    assert done == [{"ticket": 11}]


def test_work_gathered_over_a_transaction_is_one_row(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        item = outbox.later("test.work", tickets=[1])
        outbox.change(item, tickets=[1, 2])
    assert done == [{"tickets": [1, 2]}]
    assert OutboxItem.objects.count() == 1


def test_an_unknown_name_is_refused_at_once() -> None:
    with pytest.raises(LookupError):
        outbox.later("test.no_such_work")
    assert not OutboxItem.objects.exists()


def test_done_rows_are_forgotten_after_a_week(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outbox.later("test.work", ticket=12)
    assert outbox.purge() == 0
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert outbox.purge() == 1
