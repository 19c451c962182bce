"""The supervisor's home and "Tim saya" for supervisors: their teams' tickets, what waits
for their decision, the escalations in their teams; the queries it costs."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.accounts.services import team_create
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Proposal, ProposalStatus, Ticket

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def open_ticket(actor: User, team: Team | None, customer: Customer, subject: str) -> Ticket:
    return services.ticket_create(
        actor=actor,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=subject,
        description="Barang belum diterima.",
        team=team,
    )


def pending(ticket: Ticket) -> Proposal:
    return Proposal.objects.create(
        ticket=ticket,
        summary="Voucher Rp500.000",
        compensation_type="voucher",
        compensation_amount=500_000,
        status=ProposalStatus.PENDING_APPROVAL,
        requires_approval=True,
    )


def test_supervisor_lands_on_their_home(supervisor: User, admin: User, agent: User) -> None:
    assert logged(supervisor).get("/")["Location"] == "/beranda/"
    assert logged(admin).get("/")["Location"] == "/beranda/"
    assert logged(agent).get("/")["Location"] == "/inbox/"


def test_agents_and_customers_may_not_open_it(agent: User, customer_user: User) -> None:
    assert logged(agent).get("/beranda/").status_code == 403
    assert logged(customer_user).get("/beranda/")["Location"] == "/portal/"


def test_team_view_counts_the_teams_a_supervisor_leads(
    supervisor: User, admin: User, customer: Customer
) -> None:
    # The supervisor is a member of no team; they lead two.
    shipping = team_create(name="Gudang", slug="gudang", supervisor=supervisor)
    billing = team_create(name="Tagihan", slug="tagihan", supervisor=supervisor)
    elsewhere = team_create(name="Lain", slug="lain")
    mine = [
        open_ticket(admin, shipping, customer, "A"),
        open_ticket(admin, billing, customer, "B"),
    ]
    open_ticket(admin, elsewhere, customer, "C")
    response = logged(supervisor).get("/inbox/")
    assert response.context["view"] == "team"  # a supervisor starts on their teams
    assert response.context["counts"]["team"] == 2
    listed = set(map(int, re.findall(r'data-ticket="(\d+)"', response.content.decode())))
    assert listed == {t.pk for t in mine}


def test_home_shows_decisions_and_escalations_of_their_teams_only(
    supervisor: User,
    agent: User,
    admin: User,
    team: Team,
    other_team: Team,
    customer: Customer,
    other_customer: Customer,
) -> None:
    ours = open_ticket(admin, team, customer, "Paket hilang")
    theirs = open_ticket(admin, other_team, other_customer, "Saldo terpotong")
    triage = open_ticket(admin, None, customer, "Belum bertim")
    pending(ours)
    pending(theirs)
    pending(triage)  # no team yet: any supervisor may decide
    services.ticket_escalate(actor=admin, ticket=ours, reason="Pelanggan marah")
    services.ticket_escalate(actor=admin, ticket=theirs, reason="Lama")
    response = logged(supervisor).get("/beranda/")
    assert response.status_code == 200
    assert response.context["pending_approvals"] == 2
    assert [t.pk for t in response.context["escalations"]] == [ours.pk]
    assert response.context["escalation_total"] == 1
    html = response.content.decode()
    assert "2 usulan menunggu persetujuan Anda" in html and 'href="/approvals/"' in html
    assert "Paket hilang" in html and "Saldo terpotong" not in html
    assert [t["name"] for t in response.context["teams"]] == ["Pengiriman"]
    assert response.context["teams"][0]["open"] == 1
    assert response.context["teams"][0]["escalated"] == 1
    # An admin decides any proposal.
    assert logged(admin).get("/beranda/").context["pending_approvals"] == 3


def test_home_costs_a_fixed_number_of_queries(
    supervisor: User, admin: User, team: Team, customer: Customer
) -> None:
    client = logged(supervisor)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/beranda/").status_code == 200
        return len(ctx.captured_queries)

    open_ticket(admin, team, customer, "Satu")
    count()  # the first request also fills per-process caches
    few = count()
    for i in range(6):
        t = open_ticket(admin, team, customer, f"Tiket {i}")
        services.ticket_escalate(actor=admin, ticket=t, reason="Uji")
        pending(t)
    count()  # the escalations notified the supervisor: their menu is read again once
    assert count() == few
    assert few <= 12
