"""What Sigap writes on a ticket on someone's behalf is said in the language of whoever
reads it, not of whoever's request wrote it: a staff member reading Sigap in English who
applies a macro or merges tickets leaves the customer's text in the customer's language
and the timeline's reasons in the business's default language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import CannedResponse, Message, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db


def reading_english(user: User) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def deadline_in(language: str, ticket: Ticket) -> str:
    assert ticket.resolution_due_at is not None
    with translation.override(language):
        return date_format(timezone.localtime(ticket.resolution_due_at), "j F Y, H:i")


@pytest.fixture
def working(agent: User, team: Team, customer: Customer) -> Ticket:
    t = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Cara retur barang",
        description="Bagaimana cara retur?",
        team=team,
    )
    return services.ticket_transition(actor=agent, ticket=t, to="in_progress")


@pytest.mark.parametrize("customer_language", ["", "en"])
def test_a_macro_applied_by_an_agent_reading_english(
    agent: User, working: Ticket, customer: Customer, customer_language: str
) -> None:
    Customer.objects.filter(pk=customer.pk).update(preferred_language=customer_language)
    macro = CannedResponse.objects.create(
        title="Minta nomor resi",
        body="Halo {nama_depan}, kami selesaikan paling lambat {tenggat}.",
        set_status="waiting_customer",
    )
    response = reading_english(agent).post(
        f"/tickets/{working.pk}/macro/", {"macro": macro.pk, "kind": "reply"}
    )
    assert response.status_code == 302
    reply = Message.objects.get(ticket=working, kind="reply")
    spoken = customer_language or settings.LANGUAGE_CODE
    assert reply.body == (
        f"Halo Budi, kami selesaikan paling lambat {deadline_in(spoken, working)}."
    )
    assert deadline_in("id", working) != deadline_in("en", working)  # the test can tell
    status_event = TimelineEvent.objects.filter(ticket=working, kind="status_changed").last()
    assert status_event is not None and status_event.actor == agent
    assert status_event.data["reason"] == "Makro “Minta nomor resi”."


def test_a_merge_by_an_agent_reading_english_keeps_the_reasons_in_the_default_language(
    agent: User, team: Team, customer: Customer, ticket: Ticket
) -> None:
    inquiry = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject="Cara lacak paket?",
        description="Bagaimana melacak paket?",
        team=team,
        assignee=agent,
    )
    with translation.override("en"):  # the agent's request
        services.ticket_merge(actor=agent, source=ticket, target=inquiry)
    change = TimelineEvent.objects.get(ticket=inquiry, field="kind")
    assert change.data["reason"] == f"Keluhan {ticket.reference} digabung ke tiket ini."
    merged = TimelineEvent.objects.filter(ticket=ticket, data__reason__startswith="Digabung ke")
    assert [e.data["reason"] for e in merged] == [f"Digabung ke {inquiry.reference}."]
