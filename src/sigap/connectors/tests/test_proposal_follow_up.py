"""A proposal offered on a phone or walk-in ticket goes to the customer's written
follow-up channel (WhatsApp when it may write to them now, else email, else nothing but a
note), the ticket says where, and a tap on its buttons decides it: only from the number
it went to, once, and not after the proposal was withdrawn."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from sigap.accounts.models import User
from sigap.connectors import proposals, registry
from sigap.connectors.models import ProposalOffer
from sigap.connectors.tests.conftest import Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_proposal_offers import (
    SEND_PATH,
    WA_ID,
    button_tap,
    confirmed,
    propose,
    sent,
)
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services
from sigap.tickets.models import EventKind, Message, Proposal, ProposalStatus, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db


def spoken_ticket(agent: User, customer: Customer, channel: str = "phone") -> Ticket:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel=channel,
        subject="Kompor baru tidak menyala",
        description="Pelanggan menelepon: kompor yang dipasang kemarin tidak menyala.",
        assignee=agent,
    )
    return confirmed(agent, ticket)


@pytest.fixture
def window_open(whatsapp: FakeApi, post_whatsapp: Post, customer: Customer) -> None:
    """Budi wrote to the business number a moment ago (WhatsApp lets us write back)."""
    post_whatsapp(load("whatsapp_text.json"))
    assert Customer.objects.count() == 1  # found by his number


def notes(ticket: Ticket) -> list[str]:
    return list(Message.objects.filter(ticket=ticket, kind="note").values_list("body", flat=True))


@pytest.mark.parametrize("channel", ["phone", "walkin"])
def test_a_phone_or_walk_in_offer_goes_out_on_whatsapp_and_the_ticket_says_where(
    window_open: None,
    agent: User,
    customer: Customer,
    whatsapp: FakeApi,
    django_capture_on_commit_callbacks: Any,
    channel: str,
) -> None:
    assert registry.follows_up(channel) and not registry.follows_up("portal")
    ticket = spoken_ticket(agent, customer, channel)
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    (question,) = [m for m in sent(whatsapp, SEND_PATH) if m["type"] == "interactive"]
    assert question["to"] == WA_ID
    ids = [b["reply"]["id"] for b in question["interactive"]["action"]["buttons"]]
    assert ids == [proposals.answer_id(proposal.pk, "a"), proposals.answer_id(proposal.pk, "r")]
    offer = ProposalOffer.objects.get(proposal=proposal)
    assert (offer.channel, offer.recipient) == ("whatsapp", WA_ID)
    assert (offer.message.ticket_id, offer.message.channel) == (ticket.pk, "whatsapp")
    assert f"Usulan dikirim lewat WhatsApp ke +{WA_ID}; pelanggan dapat menjawab di sana." in (
        notes(ticket)
    )
    assert proposals.routes_for([proposal.pk]) == {proposal.pk: ("WhatsApp", f"+{WA_ID}")}
    assert len(mail.outbox) == 0


def test_the_ticket_page_shows_where_the_offer_went(
    phone_offer: Proposal, agent: User, client: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(agent)
    with django_assert_max_num_queries(60):
        page = client.get(f"/tickets/{phone_offer.ticket_id}/").content.decode()
    assert f"Usulan dikirim lewat WhatsApp ke +{WA_ID}" in page
    assert "data-offered-via" in page


def test_without_whatsapp_now_the_offer_goes_by_email_with_its_links(
    whatsapp: FakeApi, agent: User, customer: Customer, django_capture_on_commit_callbacks: Any
) -> None:
    # WhatsApp is set up and Budi has a number, but he never wrote to it: no free-form
    # message may go there (Meta's 24-hour rule), so his email address is used
    ticket = spoken_ticket(agent, customer)
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    assert sent(whatsapp, SEND_PATH) == []
    (email,) = mail.outbox
    assert email.to == ["budi@contoh.id"]
    assert "/portal/usulan/jawab/" in email.body and "?jawab=terima" in email.body
    offer = ProposalOffer.objects.get(proposal=proposal)
    assert (offer.channel, offer.recipient) == ("email", "budi@contoh.id")
    assert "Usulan dikirim lewat Email ke budi@contoh.id; pelanggan dapat menjawab di sana." in (
        notes(ticket)
    )


def test_with_no_written_channel_nothing_is_sent_and_a_note_says_why(
    whatsapp: FakeApi, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    caller = customer_create(name="Wati", contacts=[ContactIn("phone", "0813-7777-6655")])
    ticket = spoken_ticket(agent, caller)
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    assert proposal.status == ProposalStatus.OFFERED  # the agent records her answer
    assert sent(whatsapp, SEND_PATH) == [] and len(mail.outbox) == 0
    assert not ProposalOffer.objects.exists()
    (note,) = notes(ticket)
    assert note.startswith("Usulan tidak dikirim tertulis (WhatsApp: di luar jendela layanan")
    assert "Email: " in note and "catat jawabannya" in note


@pytest.fixture
def phone_offer(
    window_open: None,
    agent: User,
    customer: Customer,
    whatsapp: FakeApi,
    django_capture_on_commit_callbacks: Any,
) -> Proposal:
    return propose(agent, spoken_ticket(agent, customer), django_capture_on_commit_callbacks)


def test_the_tap_from_the_number_it_went_to_decides_the_phone_ticket_once(
    phone_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    payload = button_tap(proposals.answer_id(phone_offer.pk, "a"), "wamid.TELP-TERIMA")
    assert post_whatsapp(payload).json()["messages"] == {"proposal": 1}
    phone_offer.refresh_from_db()
    assert phone_offer.status == ProposalStatus.ACCEPTED
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_ACCEPTED)
    assert (event.ticket_id, event.data["via"]) == (phone_offer.ticket_id, "whatsapp")
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"].startswith("Terima kasih, Anda menerima")
    said = len(sent(whatsapp, SEND_PATH))
    assert post_whatsapp(payload).json()["messages"] == {"duplicate": 1}
    assert len(sent(whatsapp, SEND_PATH)) == said
    assert TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_ACCEPTED).count() == 1


def test_a_tap_from_another_number_even_the_customers_own_is_refused(
    phone_offer: Proposal, customer: Customer, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    CustomerContact.objects.create(customer=customer, kind="whatsapp", value="+6285711112222")
    for number, wamid in (("6285711112222", "wamid.NOMOR-LAIN"), ("628999", "wamid.ORANG")):
        tap = button_tap(proposals.answer_id(phone_offer.pk, "a"), wamid, wa_id=number)
        assert post_whatsapp(tap).json()["messages"] == {"proposal_refused": 1}
    phone_offer.refresh_from_db()
    assert phone_offer.status == ProposalStatus.OFFERED
    assert not [m for m in sent(whatsapp, SEND_PATH) if m["type"] == "text"]


def test_a_tap_on_a_withdrawn_phone_offer_decides_nothing(
    phone_offer: Proposal, agent: User, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    services.proposal_withdraw(actor=agent, proposal=phone_offer, reason="Salah nominal")
    tap = button_tap(proposals.answer_id(phone_offer.pk, "a"), "wamid.TELP-BASI")
    assert post_whatsapp(tap).json()["messages"] == {"proposal_stale": 1}
    phone_offer.refresh_from_db()
    assert phone_offer.status == ProposalStatus.WITHDRAWN
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"].startswith("Usulan ini sudah tidak")


def test_after_a_rejection_her_reason_lands_on_the_phone_ticket(
    phone_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    # her hello's WhatsApp ticket is done; the phone ticket is the one she answers
    Ticket.objects.filter(channel="whatsapp").update(status="closed")
    tap = button_tap(proposals.answer_id(phone_offer.pk, "r"), "wamid.TELP-TOLAK", title="Tolak")
    assert post_whatsapp(tap).json()["messages"] == {"proposal": 1}
    assert "Boleh kami tahu alasannya?" in sent(whatsapp, SEND_PATH)[-1]["text"]["body"]
    reason = load("whatsapp_text.json")
    message = reason["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"], message["text"]["body"] = "wamid.ALASAN", "Saya mau uang kembali saja."
    post_whatsapp(reason)
    said = Message.objects.get(body="Saya mau uang kembali saja.")
    assert (said.ticket_id, said.channel) == (phone_offer.ticket_id, "whatsapp")
    assert said.kind == "inbound"
    assert Ticket.objects.filter(channel="whatsapp").exclude(status="closed").count() == 0
