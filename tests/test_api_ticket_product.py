"""A ticket's product (what it is about, as the business names it): set when the ticket is
opened over the API or on the new-ticket page, changed in the ticket's side panel; trimmed,
at most 100 characters, staff only, and recorded in the timeline."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.core.errors import ValidationFailed
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import EventKind, Ticket, TimelineEvent
from tests.api_client import Api

pytestmark = pytest.mark.django_db


def body(customer: Customer, **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": customer.pk,
        "channel": "email",
        "subject": "Kuota tidak bertambah",
        "description": "Sudah beli paket tapi kuota tetap.",
        **extra,
    }


def test_staff_open_a_ticket_with_its_product_over_the_api(
    agent: User, team: Team, customer: Customer
) -> None:
    r = Api(agent).post("/tickets", body(customer, team_id=team.pk, product="  Paket 10GB "))
    assert r.status_code == 201, r.content
    assert r.json()["product"] == "Paket 10GB"
    ticket = Ticket.objects.get(pk=r.json()["id"])
    assert ticket.product == "Paket 10GB"
    created = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert created.data["product"] == "Paket 10GB"
    detail = Api(agent).get(f"/tickets/{ticket.pk}")
    assert detail.json()["product"] == "Paket 10GB"


def test_without_a_product_the_ticket_has_none_and_the_event_says_nothing(
    agent: User, team: Team, customer: Customer
) -> None:
    r = Api(agent).post("/tickets", body(customer, team_id=team.pk))
    assert r.status_code == 201 and r.json()["product"] == ""
    created = TimelineEvent.objects.get(ticket_id=r.json()["id"], kind=EventKind.CREATED)
    assert "product" not in created.data


def test_a_long_product_is_refused_and_nothing_is_written(
    agent: User, team: Team, customer: Customer
) -> None:
    r = Api(agent).post("/tickets", body(customer, team_id=team.pk, product="x" * 101))
    assert r.status_code == 422
    assert not Ticket.objects.exists()
    with pytest.raises(ValidationFailed) as caught:  # the service checks it too
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="email",
            subject="Kuota",
            description="Kuota tetap.",
            team=team,
            product="y" * 101,
        )
    assert "product" in caught.value.fields
    assert not Ticket.objects.exists()


def test_a_customer_may_not_set_the_product(customer_user: User, customer: Customer) -> None:
    sent = {k: v for k, v in body(customer, product="Paket 10GB").items() if k != "channel"}
    r = Api(customer_user).post("/tickets", sent)
    assert r.status_code == 422
    assert "product" in r.json()["error"]["fields"]
    assert not Ticket.objects.exists()


def _page(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_new_ticket_page_takes_the_product(agent: User, team: Team, customer: Customer) -> None:
    c = _page(agent)
    assert 'name="product"' in c.get("/tickets/new/").content.decode()
    form = {
        "customer": str(customer.pk),
        "channel": "phone",
        "kind": "complaint",
        "subject": "Kuota tidak bertambah",
        "description": "Pelanggan menelepon soal kuota.",
        "team": team.pk,
        "product": "Paket Hemat 10GB",
    }
    r = c.post("/tickets/new/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.product == "Paket Hemat 10GB"
    too_long = c.post("/tickets/new/", {**form, "product": "z" * 101})
    assert too_long.status_code == 422 and 'name="product"' in too_long.content.decode()
    assert Ticket.objects.count() == 1


def test_the_side_panel_changes_the_product_with_a_timeline_entry(
    agent: User, ticket: Ticket
) -> None:
    c = _page(agent)
    side = c.get(f"/tickets/{ticket.pk}/?part=side").content.decode()
    assert 'id="classify-product"' in side
    t = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    form = {
        "category": t.category,
        "severity": t.severity,
        "priority": str(t.priority),
        "tags": "paket-terlambat",
        "customer_kind": t.customer.kind,
        "temperament": t.customer.temperament,
        "version": t.version,
        "customer_version": t.customer.version,
    }
    r = c.post(f"/tickets/{ticket.pk}/classify/", {**form, "product": " Paket 10GB "})
    assert r.status_code == 302
    t = Ticket.objects.get(pk=ticket.pk)
    assert t.product == "Paket 10GB"
    (event,) = TimelineEvent.objects.filter(ticket=ticket, field="product")
    assert (event.old_value, event.new_value, event.actor_id) == ("", "Paket 10GB", agent.pk)
    again = c.post(
        f"/tickets/{ticket.pk}/classify/",
        {**form, "version": t.version, "product": "Paket 10GB"},
    )
    assert again.status_code == 302  # unchanged: no second entry
    assert TimelineEvent.objects.filter(ticket=ticket, field="product").count() == 1
    assert 'value="Paket 10GB"' in c.get(f"/tickets/{ticket.pk}/?part=side").content.decode()
