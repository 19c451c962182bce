"""The API's merge, split and links: who may, the pointer, and the query count of links."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket, TicketLink
from tests.api_client import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(agent: User, team: Team, customer: Customer) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Tanya status paket lagi",
        description="Paket BLJ-2026-104233 belum datang juga.",
        team=team,
        assignee=agent,
    )


def test_merge_returns_the_kept_ticket_and_the_source_points_at_it(
    agent: User, customer_user: User, ticket: Ticket, source: Ticket
) -> None:
    api = Api(agent)
    response = api.post(f"/tickets/{source.pk}/merge", {"into_id": ticket.pk})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == ticket.pk and response.json()["merged_into"] is None
    retired = api.get(f"/tickets/{source.pk}").json()
    assert retired["status"] == "closed"
    assert retired["merged_into"] == {"id": ticket.pk, "reference": ticket.reference}
    # the customer sees the pointer too
    mine = Api(customer_user).get(f"/tickets/{source.pk}").json()
    assert mine["merged_into"]["reference"] == ticket.reference
    again = api.post(f"/tickets/{source.pk}/merge", {"into_id": ticket.pk})
    assert again.status_code == 409 and "sudah digabung" in again.json()["error"]["message"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("outsider_agent", 404), ("customer_user", 403), ("other_customer_user", 404)],
)
def test_merge_by_someone_who_may_not_is_refused_and_changes_nothing(
    request: pytest.FixtureRequest, who: str, status: int, ticket: Ticket, source: Ticket
) -> None:
    user = request.getfixturevalue(who)
    response = Api(user).post(f"/tickets/{source.pk}/merge", {"into_id": ticket.pk})
    assert response.status_code == status
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None
    assert Api(None).post(f"/tickets/{source.pk}/merge", {"into_id": ticket.pk}).status_code == 401


def test_merge_into_another_customers_ticket_is_422(
    admin: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    response = Api(admin).post(f"/tickets/{other_ticket.pk}/merge", {"into_id": ticket.pk})
    assert response.status_code == 422
    assert "pelanggan yang sama" in response.json()["error"]["message"]


def test_split_over_the_api(agent: User, outsider_agent: User, ticket: Ticket) -> None:
    message = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Saldo juga terpotong dua kali"
    )
    body = {"message_id": message.pk, "subject": "Saldo terpotong"}
    assert Api(outsider_agent).post(f"/tickets/{ticket.pk}/split", body).status_code == 404
    response = Api(agent).post(f"/tickets/{ticket.pk}/split", body)
    assert response.status_code == 201
    new = response.json()
    assert new["subject"] == "Saldo terpotong" and new["id"] != ticket.pk
    assert Message.objects.get(ticket_id=new["id"]).body == "Saldo juga terpotong dua kali"
    missing = Api(agent).post(f"/tickets/{ticket.pk}/split", {"message_id": 999999, "subject": "X"})
    assert missing.status_code == 404


def test_links_over_the_api(
    agent: User, outsider_agent: User, customer_user: User, ticket: Ticket, source: Ticket
) -> None:
    api = Api(agent)
    assert api.post(f"/tickets/{ticket.pk}/links", {"ticket_id": source.pk}).status_code == 201
    links = api.get(f"/tickets/{source.pk}/links").json()
    assert links == [
        {
            "kind": "related",
            "label": "Terkait",
            "ticket": {"id": ticket.pk, "reference": ticket.reference},
            "subject": ticket.subject,
            "status": "new",
        }
    ]
    assert Api(outsider_agent).get(f"/tickets/{ticket.pk}/links").status_code == 404
    assert Api(customer_user).get(f"/tickets/{ticket.pk}/links").status_code == 403
    outsider = Api(outsider_agent).client.delete(f"/api/v1/tickets/{ticket.pk}/links/{source.pk}")
    assert outsider.status_code == 404 and TicketLink.objects.count() == 1
    deleted = api.client.delete(f"/api/v1/tickets/{ticket.pk}/links/{source.pk}")
    assert deleted.status_code == 204 and not TicketLink.objects.exists()


def test_link_list_runs_a_constant_number_of_queries(
    agent: User, team: Team, customer: Customer, ticket: Ticket, source: Ticket
) -> None:
    api = Api(agent)
    services.ticket_link(actor=agent, ticket=ticket, other=source)
    api.get(f"/tickets/{ticket.pk}/links")
    with CaptureQueriesContext(connection) as one:
        api.get(f"/tickets/{ticket.pk}/links")
    for i in range(5):
        more = services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject=f"Tanya {i}",
            description="x",
            team=team,
        )
        services.ticket_link(actor=agent, ticket=ticket, other=more)
    with CaptureQueriesContext(connection) as six:
        assert len(api.get(f"/tickets/{ticket.pk}/links").json()) == 6
    assert len(six.captured_queries) == len(one.captured_queries)
