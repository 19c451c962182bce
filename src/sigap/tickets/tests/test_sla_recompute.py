"""Editing the SLA setup moves the due times of the open tickets concerned, once, with the
reason in the timeline; time already spent waiting for the customer stays paused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.sla.models import Holiday, SlaTarget
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.recompute import recompute_open_tickets

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def make(agent: User, team: Team, customer: Customer) -> Ticket:
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
    )


@pytest.mark.django_db
def test_a_changed_target_moves_the_due_times_with_the_reason(
    agent: User, team: Team, customer: Customer
) -> None:
    ticket = make(agent, team, customer)
    closed = make(agent, team, customer)
    services.ticket_close(actor=agent, ticket=closed, reason="Duplikat")
    closed.refresh_from_db()
    assert ticket.resolution_due_at == T0 + timedelta(hours=24)  # one office day (540 min)
    target = SlaTarget.objects.get(policy_id=ticket.sla_policy_id, priority=2)
    target.resolution_minutes = 2 * 540
    target.save()

    assert recompute_open_tickets([target.policy_id], "Target diubah.") == 1
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == T0 + timedelta(hours=48)
    event = ticket.events.get(kind="field_changed", field="resolution_due_at")
    assert event.data["reason"] == "Target diubah."
    assert recompute_open_tickets([target.policy_id], "Target diubah.") == 0  # idempotent
    assert Ticket.objects.get(pk=closed.pk).resolution_due_at == closed.resolution_due_at


@pytest.mark.django_db
def test_time_waiting_for_the_customer_stays_off_the_clock(
    agent: User, team: Team, customer: Customer
) -> None:
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        ticket = make(agent, team, customer)
        ticket.created_at = T0
        Ticket.objects.filter(pk=ticket.pk).update(created_at=T0)
        services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
        services.ticket_transition(actor=agent, ticket=ticket, to="waiting_customer")
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):  # two office hours later
        services.message_add(actor=None, ticket=ticket, kind="inbound", body="Ini datanya")
    ticket.refresh_from_db()
    before = ticket.resolution_due_at
    assert before is not None and ticket.status != "waiting_customer"
    target = SlaTarget.objects.get(policy_id=ticket.sla_policy_id, priority=2)
    target.resolution_minutes = 540 + 60
    target.save()
    recompute_open_tickets(None, "Target diubah.")
    ticket.refresh_from_db()
    # one more office hour of target; the two waited hours are still added on top
    assert ticket.resolution_due_at == before + timedelta(hours=1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saving_a_holiday_recomputes_through_the_job_queue(
    agent: User, team: Team, customer: Customer
) -> None:
    ticket = make(agent, team, customer)
    assert ticket.resolution_due_at == T0 + timedelta(hours=24)  # Tuesday 09:00 WIB
    Holiday.objects.create(date=datetime(2026, 3, 3).date(), name="Libur kantor", kind="company")
    ticket.refresh_from_db()  # HUEY is immediate in tests: the job ran on commit
    assert ticket.resolution_due_at == T0 + timedelta(hours=48)  # Wednesday 09:00 WIB
    event = ticket.events.get(kind="field_changed", field="resolution_due_at")
    assert "Libur kantor" in event.data["reason"]


@pytest.mark.django_db
def test_a_category_policy_applies_at_creation_and_when_the_category_changes(
    agent: User, team: Team, customer: Customer
) -> None:
    from sigap.sla.models import BusinessCalendar, SlaPolicy

    policy = SlaPolicy.objects.create(
        name="Sikap petugas",
        position=1,
        categories=["attitudinal"],
        calendar=BusinessCalendar.objects.get(name="24 jam"),
    )
    SlaTarget.objects.create(
        policy=policy,
        priority=2,
        first_response_minutes=10,
        next_response_minutes=30,
        resolution_minutes=120,
    )
    ticket = make(agent, team, customer)  # no category yet: the email policy
    assert ticket.sla_policy_id != policy.pk
    ticket = services.ticket_update(
        actor=agent,
        ticket=ticket,
        version=ticket.version,
        changes={"category": "attitudinal"},
    )
    ticket.refresh_from_db()
    assert ticket.sla_policy_id == policy.pk
    assert ticket.resolution_due_at == T0 + timedelta(minutes=120)
