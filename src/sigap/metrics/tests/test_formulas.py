"""Every formula against a month computed by hand (docs/metrics.md), through the real
services: the timeline is what the facts are derived from.

March 2026 (WIB). Customer A: T5 (opened 25 Feb, resolved 1 Mar), T1, T6. Customer B: T2
(reopened once), T3 (transferred), T4 (still open).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.metrics import compute as m
from sigap.metrics import sync
from sigap.metrics.tests.conftest import surveys
from sigap.surveys.models import Survey
from sigap.tickets import services
from sigap.tickets.models import Ticket


@pytest.mark.django_db
def test_march_by_hand(march: dict[str, Ticket], customer: Customer) -> None:
    surveys(march, customer)
    sync.sync()
    v = m.compute(m.month(2026, 3))
    assert v["volume"].value == 5  # T1 T6 T2 T3 T4 (T5 was opened in February)
    assert v["frt"].value == 55.0  # (60 + 10 + 30 + 120) / 4 minutes; T4 has no response
    assert v["wait"].value == 56.0  # (60 + 10 + 30 + 60 + 120) / 5 minutes
    assert v["aht"].value == 5.7  # (300 + 120 + 600) / 3 measured replies, in minutes
    assert v["resolution_time"].value == 26.0  # (96 + 3 + 1 + 24 + 6) / 5 hours
    assert (v["fcr"].numerator, v["fcr"].denominator, v["fcr"].value) == (1, 5, 20.0)  # T6
    assert v["reopen"].value == 20.0  # T2
    assert v["sla"].value == 60.0  # T1 T6 T3 met; T5 and T2 late
    assert v["backlog"].value == 1  # T4
    assert v["csat"].value == 50.0 and v["csat"].extra["average"] == 3.5
    assert v["ces"].value == round(200 / 3, 1)  # 4 of 5 and 6 of 7 count as easy
    assert v["nps"].value == 40.0  # (3 promoters - 1 detractor) / 5


@pytest.mark.django_db
def test_filters_and_empty_periods(march: dict[str, Ticket], team: Team, other_team: Team) -> None:
    sync.sync()
    by_team = m.compute(m.month(2026, 3, team_id=other_team.pk))
    assert by_team["volume"].value == 1  # T3 was moved there
    assert by_team["fcr"].value == 0.0
    empty = m.compute(m.month(2026, 7))
    assert empty["volume"].value == 0
    assert all(empty[k].value is None for k in ("frt", "aht", "fcr", "csat", "nps", "ces", "sla"))
    assert m.breakdown(m.month(2026, 3), "channel") == [("email", 5)]
    grid = m.heatmap(m.month(2026, 3))
    assert sum(map(sum, grid)) == 5
    assert grid[0][9] == 1  # Monday 2 March, 09:00 WIB (T1)
    assert grid[2][9] == 1  # Wednesday 25 March (T4)


def test_previous_periods() -> None:
    assert m.month(2026, 3).previous() == m.month(2026, 2)
    assert m.month(2026, 1).previous() == m.month(2025, 12)
    week = m.Filter(date(2026, 3, 9), date(2026, 3, 15))
    assert week.previous() == m.Filter(date(2026, 3, 2), date(2026, 3, 8))
    quarter = m.Filter(date(2026, 4, 1), date(2026, 6, 30))
    assert quarter.previous() == m.Filter(date(2026, 1, 1), date(2026, 3, 31))
    assert m.month(2026, 3).since == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_incremental_facts_equal_a_full_rebuild(march: dict[str, Ticket], agent: User) -> None:
    sync.sync()
    assert sync.verify() == []
    t4 = Ticket.objects.get(pk=march["t4"].pk)
    services.message_add(actor=agent, ticket=t4, kind="reply", body="Halo", handle_seconds=60)
    assert sync.verify() == [t4.pk]  # stale until the next sync
    sync.sync()
    assert sync.verify() == []
    before = {f.ticket_id: f for f in m.TicketFact.objects.all()}
    assert sync.rebuild() == 6
    after = {f.ticket_id: f for f in m.TicketFact.objects.all()}
    fields = [f.name for f in m.TicketFact._meta.fields]
    assert {k: [getattr(v, f) for f in fields] for k, v in before.items()} == {
        k: [getattr(v, f) for f in fields] for k, v in after.items()
    }


@pytest.mark.django_db
def test_a_late_commit_is_still_caught(march: dict[str, Ticket], agent: User) -> None:
    """An event whose id is below what the last sync saw (its transaction committed
    late) is picked up by the next sync, which scans again from the previous high mark."""
    sync.sync()
    sync.sync()
    t4 = Ticket.objects.get(pk=march["t4"].pk)
    services.message_add(actor=agent, ticket=t4, kind="reply", body="Halo")
    event = t4.events.order_by("-pk").first()
    assert event is not None
    state = m.TicketFact.objects.get(pk=t4.pk)
    assert state.first_response_at is None
    # pretend the sync saw a higher id already, with this event not yet committed
    from sigap.metrics.models import SyncState

    SyncState.objects.filter(name="facts").update(event_id=event.pk - 1, high=event.pk + 5)
    sync.sync()
    assert m.TicketFact.objects.get(pk=t4.pk).first_response_at is not None


@pytest.mark.django_db
def test_agent_and_team_tables(
    march: dict[str, Ticket], agent: User, team: Team, other_team: Team, customer: Customer
) -> None:
    surveys(march, customer)
    Survey.objects.filter(kind="resolution").update(agent=agent, team=team)
    sync.sync()
    # T3 went to a team the agent is not in, so it lost its owner: the agent keeps four.
    (row,) = m.table(m.month(2026, 3))
    assert row["agent_id"] == agent.pk and row["volume"] == 4 and row["resolved"] == 4
    assert (row["fcr"], row["frt"], row["aht"], row["sla"], row["csat"]) == (
        25.0,  # T6 of T5 T1 T6 T2
        33.3,  # (60 + 10 + 30) / 3
        5.7,
        50.0,  # T1 T6 of T5 T1 T6 T2
        50.0,
    )
    teams = {r["team_id"]: r for r in m.table(m.month(2026, 3), by="team_id")}
    assert teams[team.pk]["volume"] == 4 and teams[other_team.pk]["volume"] == 1


@pytest.mark.django_db
def test_the_monthly_series_agrees_with_compute(
    march: dict[str, Ticket], customer: Customer
) -> None:
    surveys(march, customer)
    sync.sync()
    months = dict(m.series(m.month(2026, 3), 3))
    assert list(months) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    for number in (2, 3):
        full = m.compute(m.month(2026, number))
        row = months[date(2026, number, 1)]
        for key in ("volume", "frt", "resolution_time", "fcr", "sla", "csat", "ces", "nps"):
            assert row[key] == full[key].value, (number, key)
    assert months[date(2026, 1, 1)]["volume"] == 0


@pytest.mark.django_db
def test_a_new_ticket_marks_the_customers_earlier_one_as_a_repeat(
    march: dict[str, Ticket], agent: User, other_customer: Customer
) -> None:
    sync.sync()
    assert not m.TicketFact.objects.get(pk=march["t4"].pk).repeat_contact
    import time_machine

    with time_machine.travel(datetime(2026, 3, 27, 2, 0, tzinfo=UTC), tick=False):
        services.ticket_create(
            actor=agent,
            customer=other_customer,
            kind="inquiry",
            channel="phone",
            subject="Masih soal pesanan",
            description="Saya telepon lagi soal pesanan kemarin.",
        )
    sync.sync()
    assert m.TicketFact.objects.get(pk=march["t4"].pk).repeat_contact
    assert m.TicketFact.objects.get(pk=march["t3"].pk).repeat_contact  # T4 came 5 days later
    assert not m.TicketFact.objects.get(pk=march["t2"].pk).repeat_contact  # 3 March: long before
    assert sync.verify() == []


@pytest.mark.django_db
def test_logged_calls_count_as_handled_interactions(march: dict[str, Ticket], agent: User) -> None:
    from sigap.tickets import events
    from sigap.tickets.models import EventKind

    t4 = Ticket.objects.get(pk=march["t4"].pk)
    events.sla_event(
        t4, EventKind.CALL_LOGGED, actor=agent, data={"call_id": 7, "handle_seconds": 300}
    )
    # the PBX corrected the same call later: the last word counts, once
    events.sla_event(
        t4, EventKind.CALL_LOGGED, actor=agent, data={"call_id": 7, "handle_seconds": 420}
    )
    sync.sync()
    fact = m.TicketFact.objects.get(pk=t4.pk)
    assert (fact.interactions, fact.handle_seconds, fact.handled_interactions) == (1, 420, 1)
    assert sync.verify() == []
