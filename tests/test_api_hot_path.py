"""The API's hottest write, ticket creation: what it answers, what it costs, and the
shortcuts it takes (the token check kept a few seconds, the response built from memory,
no live message to a ticket nobody can be watching yet, no chatbot for staff)."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts import services as accounts
from sigap.accounts.models import ApiToken, Team, User
from sigap.core import layer
from sigap.customers.models import Customer
from sigap.kb import conversation
from sigap.tickets import live, services
from sigap.tickets.models import Message, Ticket
from tests.api_client import Api


def body(customer: Customer, **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": customer.pk,
        "kind": "complaint",
        "channel": "whatsapp",
        "subject": "Paket belum sampai",
        "description": "Pesanan BLJ-2026-104233 belum sampai setelah lima hari.",
        "category": "service",
        "severity": "sederhana",
        **extra,
    }


def create(api: Api, payload: dict[str, Any]) -> Any:
    return api.post("/tickets", payload, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


@pytest.mark.parametrize("tags", [[], ["retur", "vip"]])
def test_the_created_ticket_reads_back_exactly_as_its_detail(
    admin: User, customer: Customer, tags: list[str]
) -> None:
    api = Api(admin)
    created = create(api, body(customer, tags=tags))
    assert created.status_code == 201, created.content

    detail = api.get(f"/tickets/{created.json()['id']}")

    assert detail.status_code == 200
    assert created.json() == detail.json()
    assert created.json()["tags"] == sorted(tags)
    assert created.json()["customer_detail"]["contacts"]  # the customer's contacts, in order


def test_an_agent_cannot_create_a_ticket_in_a_team_they_are_not_in(
    agent: User, other_team: Team, customer: Customer
) -> None:
    response = create(Api(agent), body(customer, team_id=other_team.pk))

    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert "Pembayaran" in error["message"]
    assert error["fields"] == {"team_id": ["Bukan tim Anda."]}
    assert (Ticket.objects.count(), Message.objects.count()) == (0, 0)  # nothing written


def test_an_agent_creates_in_their_own_team_or_in_none(
    agent: User, team: Team, customer: Customer
) -> None:
    api = Api(agent)

    assert create(api, body(customer, team_id=team.pk)).status_code == 201
    assert create(api, body(customer)).status_code == 201  # the triage queue


@pytest.mark.parametrize("creator", ["supervisor", "admin"])
def test_a_supervisor_or_an_admin_creates_in_any_team(
    creator: str, request: pytest.FixtureRequest, other_team: Team, customer: Customer
) -> None:
    user = request.getfixturevalue(creator)  # Sari supervises Pengiriman, not Pembayaran

    response = create(Api(user), body(customer, team_id=other_team.pk))

    assert response.status_code == 201, response.content
    assert Ticket.objects.get().team == other_team


def test_creation_runs_a_fixed_small_number_of_queries(admin: User, customer: Customer) -> None:
    api = Api(admin)
    create(api, body(customer))  # warm up: the token check is then cached
    counts = []
    for tags in ([], ["retur"]):
        with CaptureQueriesContext(connection) as ctx:
            assert create(api, body(customer, tags=tags)).status_code == 201
        counts.append(len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]))

    # idempotency reserve + store, customer with its contacts, ticket, message, timeline
    # (one INSERT for both events), search document; on PostgreSQL the ticket and its
    # message are one statement, the timeline and the search document another. A new tag
    # adds its lookups and inserts.
    assert counts[0] <= WRITES[connection.vendor], counts
    assert counts[1] <= counts[0] + 4, counts


WRITES = {"postgresql": 5, "sqlite": 7}  # the statements of one creation, as above


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_creation_in_the_keys_own_transaction_takes_no_savepoint(
    admin: User, customer: Customer
) -> None:
    """Outside a test's transaction the idempotency middleware's transaction is the
    request's: the creation writes in it directly, and commits once."""
    raw = accounts.token_create(user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    post = lambda: client.post(  # noqa: E731
        "/api/v1/tickets",
        json.dumps(body(customer)),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert post().status_code == 201  # warm up: the token check is then cached

    with CaptureQueriesContext(connection) as ctx:
        assert post().status_code == 201
    statements = [q["sql"] for q in ctx.captured_queries]

    assert not [sql for sql in statements if "SAVEPOINT" in sql], statements
    work = [sql for sql in statements if not sql.startswith(("BEGIN", "COMMIT"))]
    assert len(work) <= WRITES[connection.vendor], statements
    assert Ticket.objects.count() == 2


def test_a_revoked_token_fails_at_once(agent: User) -> None:
    raw = accounts.token_create(user=agent)
    assert accounts.token_authenticate(raw) is not None  # now cached

    accounts.token_revoke(user=agent, prefix=raw[:12])

    assert accounts.token_authenticate(raw) is None


def test_a_deactivated_account_fails_at_once(agent: User) -> None:
    raw = accounts.token_create(user=agent)
    assert accounts.token_authenticate(raw) is not None

    agent.is_active = False
    agent.save()

    assert accounts.token_authenticate(raw) is None


def test_a_change_made_elsewhere_is_seen_after_the_cache_time(
    agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = accounts.token_create(user=agent)
    assert accounts.token_authenticate(raw) is not None
    # Another process revokes it: no signal reaches this one.
    ApiToken.objects.filter(user=agent).update(revoked_at="2026-01-01T00:00:00Z")
    assert accounts.token_authenticate(raw) is not None  # still cached here

    monkeypatch.setattr(accounts, "TOKEN_CACHE_SECONDS", 0.0)

    assert accounts.token_authenticate(raw) is None


def test_each_request_gets_its_own_user_instance(agent: User) -> None:
    raw = accounts.token_create(user=agent)
    first, second = accounts.token_authenticate(raw), accounts.token_authenticate(raw)

    assert first is not None and second is not None
    assert first == second and first is not second


def test_a_new_ticket_is_announced_to_the_inbox_only(
    admin: User,
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[tuple[set[int], frozenset[int]]] = []
    monkeypatch.setattr(live, "publish", lambda ids, new=frozenset(): sent.append((ids, new)))
    live._flush()  # what earlier tests' rolled-back writes left pending
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=admin,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject="Jam buka",
            description="Jam berapa toko buka?",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(actor=admin, ticket=ticket, kind="note", body="Cek jadwal")

    assert sent == [({ticket.pk}, frozenset({ticket.pk})), ({ticket.pk}, frozenset())]


@pytest.mark.parametrize(("staff", "bot_runs"), [(True, False), (False, True)])
def test_the_chatbot_answers_customers_not_staff_logging_a_ticket(
    admin: User,
    customer: Customer,
    staff: bool,
    bot_runs: bool,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(
        conversation, "on_customer_message", lambda ticket_id, text: calls.append(ticket_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=admin if staff else None,
            customer=customer,
            kind="inquiry",
            channel="whatsapp",
            subject="Ongkir",
            description="Berapa ongkir ke Medan?",
        )

    assert calls == ([ticket.pk] if bot_runs else [])


def test_a_send_from_a_request_thread_goes_to_the_serving_loop_without_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    monkeypatch.setattr(layer, "_loop", loop)
    release = threading.Event()
    ran_on: list[asyncio.AbstractEventLoop] = []
    done = threading.Event()

    async def slow_send() -> None:
        ran_on.append(asyncio.get_running_loop())
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 5)
        done.set()

    try:
        layer.send(slow_send, "test")  # returns while the send still waits
        assert not done.is_set()
        release.set()
        assert done.wait(5)
        assert ran_on == [loop]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()


def test_a_failed_send_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(layer, "_loop", None)
    with caplog.at_level("ERROR", logger="sigap.core.layer"):
        layer.send(broken, "live update for 1 tickets")

    assert "live update for 1 tickets not sent" in caplog.text


def test_inbox_announcements_on_the_serving_loop_are_sent_as_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from channels.layers import get_channel_layer

    channel_layer = get_channel_layer()
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    monkeypatch.setattr(layer, "_loop", loop)

    def on_loop(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(5)

    try:
        channel = on_loop(channel_layer.new_channel())
        on_loop(channel_layer.group_add(live.INBOX_GROUP, channel))
        for ids in ({3}, {1, 2}, {3, 4}):  # three commits in quick succession
            live.publish(ids, new=frozenset(ids))
        first = on_loop(asyncio.wait_for(channel_layer.receive(channel), 2))

        assert first == {"type": "tickets.changed", "tickets": [1, 2, 3, 4]}
        with pytest.raises(TimeoutError):
            on_loop(asyncio.wait_for(channel_layer.receive(channel), 0.3))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()


def test_a_job_sends_through_a_loop_of_its_own_with_a_shared_layer(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"}
    }
    monkeypatch.setattr(layer, "_loop", None)  # no server here: a worker process
    ran: list[str] = []
    done = threading.Event()

    async def record() -> None:
        ran.append(threading.current_thread().name)
        done.set()

    layer.send(record, "test")
    layer.send(record, "test")

    assert done.wait(5)
    for _ in range(100):
        if len(ran) == 2:
            break
        threading.Event().wait(0.01)
    assert ran == ["sigap-channel-layer", "sigap-channel-layer"]  # one loop, kept
