"""The SLA sweep: warning, breach and escalation happen once; the clock pauses while the
customer has the ball."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.notifications.models import Notification
from sigap.sla.sweep import sweep
from sigap.sla.tasks import sla_sweep
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def make(agent: User, team: Team, customer: Customer, **kw: object) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Status pesanan",
        description="Pesanan saya di mana?",
        team=team,
        assignee=agent,
        priority=2,
        created_at=T0,
        **kw,  # type: ignore[arg-type]
    )


def test_warning_at_three_quarters_then_breach_and_escalation_once(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    ticket = make(agent, team, customer)  # P2 email: resolution one office day (540 min)
    assert ticket.resolution_due_at == T0 + timedelta(hours=24)  # Tuesday 09:00 WIB
    assert ticket.sla_warn_at == T0 + timedelta(hours=6, minutes=45)  # 75%: 15:45 WIB

    assert sweep(T0 + timedelta(hours=6)).warned == 0
    assert sweep(T0 + timedelta(hours=7)).warned == 1
    assert sweep(T0 + timedelta(hours=7)).warned == 0  # once
    warning = Notification.objects.get(kind="sla_warning")
    assert warning.user == agent and ticket.reference in warning.text

    result = sweep(T0 + timedelta(hours=25))
    assert (result.warned, result.breached) == (0, 1)
    assert sweep(T0 + timedelta(hours=26)).breached == 0  # once
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1 and ticket.sla_breached_at is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count("sla_breached") == 1 and kinds.count("escalated") == 1
    escalation = ticket.events.get(kind="escalated")
    assert escalation.data == {"level": 1, "to": [supervisor.pk]}
    assert Notification.objects.filter(kind="escalated", user=supervisor).count() == 1
    assert Notification.objects.filter(kind="sla_breached", user=agent).count() == 1


def test_closed_and_waiting_tickets_are_left_alone(
    agent: User, team: Team, customer: Customer
) -> None:
    waiting = make(agent, team, customer)
    services.ticket_transition(actor=agent, ticket=waiting, to="in_progress")
    services.ticket_transition(actor=agent, ticket=waiting, to="waiting_customer")
    closed = make(agent, team, customer)
    services.ticket_close(actor=agent, ticket=closed, reason="Duplikat")
    assert sweep(T0 + timedelta(days=30)).breached == 0


def test_the_clock_pauses_while_waiting_for_the_customer(
    agent: User, team: Team, customer: Customer, settings: object
) -> None:
    import time_machine

    with time_machine.travel(T0, tick=False):
        ticket = make(agent, team, customer)
        services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):  # Monday 10:00 WIB
        services.ticket_transition(actor=agent, ticket=ticket, to="waiting_customer")
    # The customer answers on Tuesday 10:00 WIB; their message resumes the work.
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        services.message_add(actor=None, ticket=ticket, kind="inbound", body="Ini datanya")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    # 10:00 Mon -> 10:00 Tue is 540 office minutes; the 09:00 Tue due moves to 09:00 Wed
    assert ticket.resolution_due_at == T0 + timedelta(hours=48)
    resumed = ticket.events.get(kind="sla_resumed")
    assert resumed.data["paused_minutes"] == 540
    assert ticket.events.filter(kind="sla_paused").count() == 1
    assert ticket.sla_paused_at is None


def test_the_periodic_job_runs_the_sweep(agent: User, team: Team, customer: Customer) -> None:
    make(agent, team, customer)
    import time_machine

    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        result = sla_sweep.call_local()
    assert result == {"warned": 1, "breached": 1, "escalated": 0}


def test_escalated_tickets_are_marked_in_the_inbox_and_on_the_page(
    agent: User, team: Team, customer: Customer
) -> None:
    from django.test import Client

    ticket = make(agent, team, customer)
    sweep(T0 + timedelta(days=3))
    c = Client()
    c.force_login(agent)
    assert "Dieskalasi" in c.get("/inbox/").content.decode()
    page = c.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Dieskalasi" in page and "Tenggat terlampaui" in page and "Eskalasi" in page
