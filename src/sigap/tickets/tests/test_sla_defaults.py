"""Default priority (complaint type AND customer type) and due times per channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import customer_create
from sigap.tickets import services
from sigap.tickets.sla import default_priority, due_times

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

# severity -> base priority; gold and platinum move up one step, never above P1
MATRIX = [
    ("penting", "regular", 1),
    ("penting", "silver", 1),
    ("penting", "gold", 1),
    ("penting", "platinum", 1),
    ("kompleks", "regular", 2),
    ("kompleks", "silver", 2),
    ("kompleks", "gold", 1),
    ("kompleks", "platinum", 1),
    ("sederhana", "regular", 3),
    ("sederhana", "silver", 3),
    ("sederhana", "gold", 2),
    ("sederhana", "platinum", 2),
    ("", "regular", 3),
    ("", "gold", 2),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("severity", "tier", "priority"), MATRIX)
def test_default_priority_follows_severity_and_loyalty(
    severity: str, tier: str, priority: int
) -> None:
    assert default_priority(severity, tier) == priority


# T0 is Monday 2 March 2026, 09:00 WIB: office hours (08-17) and chat hours (08-22) are
# open, and no holiday falls in that week. The default policies (sla/defaults.py):
@pytest.mark.parametrize(
    ("channel", "first_response"),
    [
        ("livechat", timedelta(minutes=15)),  # chat: minutes
        ("whatsapp", timedelta(minutes=15)),
        ("telegram", timedelta(minutes=15)),
        ("instagram", timedelta(hours=1)),  # social media and phone: an hour
        ("facebook", timedelta(hours=1)),
        ("x", timedelta(hours=1)),
        ("phone", timedelta(hours=1)),
        ("email", timedelta(hours=24)),  # one business day: Tuesday 09:00
        ("portal", timedelta(hours=24)),
    ],
)
def test_first_response_is_due_by_channel(
    db: None, channel: str, first_response: timedelta
) -> None:
    first, resolution = due_times(channel, 3, T0)

    assert (first, resolution) == (T0 + first_response, T0 + timedelta(days=3))


@pytest.mark.parametrize(
    ("priority", "resolution"),
    [
        (1, timedelta(hours=4)),  # around the clock
        (2, timedelta(hours=24)),  # one business day
        (3, timedelta(days=3)),
        (4, timedelta(days=5)),  # Mon..Fri, then the first hour of Saturday
    ],
)
def test_resolution_is_due_by_priority(db: None, priority: int, resolution: timedelta) -> None:
    assert due_times("email", priority, T0)[1] == T0 + resolution


@pytest.mark.parametrize("channel", ["email", "phone", "whatsapp", "livechat"])
def test_a_p1_ticket_is_answered_within_fifteen_minutes_on_any_channel(
    db: None, channel: str
) -> None:
    assert due_times(channel, 1, T0)[0] == T0 + timedelta(minutes=15)


def test_p1_runs_around_the_clock_even_at_night_and_on_holidays(db: None) -> None:
    night = datetime(2026, 8, 16, 16, 0, tzinfo=UTC)  # 23:00 WIB before 17 August
    assert due_times("email", 1, night) == (
        night + timedelta(minutes=15),
        night + timedelta(hours=4),
    )


def test_email_waits_for_office_hours_and_skips_holidays(db: None) -> None:
    evening = datetime(2026, 8, 14, 11, 0, tzinfo=UTC)  # Friday 18:00 WIB
    first, _ = due_times("email", 3, evening)
    # Saturday 08-12 (240 min), 17 August is Monday (holiday), Tuesday 08:00 + 300 min
    assert first == datetime(2026, 8, 18, 6, 0, tzinfo=UTC)  # Tuesday 13:00 WIB


def test_a_new_ticket_gets_its_priority_and_due_times(
    agent: User, team: Team, customer: Customer
) -> None:
    # given Budi, a gold customer, with a complex complaint by email
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Saldo terpotong dua kali",
        description="Saldo terpotong dua kali Rp 249.000.",
        severity="kompleks",
        team=team,
        created_at=T0,
    )

    # then P1 (kompleks P2, one step up), answered in 15 minutes, resolved in 4 hours
    assert (ticket.priority, ticket.first_response_due_at, ticket.resolution_due_at) == (
        1,
        T0 + timedelta(minutes=15),
        T0 + timedelta(hours=4),
    )
    assert ticket.created_at == T0


def test_an_explicit_priority_wins_over_the_default(agent: User, team: Team) -> None:
    regular = customer_create(name="Andi")

    ticket = services.ticket_create(
        actor=agent,
        customer=regular,
        kind="request",
        channel="whatsapp",
        subject="Ganti alamat",
        description="Mohon ganti alamat kirim.",
        priority=4,
        created_at=T0,
    )

    assert (ticket.priority, ticket.first_response_due_at, ticket.resolution_due_at) == (
        4,
        T0 + timedelta(minutes=30),  # chat, P4
        T0 + timedelta(days=5),
    )


def test_a_customer_opening_a_ticket_gets_the_portal_and_the_default_priority(
    customer_user: User, customer: Customer, team: Team, agent: User
) -> None:
    ticket = services.ticket_create(
        actor=customer_user,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Paket belum sampai",
        description="Sudah seminggu.",
        severity="sederhana",
        priority=1,
        team=team,
        assignee=agent,
        created_at=T0,
    )

    assert (ticket.channel, ticket.priority, ticket.team, ticket.assignee) == (
        "portal",
        2,
        None,
        None,
    )
    assert ticket.first_response_due_at == T0 + timedelta(hours=4)  # portal, P2
