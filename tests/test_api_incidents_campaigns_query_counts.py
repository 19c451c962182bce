"""The incident and campaign endpoints run a fixed number of queries, whatever the number
of incidents, linked tickets, actions, answers, campaigns or recipients: measured with a
small and a large world, the counts are equal and exact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import campaigns, consent, incidents
from sigap.relations.campaigns import Segment
from sigap.relations.models import Campaign, ConsentSource, Incident, Purpose
from sigap.tickets import services as ticket_services
from tests.api_client import Api

pytestmark = pytest.mark.django_db


def count(call: Callable[[], Any], status: int = 200) -> int:
    call()  # warm up: after the first request the bearer token's check is cached
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == status, response.content
    return len(ctx.captured_queries)


def grow_incident(incident: Incident, supervisor: User, agent: User, team: Team, n: int) -> None:
    """``n`` more linked tickets (of as many customers), steps and an answer."""
    for i in range(n):
        customer = customer_create(
            name=f"Orang {incident.pk}-{i}",
            contacts=[ContactIn("email", f"o{incident.pk}x{i}x{n}@contoh.id")],
        )
        ticket = ticket_services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="email" if i % 2 else "whatsapp",
            subject="Gagal bayar GoPay",
            description="Pembayaran GoPay gagal terus",
            team=team,
        )
        incidents.incident_link(actor=supervisor, incident=incident, ticket=ticket)
        incidents.incident_step(actor=supervisor, incident=incident, text=f"Langkah {i}")
    incidents.incident_answer(actor=supervisor, incident=incident, body="Sedang kami perbaiki.")


def test_incident_endpoints_run_a_fixed_number_of_queries(
    supervisor: User, agent: User, team: Team
) -> None:
    api = Api(supervisor)
    incident = incidents.incident_open(actor=supervisor, title="GoPay gangguan")
    grow_incident(incident, supervisor, agent, team, 1)
    endpoints = {
        "list": lambda: api.get("/incidents"),
        "list by status": lambda: api.get("/incidents", status="open"),
        "detail": lambda: api.get(f"/incidents/{incident.pk}"),
    }
    few = {name: count(call) for name, call in endpoints.items()}

    grow_incident(incident, supervisor, agent, team, 12)
    for n in range(15):
        incidents.incident_open(actor=supervisor, title=f"Insiden {n}")
    many = {name: count(call) for name, call in endpoints.items()}

    assert many == few
    # (the token's check is remembered after the warm-up call) the incidents with their
    # link counts in one statement; the incident and its impact, record, links and answers
    assert many["list"] == many["list by status"] == 1
    assert many["detail"] == 9


def test_campaign_endpoints_run_a_fixed_number_of_queries(supervisor: User) -> None:
    api = Api(supervisor)

    def people(n: int, prefix: str) -> list[Customer]:
        made = [
            customer_create(
                name=f"{prefix} {i}", contacts=[ContactIn("email", f"{prefix}{i}@c.id")]
            )
            for i in range(n)
        ]
        for c in made:
            consent.consent_set(
                customer=c, purpose=Purpose.SERVICE, granted=True, source=ConsentSource.AGENT
            )
        return made

    def campaign(name: str) -> Campaign:
        made = campaigns.campaign_create(
            actor=None,
            name=name,
            purpose="service",
            channel="email",
            segment=Segment(),
            subject="Gangguan",
            body="Halo {nama}",
        )
        campaigns.campaign_queue(campaign=made)
        return made

    people(2, "a")
    first = campaign("Pertama")
    endpoints = {
        "list": lambda: api.get("/campaigns"),
        "list by status": lambda: api.get("/campaigns", status="queued"),
        "detail": lambda: api.get(f"/campaigns/{first.pk}"),
        "preview": lambda: api.get(f"/campaigns/{first.pk}/preview"),
        "preview a segment": lambda: api.post(
            "/campaigns/preview",
            {"purpose": "service", "channel": "email", "segment": {"tiers": ["regular"]}},
        ),
    }
    few = {name: count(call) for name, call in endpoints.items()}

    people(40, "b")  # more than the preview's first 20
    for n in range(3):  # four campaigns against one: a statement per campaign would show
        campaign(f"Kampanye {n}")
    campaigns.send_due()
    many = {name: count(call) for name, call in endpoints.items()}

    assert many == few
    assert many["list"] == many["list by status"] == 1  # the campaigns
    assert many["detail"] == 2  # the campaign; its counts
    assert many["preview a segment"] == 2  # how many; the first 20
    assert many["preview"] == 3  # and the campaign
