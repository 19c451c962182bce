"""`GET /api/v1/tickets?q=`: ticket number, customer phone/email/name, full text, merged
in that order, within what the token may see, in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket
from tests.api_client import Api

pytestmark = pytest.mark.django_db


def make(agent: User, team: Team, customer: Customer, subject: str) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=subject,
        description=subject,
        team=team,
        assignee=agent,
    )


def ids(api: Api, q: str, **params: object) -> list[int]:
    response = api.get("/tickets", q=q, **params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("form", ["SGP-{:06d}", "sgp-{}", "#{}", "{}"])
def test_number_forms(agent: User, ticket: Ticket, form: str) -> None:
    assert ids(Api(agent), form.format(ticket.pk)) == [ticket.pk]


def test_number_then_text_mentioning_it(agent: User, team: Team, other_customer: Customer) -> None:
    first = make(agent, team, other_customer, "Paket hilang")
    later = make(agent, team, other_customer, f"Lanjutan dari {first.pk}")
    assert ids(Api(agent), str(first.pk)) == [first.pk, later.pk]


@pytest.mark.parametrize("q", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"])
def test_phone_forms(
    agent: User, team: Team, customer: Customer, other_customer: Customer, q: str
) -> None:
    own = make(agent, team, customer, "Refund")
    make(agent, team, other_customer, "Refund")
    assert ids(Api(agent), q) == [own.pk]


def test_email_case_and_name_prefix_merge_before_text(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    own = make(agent, team, customer, "Barang rusak")
    mention = make(agent, team, other_customer, "Budi titip pesan")
    api = Api(agent)
    assert ids(api, "Budi@Contoh.id") == [own.pk]
    assert ids(api, "budi") == [own.pk, mention.pk]
    assert ids(api, "bud sant") == [own.pk]


def test_another_teams_tickets_and_customers_are_not_found(
    agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    api = Api(agent)
    assert ids(api, f"SGP-{other_ticket.pk:06d}") == []
    assert ids(api, "siti@contoh.id") == []
    assert ids(api, "Siti Rahmawati") == []


def test_a_customer_finds_only_their_own(
    customer_user: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    api = Api(customer_user)
    assert ids(api, f"SGP-{ticket.pk:06d}") == [ticket.pk]
    assert ids(api, f"SGP-{other_ticket.pk:06d}") == []
    assert ids(api, "siti@contoh.id") == []


def test_pages_go_through_every_part_once(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    own = [make(agent, team, customer, "Refund") for _ in range(3)]
    text = [make(agent, team, other_customer, "Titip untuk Budi") for _ in range(3)]
    api = Api(agent)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"q": "budi", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/tickets", **params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [t.pk for t in reversed(own)] + [t.pk for t in reversed(text)]
    assert pages == 3  # no empty last page


def test_a_bad_cursor_is_a_422(agent: User, ticket: Ticket) -> None:
    response = Api(agent).get("/tickets", q="paket", cursor="aWQ6MTA")  # an "id:" cursor
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["cursor"]


def test_search_runs_a_constant_number_of_queries(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    api = Api(agent)

    def count(q: str) -> int:
        api.get("/tickets", q=q)  # warm: the token check is cached after the first request
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/tickets", q=q, limit=50).status_code == 200
        return len(ctx.captured_queries)

    make(agent, team, customer, "Budi refund")
    make(agent, team, other_customer, "Kabar Budi")
    queries = ("budi", "0812-3456-7890", "SGP-000001", "refund")
    few = {q: count(q) for q in queries}
    for _ in range(10):
        make(agent, team, customer, "Budi refund")
        make(agent, team, other_customer, "Kabar Budi")
    many = {q: count(q) for q in queries}
    assert few == many
    # token; customers by contact and by name; each part's rows and their tags
    assert many["SGP-000001"] <= 3
    assert many["0812-3456-7890"] <= 4
    assert many["budi"] <= 8
