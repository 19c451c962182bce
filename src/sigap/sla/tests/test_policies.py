"""SLA policies: the seeded defaults, matching order, edits seen at once, recomputation
on a change of priority, and the holiday table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.sla import book
from sigap.sla.models import BusinessCalendar, Holiday, SlaPolicy, SlaTarget
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def test_holidays_2025_to_2027_are_seeded_national_and_cuti_bersama() -> None:
    days = {(h.date, h.kind) for h in Holiday.objects.all()}
    assert (date(2025, 8, 17), "national") in days
    assert (date(2026, 3, 21), "national") in days  # Idul Fitri 1447 H
    assert (date(2026, 12, 24), "cuti_bersama") in days
    assert {d.year for d, _ in days} == {2025, 2026, 2027}


def test_the_first_matching_policy_by_position_wins() -> None:
    b = book.PolicyBook.load()
    kw = {"severity": "", "kind": "complaint", "tier": "regular", "team_id": None}
    assert b.policy_for(channel="whatsapp", priority=1, **kw).name == "Kritis (P1) — 24 jam"
    assert b.policy_for(channel="whatsapp", priority=3, **kw).name == "Chat dan pesan"
    assert b.policy_for(channel="email", priority=3, **kw).name == "Email, portal dan lainnya"


def test_a_team_policy_applies_to_that_team_only(team: Team) -> None:
    office = BusinessCalendar.objects.get(name="24 jam")
    vip = SlaPolicy.objects.create(name="Tim VIP", position=5, team=team, calendar=office)
    SlaTarget.objects.create(
        policy=vip,
        priority=3,
        first_response_minutes=7,
        next_response_minutes=7,
        resolution_minutes=60,
    )
    b = book.current()  # the save invalidated the cached book
    kw = {"channel": "email", "priority": 3, "severity": "", "kind": "", "tier": ""}
    assert b.policy_for(team_id=team.pk, **kw).name == "Tim VIP"
    assert b.policy_for(team_id=None, **kw).name == "Email, portal dan lainnya"
    assert b.due(start=T0, team_id=team.pk, channel="email", priority=3).first_response == (
        T0 + timedelta(minutes=7)
    )


def test_an_edited_target_is_used_by_the_next_ticket(agent: User, customer: Customer) -> None:
    target = SlaTarget.objects.get(policy__name="Email, portal dan lainnya", priority=2)
    target.first_response_minutes = 30
    target.save()
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Tanya",
        description="Halo",
        severity="sederhana",
        created_at=T0,  # gold: P2
    )
    assert ticket.first_response_due_at == T0 + timedelta(minutes=30)


def test_without_any_policy_tickets_still_get_due_times(agent: User, customer: Customer) -> None:
    SlaPolicy.objects.all().delete()
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Tanya",
        description="Halo",
        created_at=T0,
    )
    assert ticket.first_response_due_at == T0 + timedelta(hours=24)


def test_raising_the_priority_recomputes_the_due_times_with_the_reason(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Kompor baru",
        description="Kompor baru saya tidak mau menyala, tombolnya macet padahal tabungnya penuh.",
        team=team,
        priority=3,
        created_at=T0,
    )
    assert ticket.resolution_due_at == T0 + timedelta(days=3)
    services.ticket_update(
        actor=supervisor,
        ticket=ticket,
        version=ticket.version,
        changes={"priority": 1},
        reason="Menyangkut keselamatan",
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.first_response_due_at == T0 + timedelta(minutes=15)
    assert ticket.resolution_due_at == T0 + timedelta(hours=4)
    recomputed = ticket.events.filter(field="resolution_due_at").get()
    assert recomputed.data == {"reason": "Menyangkut keselamatan"}
    assert recomputed.new_value == (T0 + timedelta(hours=4)).isoformat()


def test_a_first_response_already_given_is_not_recomputed(
    agent: User, team: Team, customer: Customer
) -> None:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Tanya",
        description="Halo",
        team=team,
        priority=3,
        created_at=T0,
    )
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Baik, kami cek.")
    ticket = Ticket.objects.get(pk=ticket.pk)
    first_due = ticket.first_response_due_at
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"priority": 2}
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.first_response_due_at == first_due
    assert ticket.resolution_due_at == T0 + timedelta(hours=24)


def test_holidays_command_adds_a_new_year_once() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("holidays", "2028", stdout=out)
    first = Holiday.objects.filter(date__year=2028).count()
    assert first >= 15 and Holiday.objects.filter(date=date(2028, 8, 17)).exists()
    call_command("holidays", "2028", stdout=out)
    assert Holiday.objects.filter(date__year=2028).count() == first
    assert book.PolicyBook.load()  # still loads with the extra year
