"""Automations: re-open on the customer's reply, reminders after 48 h of waiting, closing
7 days after resolution, manual and level-2 escalation — each once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.notifications.models import Notification
from sigap.tickets import automations, services
from sigap.tickets.models import Ticket
from sigap.tickets.sweep import sweep
from sigap.tickets.tasks import time_automations

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def resolved(agent: User, ticket: Ticket) -> Ticket:
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Ulang", customer_confirmed=True
    )
    services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
    services.ticket_resolve(actor=agent, ticket=ticket, reason="Sudah dikirim ulang.")
    return fresh(ticket)


def test_a_customer_reply_reopens_a_resolved_ticket(agent: User, ticket: Ticket) -> None:
    ticket = resolved(agent, ticket)
    services.message_add(actor=None, ticket=ticket, kind="inbound", body="Belum sampai juga!")
    ticket = fresh(ticket)
    assert ticket.status == "in_progress" and ticket.resolved_at is None
    reopened = ticket.events.filter(kind="status_changed").last()
    assert reopened is not None and reopened.new_value == "in_progress"
    assert reopened.data == {"reason": "Pelanggan membalas setelah tiket selesai."}


def test_resolved_tickets_close_after_seven_days_once(agent: User, ticket: Ticket) -> None:
    ticket = resolved(agent, ticket)
    assert automations.run(timezone.now() + timedelta(days=6)).closed == 0
    assert automations.run(timezone.now() + timedelta(days=8)).closed == 1
    assert automations.run(timezone.now() + timedelta(days=9)).closed == 0
    ticket = fresh(ticket)
    assert ticket.status == "closed"
    closing = ticket.events.get(new_value="closed")
    assert closing.actor is None and "otomatis" in closing.data["reason"]


def test_waiting_customers_are_reminded_once_per_wait(agent: User, ticket: Ticket) -> None:
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Ulang", customer_confirmed=True
    )
    services.ticket_transition(actor=agent, ticket=ticket, to="waiting_customer")
    later = timezone.now() + timedelta(hours=49)
    assert automations.run(timezone.now() + timedelta(hours=47)).reminded == 0
    assert automations.run(later).reminded == 1
    assert automations.run(later).reminded == 0
    reminder = fresh(ticket).messages.filter(kind="reply", author__isnull=True).get()
    assert "Kak Budi" in reminder.body and ticket.reference in reminder.body
    # a new wait may be reminded again
    services.message_add(actor=None, ticket=ticket, kind="inbound", body="Sebentar ya")
    services.ticket_transition(actor=agent, ticket=fresh(ticket), to="waiting_customer")
    assert automations.run(timezone.now() + timedelta(hours=49)).reminded == 1


def test_the_periodic_job_runs_the_automations(agent: User, ticket: Ticket) -> None:
    resolved(agent, ticket)
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert time_automations.call_local() == {"reminded": 0, "closed": 1}


def test_manual_escalation_needs_a_reason_and_climbs_to_management(
    agent: User, supervisor: User, admin: User, ticket: Ticket
) -> None:
    c = Client()
    c.force_login(agent)
    refused = c.post(f"/tickets/{ticket.pk}/escalate/", {"reason": ""})
    assert refused.status_code == 422 and fresh(ticket).escalation_level == 0
    c.post(f"/tickets/{ticket.pk}/escalate/", {"reason": "Pelanggan mengancam lapor media"})
    assert fresh(ticket).escalation_level == 1
    assert Notification.objects.filter(user=supervisor, kind="escalated").count() == 1
    c.post(f"/tickets/{ticket.pk}/escalate/", {"reason": "Belum ada jawaban supervisor"})
    assert fresh(ticket).escalation_level == 2
    assert Notification.objects.filter(user=admin, kind="escalated").count() == 1
    top = c.post(f"/tickets/{ticket.pk}/escalate/", {"reason": "Lagi"})
    assert top.status_code == 409
    event = fresh(ticket).events.filter(kind="escalated").last()
    assert event is not None and event.data["manual"] is True and event.actor == agent


def test_a_breach_left_open_goes_to_management_after_some_hours(
    agent: User, supervisor: User, admin: User, team: Team, ticket: Ticket
) -> None:
    due = ticket.resolution_due_at
    assert due is not None
    assert sweep(due + timedelta(minutes=1)).breached == 1
    assert sweep(due + timedelta(hours=3)).escalated == 0
    assert sweep(due + timedelta(hours=5)).escalated == 1
    assert sweep(due + timedelta(hours=6)).escalated == 0
    assert fresh(ticket).escalation_level == 2
    assert Notification.objects.filter(user=admin, kind="escalated").count() == 1


def test_a_ticket_from_the_customer_is_acknowledged_with_its_deadlines(
    customer_user: User, customer: object, settings: object
) -> None:
    ticket = services.ticket_create(
        actor=customer_user,
        customer=customer,
        kind="complaint",
        channel="portal",  # type: ignore[arg-type]
        subject="Salah kirim warna",
        description="Saya pesan hitam, datang putih.",
    )
    ack = ticket.messages.get(kind="reply")
    assert ack.author is None
    assert ticket.reference in ack.body and "Kak Budi" in ack.body
    assert "WIB" in ack.body and "paling lambat" in ack.body
    assert fresh(ticket).first_responded_at is None  # not the first response
    assert ticket.events.filter(kind="reply_sent", public=True).count() == 1


def test_no_acknowledgement_for_agent_logged_tickets_or_when_switched_off(
    agent: User, customer: object, settings: object
) -> None:
    logged = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="phone",  # type: ignore[arg-type]
        subject="Telepon",
        description="Menanyakan ongkir.",
    )
    assert not logged.messages.filter(kind="reply").exists()
    settings.SIGAP_AUTO_ACK = False  # type: ignore[attr-defined]
    quiet = services.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="email",  # type: ignore[arg-type]
        subject="Email",
        description="Halo",
    )
    assert not quiet.messages.filter(kind="reply").exists()


def test_the_customer_sees_deadlines_in_their_own_time_zone(
    customer_user: User, customer: object
) -> None:
    customer.time_zone = "Asia/Jayapura"  # type: ignore[attr-defined]
    customer.save()  # type: ignore[attr-defined]
    ticket = services.ticket_create(
        actor=customer_user,
        customer=customer,
        kind="inquiry",
        channel="portal",  # type: ignore[arg-type]
        subject="Jam buka",
        description="Buka jam berapa?",
    )
    assert "WIT" in ticket.messages.get(kind="reply").body
    c = Client()
    c.force_login(customer_user)
    assert "WIT" in c.get(f"/portal/tiket/{ticket.pk}/").content.decode()
    assert "WIT" in c.get("/portal/").content.decode()
