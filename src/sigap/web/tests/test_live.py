"""Websockets: committed changes reach the inbox and the ticket; who may listen; presence.

Each test runs one event loop (the in-memory channel layer belongs to a loop); database
work runs in threads through ``sync_to_async``, as under the real server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from sigap.accounts.models import User
from sigap.tickets import live, services
from sigap.tickets.models import Ticket
from sigap.web.consumers import InboxConsumer, TicketConsumer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def socket(consumer: Any, user: Any, **kwargs: Any) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(consumer.as_asgi(), "/ws/")
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": kwargs}
    return comm


def test_inbox_hears_a_committed_change_once(agent: User, ticket: Ticket) -> None:
    def two_events() -> None:
        with transaction.atomic():
            services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang dicek")
            services.message_add(actor=agent, ticket=ticket, kind="note", body="Cek gudang")

    async def scenario() -> None:
        comm = socket(InboxConsumer, agent)
        assert (await comm.connect())[0]
        await sync_to_async(two_events)()
        assert await comm.receive_json_from(timeout=2) == {
            "type": "tickets.changed",
            "tickets": [ticket.pk],
        }
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    run(scenario)


def test_rolled_back_change_is_not_announced(agent: User, ticket: Ticket) -> None:
    def failing() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.message_add(actor=agent, ticket=ticket, kind="note", body="batal")
            raise RuntimeError("rollback")

    async def scenario() -> None:
        comm = socket(InboxConsumer, agent)
        assert (await comm.connect())[0]
        await sync_to_async(failing)()
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    run(scenario)


def test_customers_and_anonymous_cannot_listen_to_the_inbox(customer_user: User) -> None:
    async def scenario() -> None:
        for user in (customer_user, AnonymousUser()):
            assert await socket(InboxConsumer, user).connect() == (False, 4403)

    run(scenario)


def test_ticket_socket_only_for_those_who_may_see_it(
    customer_user: User, other_customer_user: User, other_customer: object, ticket: Ticket
) -> None:
    async def scenario() -> None:
        own = socket(TicketConsumer, customer_user, ticket_id=ticket.pk)
        assert (await own.connect())[0]
        stranger = socket(TicketConsumer, other_customer_user, ticket_id=ticket.pk)
        assert await stranger.connect() == (False, 4403)
        await sync_to_async(live.publish)({ticket.pk})
        assert await own.receive_json_from(timeout=2) == {
            "type": "ticket.changed",
            "ticket": ticket.pk,
        }
        await own.disconnect()

    run(scenario)


def test_presence_between_agents_not_customers(
    agent: User, supervisor: User, customer_user: User, ticket: Ticket
) -> None:
    async def scenario() -> None:
        first = socket(TicketConsumer, agent, ticket_id=ticket.pk)
        assert (await first.connect())[0]
        watcher = socket(TicketConsumer, customer_user, ticket_id=ticket.pk)
        assert (await watcher.connect())[0]
        second = socket(TicketConsumer, supervisor, ticket_id=ticket.pk)
        assert (await second.connect())[0]
        assert await first.receive_json_from(timeout=2) == {
            "type": "presence",
            "user": supervisor.pk,
            "name": "Sari",
            "state": "viewing",
        }
        await second.send_json_to({"presence": "typing"})
        assert (await first.receive_json_from(timeout=2))["state"] == "typing"
        await watcher.send_json_to({"presence": "typing"})  # ignored: customers
        assert await first.receive_nothing(timeout=0.3)
        assert await watcher.receive_nothing(timeout=0.3)  # customers see no staff
        await second.disconnect()
        assert (await first.receive_json_from(timeout=2))["state"] == "left"
        await first.disconnect()
        await watcher.disconnect()

    run(scenario)


def test_a_burst_of_changes_is_one_inbox_message(
    agent: User, team: object, customer: object
) -> None:
    from sigap.tickets.models import Ticket as T

    def burst() -> list[int]:
        with transaction.atomic():
            made = [
                services.ticket_create(
                    actor=agent,
                    customer=customer,
                    kind="inquiry",
                    channel="email",  # type: ignore[arg-type]
                    subject=f"Tanya {i}",
                    description="Halo",
                    team=team,  # type: ignore[arg-type]
                )
                for i in range(5)
            ]
        return sorted(t.pk for t in made)

    async def scenario() -> None:
        comm = socket(InboxConsumer, agent)
        assert (await comm.connect())[0]
        ids = await sync_to_async(burst)()
        assert await comm.receive_json_from(timeout=2) == {
            "type": "tickets.changed",
            "tickets": ids,
        }
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()
        assert await sync_to_async(T.objects.count)() == 5

    run(scenario)


@pytest.mark.django_db(transaction=False)
def test_a_rolled_back_change_is_not_announced_with_the_next_commit(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """A change rolled back leaves no id behind to ride along with the thread's next
    commit (the burst test above once heard a ticket of an earlier test)."""
    sent: list[list[int]] = []
    monkeypatch.setattr(live, "publish", lambda ids, new=frozenset(): sent.append(sorted(ids)))
    with pytest.raises(RuntimeError), transaction.atomic():
        live.ticket_changed(99)
        raise RuntimeError
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        live.ticket_changed(1)
    assert sent == [[1]]
