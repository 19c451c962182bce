"""The SLA sweep: warning, breach and escalation happen once; the clock pauses while the
customer has the ball."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sigap.accounts.models import Team, User
from sigap.core.errors import Conflict
from sigap.customers.models import Customer
from sigap.notifications.models import Notification
from sigap.sla.models import EscalationLevel
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.sweep import sweep
from sigap.tickets.tasks import sla_sweep

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
    breaches = [e.data["target"] for e in ticket.events.filter(kind="sla_breached")]
    assert sorted(breaches) == ["first_response", "resolution"]  # nobody answered either
    assert ticket.events.filter(kind="escalated").count() == 1
    escalation = ticket.events.get(kind="escalated")
    assert escalation.data == {"level": 1, "to": [supervisor.pk]}
    assert Notification.objects.filter(kind="escalated", user=supervisor).count() == 1
    breached = Notification.objects.get(kind="sla_breached", user=agent)
    assert breached.count == 2  # both, in one entry of the ticket


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
    assert result == {
        "warned": 1,
        "breached": 1,
        "escalated": 0,
        "first_response_missed": 1,
        "next_response_missed": 0,
    }


def test_escalated_tickets_are_marked_in_the_inbox_and_on_the_page(
    agent: User, team: Team, customer: Customer
) -> None:
    from django.test import Client

    ticket = make(agent, team, customer)
    sweep(T0 + timedelta(days=3))
    c = Client()
    c.force_login(agent)
    assert "Dieskalasi" in c.get("/inbox/").content.decode()
    escalated = c.get("/inbox/?view=escalated")
    assert escalated.context["counts"]["escalated"] == 1
    assert f'data-ticket="{ticket.pk}"' in escalated.content.decode()
    page = c.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Dieskalasi" in page and "Tenggat terlampaui" in page and "Eskalasi" in page
    assert "Penyelesaian" in page and "Respons pertama" in page  # which deadline
    assert "· Sistem ·" in page  # the sweep, not a person


def test_first_and_next_response_deadlines(agent: User, team: Team, customer: Customer) -> None:
    import time_machine

    with time_machine.travel(T0, tick=False):  # P2 email: first response in 240 office min
        ticket = make(agent, team, customer)
    assert ticket.first_response_due_at == T0 + timedelta(hours=4)
    assert sweep(T0 + timedelta(hours=3)).first_response_missed == 0
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Kami cek dulu.")
    assert sweep(T0 + timedelta(hours=5)).first_response_missed == 0  # answered in time
    # the customer writes again: the next-response clock (480 office minutes) starts
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):  # Monday 13:00 WIB
        services.message_add(actor=None, ticket=ticket, kind="inbound", body="Sudah ada kabar?")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == T0 + timedelta(hours=24, minutes=240 - 60)  # Tue 12:00
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):  # a second message
        services.message_add(actor=None, ticket=ticket, kind="inbound", body="Halo?")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == T0 + timedelta(hours=27)  # unchanged
    result = sweep(T0 + timedelta(hours=28))
    assert result.next_response_missed == 1
    assert sweep(T0 + timedelta(hours=29)).next_response_missed == 0  # once
    targets = [e.data["target"] for e in ticket.events.filter(kind="sla_breached")]
    assert sorted(targets) == ["next_response", "resolution"]  # resolution was due Tue 09:00
    assert (
        Notification.objects.filter(
            user=agent, kind="sla_breached", text__contains="respons berikutnya"
        ).count()
        == 1
    )


def test_a_reply_stops_the_next_response_clock(agent: User, team: Team, customer: Customer) -> None:
    ticket = make(agent, team, customer)
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Halo")
    services.message_add(actor=None, ticket=ticket, kind="inbound", body="Terus?")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at is not None
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sudah dikirim.")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at is None


def test_the_escalation_chain_is_configurable(
    agent: User, supervisor: User, admin: User, team: Team, customer: Customer
) -> None:
    """Three levels: the team supervisor at the breach, a named head of service one hour
    later (who becomes the owner), management three hours after the breach."""
    head = User.objects.create_user(
        username="kepala", password="x", role="supervisor", first_name="Kepala"
    )
    EscalationLevel.objects.filter(level=2).update(level=3, after_minutes=180)
    EscalationLevel.objects.create(
        level=2, name="Kepala layanan", after_minutes=60, audience="user", user=head, reassign=True
    )
    ticket = make(agent, team, customer)
    due = ticket.resolution_due_at
    assert due is not None
    assert sweep(due + timedelta(minutes=1)).breached == 1
    assert sweep(due + timedelta(minutes=50)).escalated == 0
    assert sweep(due + timedelta(minutes=70)).escalated == 1
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.assignee) == (2, head)
    handed = ticket.events.get(kind="assigned")
    assert (handed.old_value, handed.new_value) == (agent.pk, head.pk)
    assert Notification.objects.filter(user=head, kind="escalated").count() == 1
    assert sweep(due + timedelta(minutes=170)).escalated == 0
    assert sweep(due + timedelta(minutes=190)).escalated == 1
    assert sweep(due + timedelta(minutes=250)).escalated == 0  # the top of the chain
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    levels = [e.data["level"] for e in ticket.events.filter(kind="escalated").order_by("pk")]
    assert levels == [1, 2, 3]
    assert Notification.objects.filter(user=admin, kind="escalated").count() == 1


def test_a_disabled_level_is_skipped_and_manual_escalation_follows_the_chain(
    agent: User, supervisor: User, admin: User, team: Team, customer: Customer
) -> None:
    EscalationLevel.objects.filter(level=1).update(active=False)
    ticket = make(agent, team, customer)
    services.ticket_escalate(actor=agent, ticket=ticket, reason="Pelanggan mengancam viral")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2  # straight to management
    assert Notification.objects.filter(user=admin, kind="escalated").count() == 1
    assert not Notification.objects.filter(user=supervisor, kind="escalated").exists()
    with pytest.raises(Conflict):
        services.ticket_escalate(actor=agent, ticket=ticket, reason="Lagi")


def test_an_escalation_that_hands_the_ticket_over_returns_its_current_version(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    """The escalation and the hand-over bump the version twice: the ticket returned is the
    row's version, so the caller's next save is not refused as someone else's change."""
    head = User.objects.create_user(username="kepala", password="x", role="supervisor")
    EscalationLevel.objects.filter(level=1).update(audience="user", user=head, reassign=True)
    ticket = make(agent, team, customer)
    escalated = services.ticket_escalate(actor=agent, ticket=ticket, reason="Pelanggan marah")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (escalated.version, escalated.assignee_id) == (stored.version, head.pk)
    assert escalated.updated_at == stored.updated_at
    services.ticket_update(
        actor=supervisor, ticket=escalated, version=escalated.version, changes={"priority": 1}
    )
