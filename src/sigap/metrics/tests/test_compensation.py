"""Compensation paid in the KPI and executive reports (the seed's efficiency principle:
cost per contact), against figures computed by hand.

March 2026 (WIB): three complaints created in Pengiriman, plus one in Pembayaran.
- A (service): voucher Rp 100.000, given 5 March            -> counts
- B (mechanical): refund Rp 250.000 (approved), given 10 March -> counts
- C (service): voucher Rp 50.000 accepted, never recorded    -> does not count
- D (Pembayaran, service): gift Rp 30.000, recorded *not* given -> does not count
- E (Pembayaran, mechanical): voucher Rp 70.000, given 12 March -> counts (not for Pengiriman)
February: F (service) refund Rp 40.000 given 20 February.

March: given 100.000 + 250.000 + 70.000 = Rp 420.000 in 3; volume 5 tickets -> Rp 84.000
per contact. February: Rp 40.000 in 1, volume 1 -> Rp 40.000 per contact.
Pengiriman only in March: Rp 350.000 in 2, volume 3 -> 116.666,7 -> Rp 116.667.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.metrics import compute as m
from sigap.metrics import reports, sync
from sigap.metrics.models import Report
from sigap.metrics.tests.conftest import at
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.tests.steps import drive_to

pytestmark = pytest.mark.django_db


def _case(
    agent: User,
    supervisor: User,
    customer_user: User,
    customer: Customer,
    team: Team,
    *,
    opened: datetime,
    category: str,
    kind: str,
    amount: int,
    given: bool | None,
    recorded: datetime | None = None,
) -> Ticket:
    with time_machine.travel(opened, tick=False):
        ticket = services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="email",
            subject="Keluhan",
            description="Isi keluhan.",
            category=category,
            severity="sederhana",
            team=team,
            assignee=agent,
        )
        ticket = drive_to(agent, ticket, "confirmed")
        proposal = services.proposal_create(
            actor=agent,
            ticket=ticket,
            summary="Kompensasi",
            compensation_type=kind,
            compensation_amount=amount,
        )
        if proposal.status == "pending_approval":
            proposal = services.proposal_approve(actor=supervisor, proposal=proposal)
        proposal = services.proposal_accept(actor=customer_user, proposal=proposal)
    if given is not None:
        assert recorded is not None
        with time_machine.travel(recorded, tick=False):
            services.proposal_fulfil(
                actor=agent,
                proposal=proposal,
                given=given,
                reference="REF-1" if given else "",
                note="" if given else "Stok hadiah habis.",
            )
    return ticket


@pytest.fixture
def paid(
    agent: User,
    supervisor: User,
    outsider_agent: User,
    other_supervisor: User,
    customer_user: User,
    customer: Customer,
    team: Team,
    other_team: Team,
) -> None:
    ours = (agent, supervisor, customer_user, customer, team)
    theirs = (outsider_agent, other_supervisor, customer_user, customer, other_team)
    _case(*ours, opened=at("03-02", "09:00"), category="service", kind="voucher",
          amount=100_000, given=True, recorded=at("03-05", "10:00"))  # fmt: skip
    _case(*ours, opened=at("03-03", "09:00"), category="mechanical", kind="refund",
          amount=250_000, given=True, recorded=at("03-10", "10:00"))  # fmt: skip
    _case(*ours, opened=at("03-04", "09:00"), category="service", kind="voucher",
          amount=50_000, given=None)  # fmt: skip
    _case(*theirs, opened=at("03-05", "09:00"), category="service", kind="gift",
          amount=30_000, given=False, recorded=at("03-06", "10:00"))  # fmt: skip
    _case(*theirs, opened=at("03-06", "09:00"), category="mechanical", kind="voucher",
          amount=70_000, given=True, recorded=at("03-12", "10:00"))  # fmt: skip
    _case(*ours, opened=at("02-10", "09:00"), category="service", kind="refund",
          amount=40_000, given=True, recorded=at("02-20", "10:00"))  # fmt: skip
    sync.sync()


def test_compensation_given_in_the_month(paid: None) -> None:
    march = m.compensation(m.month(2026, 3))

    assert (march["total"], march["count"], march["volume"]) == (420_000, 3, 5)
    assert march["cost_per_contact"] == 84_000
    assert march["by_category"] == [("mechanical", 2, 320_000), ("service", 1, 100_000)]
    assert march["by_type"] == [("refund", 1, 250_000), ("voucher", 2, 170_000)]
    february = m.compensation(m.month(2026, 2))
    assert (february["total"], february["count"], february["cost_per_contact"]) == (
        40_000,
        1,
        40_000,
    )


def test_a_team_filter_counts_its_tickets_only(paid: None, team: Team) -> None:
    ours = m.compensation(m.month(2026, 3, team_id=team.pk))
    assert (ours["total"], ours["count"], ours["volume"]) == (350_000, 2, 3)
    assert ours["cost_per_contact"] == 116_667


def test_an_empty_period_has_no_cost_per_contact(paid: None) -> None:
    april = m.compensation(m.month(2026, 4))
    assert (april["total"], april["count"], april["cost_per_contact"]) == (0, 0, None)


@pytest.mark.parametrize("kind", ["kpi", "executive"])
def test_the_kpi_and_executive_reports_show_it(paid: None, kind: str) -> None:
    content = reports.build(kind, m.month(2026, 3))

    rows = {r["metric"]: r for r in content["rows"]}
    total = rows["compensation_total"]
    assert (total["result_text"], total["previous_text"]) == (
        "Rp 420.000 (3 kali)",
        "Rp 40.000 (1 kali)",
    )
    assert total["analysis"] == "Naik 950% dibanding periode sebelumnya (Rp 40.000)."
    assert total["action"].startswith("Tinjau golongan keluhan")
    per_contact = rows["compensation_per_contact"]
    assert (per_contact["result_text"], per_contact["previous_text"]) == ("Rp 84.000", "Rp 40.000")
    assert per_contact["analysis"] == "Naik 110% dibanding periode sebelumnya (Rp 40.000)."
    section = content["compensation"]
    assert [(r["label"], r["count"], r["total_text"]) for r in section["by_category"]] == [
        ("Mekanis", 2, "Rp 320.000"),
        ("Layanan", 1, "Rp 100.000"),
    ]


def test_the_report_page_shows_the_section(paid: None, supervisor: User) -> None:
    f = m.month(2026, 3)
    content = reports.build("kpi", f)
    report = Report.objects.create(
        kind="kpi", title="KPI Maret", period_start=f.start, period_end=f.end, content=content
    )
    c = Client()
    c.force_login(supervisor)
    html = c.get(f"/laporan/{report.pk}/").content.decode()
    assert "data-compensation" in html
    assert "Rp 420.000 dalam 3 pemberian; Rp 84.000 per kontak (5 tiket masuk)." in html
    assert 'data-metric="compensation_per_contact"' in html
