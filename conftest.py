"""Shared test world (healthchecks' owner/teammate/outsider, for a help desk).

- ``team`` Pengiriman with ``supervisor`` and ``agent``; ``other_team`` Pembayaran with
  ``outsider_agent`` (an agent who must not see Pengiriman's tickets);
- ``admin``; ``customer_user`` linked to ``customer``; ``other_customer_user`` linked to
  ``other_customer``;
- ``ticket``: a new complaint of ``customer`` in ``team``, assigned to ``agent``.
"""

from __future__ import annotations

import fcntl
import hashlib
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Ticket


@pytest.fixture
def admin(db: None) -> User:
    return user_create(username="admin", password="rahasia-admin", role=Role.ADMIN)


@pytest.fixture
def supervisor(db: None) -> User:
    return user_create(
        username="sari.spv", password="rahasia-spv", role=Role.SUPERVISOR, first_name="Sari"
    )


@pytest.fixture
def agent(db: None) -> User:
    return user_create(
        username="rina.agen", password="rahasia-agen", role=Role.AGENT, first_name="Rina"
    )


@pytest.fixture
def outsider_agent(db: None) -> User:
    return user_create(
        username="dodi.agen", password="rahasia-agen", role=Role.AGENT, first_name="Dodi"
    )


@pytest.fixture
def other_supervisor(db: None) -> User:
    return user_create(username="yusuf.spv", password="rahasia-spv", role=Role.SUPERVISOR)


@pytest.fixture
def team(supervisor: User, agent: User) -> Team:
    return team_create(name="Pengiriman", slug="pengiriman", supervisor=supervisor, members=[agent])


@pytest.fixture
def other_team(other_supervisor: User, outsider_agent: User) -> Team:
    return team_create(
        name="Pembayaran", slug="pembayaran", supervisor=other_supervisor, members=[outsider_agent]
    )


@pytest.fixture
def customer_user(db: None) -> User:
    return user_create(username="budi@contoh.id", password="rahasia-budi", role=Role.CUSTOMER)


@pytest.fixture
def customer(customer_user: User) -> Customer:
    return customer_create(
        name="Budi Santoso",
        loyalty_tier="gold",
        contacts=[ContactIn("email", "budi@contoh.id"), ContactIn("phone", "0812-3456-7890")],
        user=customer_user,
    )


@pytest.fixture
def other_customer_user(db: None) -> User:
    return user_create(username="siti@contoh.id", password="rahasia-siti", role=Role.CUSTOMER)


@pytest.fixture
def other_customer(other_customer_user: User) -> Customer:
    return customer_create(
        name="Siti Rahmawati",
        contacts=[ContactIn("email", "siti@contoh.id")],
        user=other_customer_user,
    )


@pytest.fixture
def ticket(agent: User, team: Team, customer: Customer) -> Ticket:
    return ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Paket belum sampai sejak seminggu",
        description="Halo min, paket saya BLJ-2026-104233 gak sampai-sampai, udah 7 hari.",
        category="service",
        severity="sederhana",
        team=team,
        assignee=agent,
        tags=["paket-terlambat"],
    )


@pytest.fixture
def other_ticket(outsider_agent: User, other_team: Team, other_customer: Customer) -> Ticket:
    return ticket_services.ticket_create(
        actor=outsider_agent,
        customer=other_customer,
        kind="complaint",
        channel="email",
        subject="Saldo terpotong dua kali",
        description="Saldo saya terpotong dua kali untuk pesanan yang sama sebesar Rp 249.000.",
        category="mechanical",
        severity="kompleks",
        team=other_team,
        assignee=outsider_agent,
    )


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Cached values (inbox counts, the SLA policy book, the webhook list) must not leak
    from one test's database to the next."""
    from django.core.cache import cache

    from sigap.automations import engine
    from sigap.sla import book
    from sigap.webhooks import outbox

    cache.clear()
    book.invalidate()
    outbox.invalidate()
    engine.invalidate()


def _model_cache_dir() -> Path:
    import sigap

    package = Path(sigap.__file__).parent
    digest = hashlib.sha256()
    sources = [package / "triage" / "classify.py", package / "text" / "indonesian.py"]
    data = sorted((package / "triage" / "data").glob("*")) + sorted(
        (package / "text" / "data").glob("*")
    )
    for path in [*sources, *data]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    folder = Path(__file__).parent / "var" / "test-cache" / f"triage-{digest.hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def _shipped_models_trained_once() -> Iterator[None]:
    """Training the shipped triage models takes seconds (the sentiment model about 4 s) and
    their data does not change: each is trained once, by whichever test process needs it
    first, and the others (and the next run: ``make test`` runs the suite twice) load it
    from ``var/test-cache/``, under a key made of the training code and data, so a change
    to either trains afresh. The models are the ones ``classify.train_shipped`` makes; only
    the repetition goes."""
    from sigap.triage import classify

    real = classify.train_shipped
    shared = _model_cache_dir()
    memo: dict[str, tuple[Any, Any]] = {}

    def train_shipped(task: str) -> tuple[Any, Any]:
        if task not in memo:
            path = shared / f"triage-shipped-{task}.pickle"
            with open(shared / f"triage-shipped-{task}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one process trains, the others wait
                if path.exists():
                    memo[task] = pickle.loads(path.read_bytes())
                else:
                    memo[task] = real(task)
                    tmp = path.with_suffix(".tmp")
                    tmp.write_bytes(pickle.dumps(memo[task], protocol=pickle.HIGHEST_PROTOCOL))
                    tmp.rename(path)
        return memo[task]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(classify, "train_shipped", train_shipped)
        yield


@pytest.fixture(autouse=True)
def _livechat_pool_connections_closed() -> Iterator[None]:
    """The live-chat websockets' database threads (``livechat.db``) keep the connection
    their last call opened. Close each thread's connection after every test: left open, a
    connection outlives the test's database state, and is garbage-collected open
    (psycopg's ResourceWarning) or holds up the test database's teardown."""
    yield
    import threading

    from django.db import connections

    from sigap.connectors.livechat import db

    pool = db._executor
    if pool is None:
        return
    n = pool._max_workers
    # Every thread of the pool must take one call: each waits for the others at a barrier.
    barrier = threading.Barrier(n, timeout=10)

    def close() -> None:
        connections.close_all()
        barrier.wait()

    for future in [pool.submit(close) for _ in range(n)]:
        future.result()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that drives chromium is a browser test wherever it lives: marker ``e2e``
    (``make test`` runs those once, in the PostgreSQL run when there is one)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
