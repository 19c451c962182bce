"""Issue 21: the metrics at their edges, built from raw records through the services with
the clock moved (as the demo loader does): a period that ends in the future, a phone call
as the first response, a ticket created in the last second of a month, a spam ticket
closed unanswered, a reopened ticket and a past month's backlog, ..."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.connectors.phone import services as phone
from sigap.customers.models import Customer
from sigap.metrics import compute as m
from sigap.metrics import sync
from sigap.metrics.tests.conftest import WIB, Story, step
from sigap.surveys.models import Survey
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def dec(day: int, hhmm: str, year: int = 2026, month: int = 12) -> datetime:
    hh, mm = hhmm.split(":")[:2]
    ss = hhmm.split(":")[2] if hhmm.count(":") == 2 else "0"
    return datetime(year, month, day, int(hh), int(mm), int(ss), tzinfo=WIB)


def nov(day: int, hhmm: str) -> datetime:
    return dec(day, hhmm, month=11)


def opened(s: Story, customer: Customer, when: datetime, first_due: datetime, **kw: Any) -> Ticket:
    ticket = s.open(customer, when, due=first_due + (first_due - when) * 10)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=first_due, **kw)
    return ticket


def computed(now: datetime, f: m.Filter) -> dict[str, m.Value]:
    with time_machine.travel(now, tick=False):
        sync.sync()
        return m.compute(f)


def test_first_response_sla_does_not_count_tickets_not_yet_due(
    agent: User, team: Team, customer: Customer
) -> None:
    """6 December: the month is still running; a ticket due on 7 December is not late."""
    s = Story(agent, team)
    met = opened(s, customer, dec(1, "09:00"), dec(1, "10:00"))
    s.reply(met, dec(1, "09:30"))
    opened(s, customer, dec(2, "09:00"), dec(2, "10:00"))  # never answered: late
    opened(s, customer, dec(6, "12:00"), dec(7, "09:00"))  # not due yet
    v = computed(dec(6, "14:00"), m.month(2026, 12))["sla_first_response"]
    assert (v.numerator, v.denominator, v.value) == (1, 2, 50.0)
    # on 8 December the third one is late, though no event happened since
    later = computed(dec(8, "09:00"), m.month(2026, 12))["sla_first_response"]
    assert (later.numerator, later.denominator) == (1, 3)


def test_a_phone_call_is_a_first_response(agent: User, team: Team, customer: Customer) -> None:
    s = Story(agent, team)
    ticket = opened(s, customer, dec(3, "09:00"), dec(3, "10:00"), channel="phone")
    call = step(
        dec(3, "09:05"),
        phone.call_start,
        actor=agent,
        customer=customer,
        ticket=Ticket.objects.get(pk=ticket.pk),
        direction="inbound",
    )
    step(dec(3, "09:15"), phone.call_finish, actor=agent, call=call, outcome="resolved")
    # a call nobody picked up is no response
    missed = opened(s, customer, dec(4, "09:00"), dec(4, "10:00"), channel="phone")
    call = step(
        dec(4, "09:05"),
        phone.call_start,
        actor=agent,
        customer=customer,
        ticket=Ticket.objects.get(pk=missed.pk),
        direction="outbound",
    )
    step(dec(4, "09:06"), phone.call_finish, actor=agent, call=call, outcome="no_answer")
    v = computed(dec(6, "14:00"), m.month(2026, 12))
    sla = v["sla_first_response"]
    assert (sla.numerator, sla.denominator) == (1, 2)  # the answered call met its due time
    assert v["frt"].value == 5.0 and v["frt"].denominator == 1  # answered at 09:05
    assert sync.verify() == []


def test_a_ticket_opened_in_the_last_second_of_a_month_counts_in_that_month(
    agent: User, team: Team, customer: Customer
) -> None:
    s = Story(agent, team)
    opened(s, customer, nov(30, "23:59:59"), dec(1, "00:59:59"))  # never answered
    v = computed(dec(6, "14:00"), m.month(2026, 11))["sla_first_response"]
    assert (v.numerator, v.denominator, v.value) == (0, 1, 0.0)
    assert computed(dec(6, "14:00"), m.month(2026, 12))["sla_first_response"].denominator == 0


def test_a_spam_ticket_closed_unanswered_before_its_due_time_is_no_breach(
    agent: User, team: Team, customer: Customer
) -> None:
    s = Story(agent, team)
    spam = opened(s, customer, dec(1, "09:00"), dec(1, "13:00"))
    step(
        dec(1, "09:05"),
        services.ticket_transition,
        actor=agent,
        ticket=Ticket.objects.get(pk=spam.pk),
        to="closed",
        reason="Spam.",
    )
    # closed unanswered only after it was due: it was late all the same
    late = opened(s, customer, dec(2, "09:00"), dec(2, "10:00"))
    step(
        dec(2, "15:00"),
        services.ticket_transition,
        actor=agent,
        ticket=Ticket.objects.get(pk=late.pk),
        to="closed",
        reason="Pelanggan tidak bisa dihubungi.",
    )
    v = computed(dec(6, "14:00"), m.month(2026, 12))["sla_first_response"]
    assert (v.numerator, v.denominator) == (0, 1)
    assert sync.verify() == []


def test_a_past_months_backlog_does_not_change_when_a_ticket_is_reopened_later(
    agent: User, team: Team, customer: Customer
) -> None:
    s = Story(agent, team)
    opened(s, customer, nov(10, "09:00"), nov(10, "10:00"))  # still open: backlog
    done = opened(s, customer, nov(20, "09:00"), nov(20, "10:00"))
    s.reply(done, nov(20, "09:30"))
    s.resolve(done, nov(25, "09:00"))
    # ended, reopened and ended again within November: not in its backlog either
    twice = opened(s, customer, nov(21, "09:00"), nov(21, "10:00"))
    s.reply(twice, nov(21, "09:30"))
    s.resolve(twice, nov(22, "09:00"))
    s.inbound(twice, nov(23, "09:00"))
    s.resolve(twice, nov(24, "09:00"))
    assert computed(dec(1, "08:00"), m.month(2026, 11))["backlog"].value == 1
    s.inbound(done, dec(2, "09:00"))  # the customer's answer reopens it
    assert Ticket.objects.get(pk=done.pk).status != "resolved"
    assert computed(dec(6, "14:00"), m.month(2026, 11))["backlog"].value == 1
    assert computed(dec(6, "14:00"), m.month(2026, 12))["backlog"].value == 2
    s.resolve(done, dec(3, "09:00"))
    assert computed(dec(6, "14:00"), m.month(2026, 11))["backlog"].value == 1
    assert computed(dec(6, "14:00"), m.month(2026, 12))["backlog"].value == 1
    assert sync.verify() == []


def test_the_dashboard_shows_a_changed_survey_answer_at_once(
    supervisor: User, customer: Customer
) -> None:
    from sigap.surveys import services as surveys

    when = nov(20, "10:00")
    survey = Survey.objects.create(
        kind="resolution",
        customer=customer,
        sent_via="email",
        sent_at=when,
        expires_at=dec(9, "0:0"),
    )
    step(nov(20, "10:05"), surveys.answer, survey=survey, csat=5)
    with time_machine.travel(dec(6, "10:00"), tick=False):  # all in the same minute
        client = Client()
        client.force_login(supervisor)
        html = client.get("/dasbor/", {"month": "2026-11"}).content.decode()
        assert csat_card(html) == "100%"
        surveys.answer(survey, csat=1)  # the customer changes their mind
        html = client.get("/dasbor/", {"month": "2026-11"}).content.decode()
        assert csat_card(html) == "0%"


def csat_card(html: str) -> str:
    card = html.split('data-card="csat"', 1)[1]
    return card.split('<div class="big">', 1)[1].split("<", 1)[0]


def test_one_survey_answer_is_shown_with_its_sample_and_never_judged(
    agent: User, team: Team, customer: Customer
) -> None:
    from sigap.metrics import reports
    from sigap.surveys import services as surveys

    s = Story(agent, team)
    ticket = opened(s, customer, nov(3, "09:00"), nov(3, "10:00"))
    s.reply(ticket, nov(3, "09:20"), handle=120)  # one measured reply: AHT 2 minutes
    survey = Survey.objects.create(
        kind="resolution", customer=customer, sent_via="email", sent_at=nov(4, "09:00"),
        expires_at=nov(9, "09:00"),
    )  # fmt: skip
    step(nov(4, "10:00"), surveys.answer, survey=survey, csat=5)
    with time_machine.travel(dec(6, "14:00"), tick=False):
        sync.sync()
        rows = {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 11))}
    csat, aht, frt = rows["csat"], rows["aht"], rows["frt"]
    assert csat["result_text"] == "100% (rata-rata 5 dari 5; n = 1)"
    assert (csat["verdict"], csat["small"]) == ("none", True)
    assert "Memenuhi target" not in str(csat["analysis"])
    assert (aht["result_text"], aht["verdict"]) == (
        "2 menit (median 2 menit, p90 2 menit; n = 1 dari 1 interaksi)",
        "none",
    )
    assert frt["verdict"] == "none"
    assert frt["result_text"] == (
        "20 menit (median 20 menit, p90 20 menit; jam kerja: median 20 menit, p90 20 menit; n = 1)"
    )
    assert rows["volume"]["result_text"] == "1"  # a count: no sample


def test_fcr_is_the_seeds_share_of_all_contacts_with_the_resolved_share_as_a_variant(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    from sigap.metrics import reports

    s = Story(agent, team)
    october = opened(s, customer, dec(28, "09:00", month=10), dec(28, "10:00", month=10))
    s.reply(october, dec(28, "09:30", month=10))
    s.resolve(october, nov(2, "09:00"))  # resolved at first contact, in November
    first = opened(s, other_customer, nov(10, "09:00"), nov(10, "10:00"))
    s.reply(first, nov(10, "09:30"))
    s.resolve(first, nov(10, "11:00"))  # resolved at first contact
    two = opened(s, customer, nov(20, "09:00"), nov(20, "10:00"))
    s.reply(two, nov(20, "09:30"))
    s.reply(two, nov(20, "10:30"))
    s.resolve(two, nov(21, "11:00"))  # two replies: not at the first contact
    opened(s, other_customer, nov(28, "09:00"), nov(28, "10:00"))  # not resolved yet
    v = computed(dec(6, "14:00"), m.month(2026, 11))
    # the seed: first-contact resolutions ÷ all contacts (the tickets created in November)
    assert (v["fcr"].numerator, v["fcr"].denominator, v["fcr"].value) == (1, 3, 33.3)
    # the variant: ÷ the tickets first resolved in November (October's one included)
    resolved = v["fcr_resolved"]
    assert (resolved.numerator, resolved.denominator, resolved.value) == (2, 3, 66.7)
    with time_machine.travel(dec(6, "14:00"), tick=False):
        rows = {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 11))}
    assert rows["fcr"]["label"] == "Selesai pada kontak pertama (FCR)"
    assert rows["fcr"]["result_text"] == "33,3% (n = 3)"
    assert rows["fcr_resolved"]["label"] == "FCR varian: dari tiket selesai"
    assert rows["fcr_resolved"]["result_text"] == "66,7% (n = 3)"
    (row,) = m.table(m.month(2026, 11))
    assert row["fcr"] == 33.3  # the agent table uses the headline's definition


def test_aht_counts_all_work_in_the_period_it_was_done(
    agent: User, team: Team, customer: Customer
) -> None:
    from sigap.metrics import reports

    s = Story(agent, team)
    october = opened(s, customer, dec(28, "09:00", month=10), dec(28, "10:00", month=10))
    s.reply(october, nov(2, "09:00"), handle=600)  # November's work on October's ticket
    ticket = opened(s, customer, nov(3, "09:00"), nov(3, "10:00"))
    s.reply(ticket, nov(3, "09:20"), handle=120)
    s.reply(ticket, nov(3, "09:40"))  # sent through the API: not measured
    late = opened(s, customer, nov(29, "09:00"), nov(29, "10:00"))
    s.reply(late, dec(2, "09:00"), handle=900)  # December's work on November's ticket
    call = step(
        nov(10, "09:00"), phone.call_start, actor=agent, customer=customer, direction="inbound"
    )  # a call on no ticket: five minutes of work all the same
    step(nov(10, "09:05"), phone.call_finish, actor=agent, call=call, outcome="resolved")
    v = computed(dec(6, "14:00"), m.month(2026, 11))["aht"]
    assert (v.numerator, v.denominator, v.value) == (1020, 3, 5.7)  # (600 + 120 + 300) / 3
    assert v.extra["interactions"] == 4
    assert computed(dec(6, "14:00"), m.month(2026, 12))["aht"].value == 15.0  # 900 s
    with time_machine.travel(dec(6, "14:00"), tick=False):
        (row,) = m.table(m.month(2026, 11))
        aht = {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 11))}["aht"]
    assert row["aht"] == 5.7
    # 120, 300, 600 seconds: median 5, p90 10 minutes
    assert aht["result_text"] == "5,7 menit (median 5 menit, p90 10 menit; n = 3 dari 4 interaksi)"
    assert sync.verify() == []


def test_time_metrics_show_median_and_p90_in_wall_clock_and_business_time(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    from sigap.metrics import reports

    s = Story(agent, team)
    # email tickets: the office-hours calendar (Monday-Friday 08-17, Saturday 08-12 WIB)
    for day, answered in ((2, "10:00"), (3, "10:24"), (4, "10:30")):
        t = s.open(customer if day != 3 else other_customer, nov(day, "09:00"), nov(30, "9:00"))
        s.reply(t, nov(day, answered))
    friday = s.open(other_customer, nov(6, "21:00"), due=nov(30, "9:00"))
    s.reply(friday, nov(9, "08:30"))  # Monday morning: 3,570 wall minutes, 270 business
    assert Ticket.objects.get(pk=friday.pk).sla_policy_id is not None
    v = computed(dec(6, "14:00"), m.month(2026, 11))["frt"]
    assert v.value == 951.0  # (60 + 84 + 90 + 3570) / 4: one Friday night moves the mean
    assert (v.extra["median"], v.extra["p90"]) == (87.0, 3570.0)
    assert (v.extra["business_median"], v.extra["business_p90"]) == (87.0, 270.0)
    with time_machine.travel(dec(6, "14:00"), tick=False):
        frt = {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 11))}["frt"]
    assert frt["result_text"] == (
        "951 menit (median 87 menit, p90 3.570 menit; "
        "jam kerja: median 87 menit, p90 270 menit; n = 4)"
    )


def test_the_dashboard_the_report_and_its_exports_show_the_same_figures(
    march: dict[str, Ticket], customer: Customer, supervisor: User
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from sigap.metrics import export, reports
    from sigap.metrics.tests.conftest import surveys

    surveys(march, customer)
    sync.sync()
    client = Client()
    client.force_login(supervisor)
    html = client.get("/dasbor/", {"month": "2026-03"}).content.decode()
    content = reports.build("kpi", m.month(2026, 3))
    rows = {r["metric"]: r for r in content["rows"]}
    for key in ("volume", "csat", "nps", "fcr", "frt", "aht", "sla", "backlog"):
        card = html.split(f'data-card="{key}"', 1)[1].split('data-card="', 1)[0]
        assert f'<div class="big">{rows[key]["value_text"]}</div>' in card, key
        if rows[key]["sample"] is not None:
            assert f"n = {rows[key]['sample']}" in card, key
        if rows[key]["spread_text"]:
            assert rows[key]["spread_text"] in card, key
    texts = {r["label"]: r["result_text"] for r in content["rows"]}
    sheet = load_workbook(io.BytesIO(export.xlsx(content, "x")))["Laporan"]
    assert {r[0]: r[2] for r in sheet.iter_rows(min_row=5, values_only=True)} == texts
    table = list(csv.reader(io.StringIO(export.csv_bytes(content).decode("utf-8-sig"))))
    assert {r[0]: r[2] for r in table[1:]} == texts


def test_the_agent_and_team_tables_show_what_each_figure_rests_on(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    """Item 9 in the tables too: each row's figures with their n, marked below the sample."""
    import io

    from openpyxl import load_workbook

    from sigap.metrics import export, reports

    s = Story(agent, team)
    first = opened(s, customer, nov(3, "09:00"), nov(3, "10:00"))
    s.reply(first, nov(3, "09:20"), handle=120)
    opened(s, customer, nov(4, "09:00"), nov(4, "10:00"))  # never answered
    with time_machine.travel(dec(6, "14:00"), tick=False):
        sync.sync()
        agents = m.table(m.month(2026, 11))
        content = reports.build("kpi", m.month(2026, 11))
    (row,) = agents
    assert (row["volume"], row["n"]["fcr"], row["n"]["frt"], row["n"]["aht"]) == (2, 2, 1, 1)
    assert row["n"]["csat"] == 0 and row["csat"] is None
    assert {"fcr", "frt", "aht"} <= set(row["small"]) and "csat" not in row["small"]
    c = Client()
    c.force_login(supervisor)
    with time_machine.travel(dec(6, "14:00"), tick=False):
        html = c.get("/dasbor/", {"month": "2026-11"}).content.decode()
    assert 'data-n="1"' in html and "data-small" in html and "n = 2" in html
    sheet = load_workbook(io.BytesIO(export.xlsx(content, "x")))["Agen"]
    header, values = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert values[header.index("n FRT")] == 1 and values[header.index("n FCR")] == 2
    assert "FRT" in values[header.index("Sampel terlalu kecil")]
