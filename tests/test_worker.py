"""The background worker as it runs in production: real `sigap worker` processes on the
test database and a real queue (the SQLite file queue, or Redis when CI provides one).

* two workers sweeping at once escalate an overdue ticket exactly once;
* a worker killed with SIGKILL in the middle of a sweep loses nothing and doubles
  nothing: the next sweep finishes the work, each ticket breached once;
* a worker killed while a real SMTP server stalls on a reply: after a restart the reply
  is mailed exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.connectors import outbound
from sigap.connectors.models import OutboundDelivery
from sigap.customers.models import Customer
from sigap.notifications.models import Notification
from sigap.tickets import services
from sigap.tickets.models import Ticket, TimelineEvent

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.long,  # worker processes started, killed and started again
]
SIGAP = [sys.executable, "-c", "from sigap.cli import main; main()"]
TOTAL = 1_200
# Six sweep batches (SIGAP_SLA_SWEEP_BATCH) for the kill test: it lands between two of them.
KILL_TEST_BATCH = TOTAL // 6


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="sigap.settings",
        SIGAP_DATABASE_URL=database_url(),
        SIGAP_DATA_DIR=str(tmp_path),
        SIGAP_SECRET_KEY="worker-test",
        SIGAP_JOBS_IMMEDIATE="false",
        SIGAP_DB_POOL="false",
        SIGAP_LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture
def start_worker(worker_env: dict[str, str]) -> Iterator[object]:
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        p = subprocess.Popen(
            [*SIGAP, "worker", "--threads", "2"],
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(p)
        return p

    yield start
    for p in procs:
        stop(p)


def stop(p: subprocess.Popen[Any]) -> None:
    """Stop a worker and reap it: asked first, killed if it has not left in 10 s (on a
    loaded machine it may not have). Left unreaped, the next test failed on the
    ResourceWarning of its Popen ("subprocess … is still running")."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def put(env: dict[str, str], task: Any) -> None:
    """Queue ``task`` (a Huey task call, ``some_task.s(...)``) for the workers: into the
    queue they read, the SQLite file queue of their data folder (settings.py's HUEY without
    Redis), as a ``sigap`` process calling the task would. Written from this process: a
    Python started for each call spent about 1.3 s of CPU importing Sigap (measured
    2026-12-07), 7 of them in this module, on both engines."""
    from huey import SqliteHuey
    from huey.contrib.djhuey import HUEY

    queue = SqliteHuey("sigap", filename=str(Path(env["SIGAP_DATA_DIR"]) / "jobs.sqlite3"))
    try:
        # serialized by this process's Huey, where Sigap's tasks are registered (the
        # workers' registry has the same names): the same message as a caller's
        queue.storage.enqueue(HUEY.serialize_task(task), task.priority)
    finally:
        queue.storage.close()


def enqueue_sweeps(env: dict[str, str], n: int) -> None:
    from sigap.tickets.tasks import sla_sweep

    for _ in range(n):
        put(env, sla_sweep.s())


def wait_for(condition: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    pytest.fail("timed out waiting for the worker")


def test_two_workers_escalate_an_overdue_ticket_exactly_once(
    start_worker: object,
    worker_env: dict[str, str],
    agent: User,
    supervisor: User,
    team: Team,
    customer: Customer,
) -> None:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Tidak ada kabar",
        description="Sudah seminggu tanpa kabar.",
        team=team,
        assignee=agent,
        created_at=datetime.now(UTC) - timedelta(days=10),
    )
    start_worker()  # type: ignore[operator]
    start_worker()  # type: ignore[operator]
    enqueue_sweeps(worker_env, 4)
    wait_for(lambda: Ticket.objects.get(pk=ticket.pk).sla_breached_at is not None)
    time.sleep(3)  # let the other sweeps run too
    breaches = TimelineEvent.objects.filter(ticket=ticket, kind="sla_breached")
    assert sorted(e.data["target"] for e in breaches) == ["first_response", "resolution"]
    assert TimelineEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1
    assert Notification.objects.filter(user=supervisor, kind="escalated").count() == 1


def test_a_worker_killed_mid_sweep_loses_and_doubles_nothing(
    start_worker: object, worker_env: dict[str, str], agent: User, team: Team, customer: Customer
) -> None:
    overdue = datetime.now(UTC) - timedelta(days=3)
    Ticket.objects.bulk_create(
        Ticket(
            kind="inquiry",
            channel="email",
            subject=f"Tiket {i}",
            description="Halo",
            customer=customer,
            team=team,
            assignee=agent,
            created_at=overdue,
            updated_at=overdue,
            resolution_due_at=overdue,
            priority=3,
        )
        for i in range(TOTAL)
    )
    worker_env["SIGAP_SLA_SWEEP_BATCH"] = str(KILL_TEST_BATCH)
    worker = start_worker()  # type: ignore[operator]
    enqueue_sweeps(worker_env, 1)
    wait_for(lambda: Ticket.objects.filter(sla_breached_at__isnull=False).exists(), 60)
    worker.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    worker.wait(timeout=10)  # type: ignore[attr-defined]
    done_before = Ticket.objects.filter(sla_breached_at__isnull=False).count()
    start_worker()  # type: ignore[operator]
    enqueue_sweeps(worker_env, 1)
    wait_for(lambda: not Ticket.objects.filter(sla_breached_at__isnull=True).exists(), 120)
    assert 0 < done_before < TOTAL  # killed in the middle: work was left to redo
    assert done_before % KILL_TEST_BATCH == 0, done_before  # a batch commits whole or not
    breaches = TimelineEvent.objects.filter(kind="sla_breached").count()
    assert breaches == TOTAL, (done_before, breaches)
    assert TimelineEvent.objects.filter(kind="escalated").count() == TOTAL


def test_the_worker_logs_each_line_once(worker_env: dict[str, str]) -> None:
    env = {**worker_env, "SIGAP_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen(
        [*SIGAP, "worker", "--threads", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Periodic tasks" in line:
                break
    finally:
        stop(proc)
        proc.stdout.close()

    started = [line for line in lines if "Huey consumer started" in line]
    assert len(started) == 1, lines


class StallingInbox:
    """A real SMTP server (aiosmtpd on loopback) that holds the first mail's DATA without
    answering, as a stuck server would, and accepts the mails after it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.first = True

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if self.first:
            self.first = False
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 Not accepted"  # never accepted: the client is gone anyway
        self.received.append(envelope.original_content)
        return "250 OK"


def enqueue_reply(env: dict[str, str], delivery_id: int) -> None:
    from sigap.connectors.tasks import send_channel_reply

    put(env, send_channel_reply.s(delivery_id))


def test_a_worker_killed_while_the_smtp_server_stalls_delivers_the_reply_once_after_restart(
    start_worker: object,
    worker_env: dict[str, str],
    agent: User,
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # this process only writes the reply: its send job goes to the worker's queue below
    monkeypatch.setattr(outbound, "deliver", lambda message_id, channel: None)
    inbox = StallingInbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    worker_env.update(
        SIGAP_SMTP_HOST="127.0.0.1",
        SIGAP_SMTP_PORT=str(port),
        SIGAP_SMTP_TIMEOUT="3",
        SIGAP_DELIVERY_LEASE="5",
    )
    try:
        ticket = services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject="Status pesanan",
            description="Pesanan saya sampai mana?",
        )
        reply = services.message_add(
            actor=agent, ticket=ticket, kind="reply", body="Pesanan Anda sedang dikirim."
        )
        row = OutboundDelivery.objects.get(message=reply)  # written with the reply
        worker = start_worker()  # type: ignore[operator]
        enqueue_reply(worker_env, row.pk)
        assert inbox.stalled.wait(60), "the worker never reached the SMTP server"
        worker.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
        worker.wait(timeout=10)  # type: ignore[attr-defined]
        inbox.release.set()
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("sending", 1)  # held by the dead worker

        start_worker()  # type: ignore[operator]
        # Before the dead worker's lease runs out the reply is still its own: a send job
        # finds nothing to claim. (In production the minute job, retry_channel_work,
        # queues it again; it runs once per minute across workers, so the test queues the
        # send job itself rather than wait for the next minute.)
        lease_ends = row.next_attempt_at
        assert lease_ends is not None
        enqueue_reply(worker_env, row.pk)
        time.sleep(1)
        if timezone.now() < lease_ends:  # (a loaded machine may be past it already)
            assert OutboundDelivery.objects.get(pk=row.pk).attempts == 1
        time.sleep(max((lease_ends - timezone.now()).total_seconds(), 0) + 0.5)
        enqueue_reply(worker_env, row.pk)
        wait_for(lambda: OutboundDelivery.objects.get(pk=row.pk).status == "sent", 60)
        enqueue_reply(worker_env, row.pk)  # nothing left to send twice
        time.sleep(1)
    finally:
        inbox.release.set()
        smtp.stop()

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(inbox.received) == 1
    mail = message_from_bytes(inbox.received[0], policy=policy.default)
    assert mail["Subject"] == f"Re: [{ticket.reference}] Status pesanan"
    assert "Pesanan Anda sedang dikirim." in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_running_worker_keeps_healthz_green(start_worker: object, settings: Any) -> None:
    """The real worker writes its heartbeat when it starts (``/healthz``, core/health.py)."""
    from django.test import Client

    from sigap.core.models import Heartbeat

    settings.HUEY = {**settings.HUEY, "immediate": False}
    start_worker()  # type: ignore[operator]
    wait_for(lambda: Heartbeat.objects.filter(name="worker").exists())
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["worker"]["ok"] is True
