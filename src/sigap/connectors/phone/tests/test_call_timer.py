"""The agent's call timer: start and finish on the ticket and customer pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sigap.accounts.models import Team, User
from sigap.connectors.phone import services
from sigap.connectors.phone.models import Call, Outcome
from sigap.core.errors import Conflict, PermissionDenied, ValidationFailed
from sigap.customers.models import Customer
from sigap.tickets.models import EventKind, Ticket, TimelineEvent
from sigap.web.tests.pages import ticket_html

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
JSON = {"HTTP_ACCEPT": "application/json"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _call_events(ticket: Ticket) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(ticket=ticket, kind=EventKind.CALL_LOGGED))


def test_it_times_the_call_on_the_server_and_logs_it_to_the_timeline(
    agent: User, ticket: Ticket
) -> None:
    client = _client(agent)
    with time_machine.travel(T0, tick=False):
        started = client.post(
            reverse("calls:start"), {"ticket": ticket.pk, "direction": "outbound"}, **JSON
        )
    assert started.status_code == 201
    body = started.json()
    assert body["started_at"] == T0.isoformat()
    assert body["finish_url"] == reverse("calls:finish", args=[body["id"]])
    with time_machine.travel(T0 + timedelta(minutes=4, seconds=5), tick=False):
        finished = client.post(
            body["finish_url"],
            {"outcome": "resolved", "notes": "Paket dikirim ulang besok.", "seconds": "9999"},
            **JSON,
        )
    assert finished.status_code == 200
    call = Call.objects.get(pk=body["id"])
    assert (call.started_at, call.answered_at, call.ended_at) == (
        T0,
        T0,
        T0 + timedelta(minutes=4, seconds=5),
    )
    assert call.duration == 245
    assert (call.outcome, call.notes, call.agent, call.customer_id, call.direction) == (
        "resolved",
        "Paket dikirim ulang besok.",
        agent,
        ticket.customer_id,
        "outbound",
    )
    [event] = _call_events(ticket)
    assert event.actor == agent
    assert event.public is False
    assert event.created_at == T0 + timedelta(minutes=4, seconds=5)
    assert event.data == {
        "call_id": call.pk,
        "direction": "outbound",
        "outcome": "resolved",
        "duration_seconds": 245,
        "handle_seconds": 245,
        "notes": "Paket dikirim ulang besok.",
    }


def test_a_transfer_moves_the_ticket_to_the_department_with_the_reason(
    agent: User, ticket: Ticket, other_team: Team
) -> None:
    call = services.call_start(
        actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound"
    )
    response = _client(agent).post(
        reverse("calls:finish", args=[call.pk]),
        {"outcome": "transferred", "team": other_team.pk, "reason": "Soal pembayaran ganda."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:ticket", args=[ticket.pk]) + "#calls"
    ticket.refresh_from_db()
    assert ticket.team == other_team
    assert ticket.assignee is None  # the agent is not a member of Pembayaran
    team_event = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.TEAM_CHANGED)
    assert team_event.data == {"reason": "Soal pembayaran ganda."}
    call.refresh_from_db()
    assert (call.outcome, call.transferred_to_team) == ("transferred", other_team)
    [event] = _call_events(ticket)
    assert event.data["transferred_to_team_id"] == other_team.pk


def test_a_transfer_needs_a_department_and_changes_nothing_without_one(
    agent: User, ticket: Ticket
) -> None:
    call = services.call_start(
        actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound"
    )
    response = _client(agent).post(
        reverse("calls:finish", args=[call.pk]), {"outcome": "transferred"}, **JSON
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"team": ["Wajib dipilih."]}
    call.refresh_from_db()
    assert (call.ended_at, call.outcome) == (None, "")
    assert _call_events(ticket) == []


def test_a_call_not_answered_has_no_handling_time(agent: User, ticket: Ticket) -> None:
    with time_machine.travel(T0, tick=False):
        call = services.call_start(
            actor=agent, customer=ticket.customer, ticket=ticket, direction="outbound"
        )
    with time_machine.travel(T0 + timedelta(seconds=40), tick=False):
        services.call_finish(actor=agent, call=call, outcome=Outcome.NO_ANSWER)
    call.refresh_from_db()
    assert (call.answered_at, call.duration) == (None, 0)
    [event] = _call_events(ticket)
    assert "handle_seconds" not in event.data
    assert event.data["outcome"] == "no_answer"


def test_it_refuses_a_second_open_call(agent: User, ticket: Ticket) -> None:
    services.call_start(actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound")
    response = _client(agent).post(
        reverse("calls:start"), {"ticket": ticket.pk, "direction": "inbound"}, **JSON
    )
    assert response.status_code == 409
    assert Call.objects.count() == 1


def test_it_refuses_to_finish_twice(agent: User, ticket: Ticket) -> None:
    call = services.call_start(
        actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound"
    )
    services.call_finish(actor=agent, call=call, outcome="resolved")
    with pytest.raises(Conflict):
        services.call_finish(actor=agent, call=call, outcome="callback")
    assert len(_call_events(ticket)) == 1


def test_another_agent_cannot_finish_my_call(
    agent: User, ticket: Ticket, team: Team, db: None
) -> None:
    from sigap.accounts.services import user_create

    colleague = user_create(username="tono.agen", password="x-rahasia-1", role="agent")
    team.members.add(colleague)
    call = services.call_start(
        actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound"
    )
    with pytest.raises(PermissionDenied):
        services.call_finish(actor=colleague, call=call, outcome="resolved")
    call.refresh_from_db()
    assert call.ended_at is None


def test_an_agent_who_cannot_see_the_ticket_gets_404(
    outsider_agent: User, ticket: Ticket, other_team: Team
) -> None:
    client = _client(outsider_agent)
    response = client.post(reverse("calls:start"), {"ticket": ticket.pk, "direction": "inbound"})
    assert response.status_code == 404
    assert Call.objects.count() == 0


def test_an_outsider_cannot_finish_a_call_on_a_ticket_they_cannot_see(
    agent: User, outsider_agent: User, ticket: Ticket, other_team: Team
) -> None:
    call = services.call_start(
        actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound"
    )
    response = _client(outsider_agent).post(
        reverse("calls:finish", args=[call.pk]), {"outcome": "resolved"}
    )
    assert response.status_code == 404
    call.refresh_from_db()
    assert call.ended_at is None


def test_a_customer_cannot_use_the_timer(customer_user: User, ticket: Ticket) -> None:
    response = _client(customer_user).post(
        reverse("calls:start"), {"ticket": ticket.pk, "direction": "inbound"}
    )
    assert response.status_code == 302
    assert Call.objects.count() == 0


def test_a_call_from_the_customer_page_has_no_ticket_and_no_timeline_event(
    agent: User, customer: Customer
) -> None:
    client = _client(agent)
    started = client.post(
        reverse("calls:start"), {"customer": customer.pk, "direction": "outbound"}
    )
    assert started.status_code == 302
    assert started["Location"] == reverse("web:customer", args=[customer.pk]) + "#calls"
    call = Call.objects.get()
    assert (call.ticket, call.customer) == (None, customer)
    services.call_finish(actor=agent, call=call, outcome="callback", notes="Minta dihubungi sore.")
    assert TimelineEvent.objects.filter(kind=EventKind.CALL_LOGGED).count() == 0
    page = client.get(reverse("web:customer", args=[customer.pk])).content.decode()
    # the call panel loads after the page's first paint
    assert reverse("web:customer_calls", args=[customer.pk]) in page
    assert "Mulai panggilan" not in page
    panel = client.get(reverse("web:customer_calls", args=[customer.pk]))
    assert panel.status_code == 200
    assert "Minta dihubungi sore." in panel.content.decode()
    assert "Mulai panggilan" in panel.content.decode()


def test_the_customer_pages_call_panel_keeps_the_tickets_access_rules(
    agent: User, customer_user: User, ticket: Ticket, outsider_agent: User, other_team: Team
) -> None:
    """A call on a ticket the agent may not see is left out, as in the customer's stream;
    a call on no ticket is shown to every staff member who may see the customer."""
    services.call_start(actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound")
    on_ticket = Call.objects.get()
    services.call_finish(actor=agent, call=on_ticket, outcome="resolved", notes="Soal tiket tim.")
    loose = services.call_start(actor=agent, customer=ticket.customer, direction="outbound")
    services.call_finish(actor=agent, call=loose, outcome="callback", notes="Tanpa tiket.")
    url = reverse("web:customer_calls", args=[ticket.customer_id])
    assert _client(customer_user).get(url).status_code in (302, 403)
    theirs = _client(outsider_agent).get(url).content.decode()
    assert "Tanpa tiket." in theirs and "Soal tiket tim." not in theirs
    mine = _client(agent).get(url).content.decode()
    assert "Tanpa tiket." in mine and "Soal tiket tim." in mine


def test_a_transfer_from_a_call_without_a_ticket_is_refused(
    agent: User, customer: Customer, other_team: Team
) -> None:
    call = services.call_start(actor=agent, customer=customer, direction="inbound")
    with pytest.raises(ValidationFailed):
        services.call_finish(actor=agent, call=call, outcome="transferred", team=other_team)


def test_the_ticket_page_shows_the_timer_while_a_call_runs(agent: User, ticket: Ticket) -> None:
    client = _client(agent)
    page = ticket_html(client, ticket.pk)  # the call panel is in the side column
    assert "Mulai panggilan" in page
    assert "calls/calls.js" in page
    with time_machine.travel(T0, tick=False):
        services.call_start(
            actor=agent, customer=ticket.customer, ticket=ticket, direction="inbound"
        )
    page = ticket_html(client, ticket.pk)
    assert 'data-call-timer data-started-at="2026-03-02T09:00:00+07:00"' in page
    assert "Mulai panggilan" not in page
    call = Call.objects.get()
    services.call_finish(actor=agent, call=call, outcome="resolved", notes="Alamat diperbarui.")
    page = ticket_html(client, ticket.pk)
    assert "Mulai panggilan" in page
    assert "Alamat diperbarui." in page  # the call history
    assert "Panggilan telepon" in page  # the timeline entry
