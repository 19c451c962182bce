"""List and detail endpoints run a constant number of queries, whatever the data size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Ticket
from tests.api_client import Api


def count(call: Callable[[], Any]) -> int:
    call()  # warm up: after the first request the bearer token's check is cached
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def make_tickets(n: int, agent: User, team: Team, customer: Customer) -> None:
    for i in range(n):
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject=f"Pertanyaan {i}",
            description="Bagaimana cara retur?",
            team=team,
            assignee=agent,
            tags=["retur", f"t{i % 3}"],
        )


@pytest.mark.parametrize("role", ["agent", "customer_user"])
def test_ticket_list_runs_a_constant_number_of_queries(
    request: pytest.FixtureRequest, agent: User, team: Team, customer: Customer, role: str
) -> None:
    api = Api(request.getfixturevalue(role))
    make_tickets(1, agent, team, customer)
    few = count(lambda: api.get("/tickets", limit=50))

    make_tickets(30, agent, team, customer)
    many = count(lambda: api.get("/tickets", limit=50))

    assert few == many
    # auth token, tickets (+customer, team, assignee), and the tags only staff see
    assert many <= (3 if role == "customer_user" else 4)
    assert len(api.get("/tickets", limit=50).json()["items"]) == 31


def grow(ticket: Ticket, agent: User, n: int) -> None:
    for i in range(n):
        services.message_add(
            actor=agent,
            ticket=ticket,
            kind="note" if i % 2 else "reply",
            body=f"Pesan {i}",
            uploads=[Upload(f"berkas{i}.txt", b"isi")],
        )
    ticket.refresh_from_db()
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"tags": ["a", "b", f"c{n}"]}
    )


@pytest.mark.parametrize("path", ["", "/messages", "/timeline", "/proposals"])
def test_ticket_pages_run_a_constant_number_of_queries(
    agent: User, ticket: Ticket, path: str
) -> None:
    api = Api(agent)
    url = f"/tickets/{ticket.pk}{path}"
    grow(ticket, agent, 1)
    ticket.refresh_from_db()
    few = count(lambda: api.get(url))

    grow(ticket, agent, 20)
    many = count(lambda: api.get(url))

    assert few == many
    assert many <= 6


def test_a_customers_ticket_detail_runs_a_constant_number_of_queries(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    api = Api(customer_user)
    grow(ticket, agent, 1)
    few = count(lambda: api.get(f"/tickets/{ticket.pk}"))

    grow(ticket, agent, 20)
    many = count(lambda: api.get(f"/tickets/{ticket.pk}"))

    assert few == many
    assert many <= 3  # auth token, ticket (+customer, team, assignee), contacts; no tags


def test_customer_list_runs_a_constant_number_of_queries(agent: User, customer: Customer) -> None:
    from sigap.customers.services import ContactIn, customer_create

    api = Api(agent)
    few = count(lambda: api.get("/customers"))
    for i in range(15):
        customer_create(name=f"Pelanggan {i}", contacts=[ContactIn("email", f"p{i}@contoh.id")])
    many = count(lambda: api.get("/customers"))

    assert few == many


@pytest.mark.parametrize("role", ["admin", "agent", "customer_user"])
def test_the_single_ticket_is_one_statement(
    request: pytest.FixtureRequest, agent: User, ticket: Ticket, role: str
) -> None:
    """The ticket, its customer, team, assignee, tags and contacts, visibility included
    (``selectors.ticket_read``); the token's check is cached."""
    grow(ticket, agent, 3)
    api = Api(request.getfixturevalue(role))

    assert count(lambda: api.get(f"/tickets/{ticket.pk}")) == 1


@pytest.mark.parametrize("role", ["admin", "agent", "customer_user"])
def test_the_list_is_one_statement(
    request: pytest.FixtureRequest, agent: User, team: Team, customer: Customer, role: str
) -> None:
    """The page's tickets with their customer, team, assignee and tag names, visibility
    included (``selectors.ticket_page``), the next page's too; a tag filter or a search
    goes through the ORM, with the tags as a second statement."""
    make_tickets(5, agent, team, customer)
    api = Api(request.getfixturevalue(role))

    assert count(lambda: api.get("/tickets", limit=25, status="new")) == 1
    assert count(lambda: api.get("/tickets", limit=2, status="new")) == 1
    first = api.get("/tickets", limit=2).json()
    assert count(lambda: api.get("/tickets", limit=2, cursor=first["next_cursor"])) == 1
    if role != "customer_user":
        assert count(lambda: api.get("/tickets", limit=25, tag="x")) <= 2
