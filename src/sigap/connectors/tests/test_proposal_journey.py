"""End to end without a browser: a customer writes on WhatsApp about their complaint;
the agent works the procedure on the ticket page and offers a proposal; the (fake,
loopback) Graph API receives an interactive message with two buttons; Meta's webhook
brings the customer's button reply in the documented payload shape; the proposal is
accepted as the customer's answer and the ticket moves on: back to work, then resolved
under the procedure's rule (a complaint resolves on an accepted proposal, no reason
needed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors.tests.conftest import PHONE_NUMBER_ID, Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.tickets.models import EventKind, Proposal, ProposalStatus, Status, Ticket

pytestmark = pytest.mark.django_db
SEND_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"


def test_a_whatsapp_customer_accepts_a_proposal_with_one_tap(
    whatsapp: FakeApi,
    post_whatsapp: Post,
    agent: User,
    ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # the complaint (opened by the agent) and the customer writing on WhatsApp about it:
    # found by their phone number, the message lands on it and opens the 24-hour window
    assert post_whatsapp(load("whatsapp_text.json")).json()["messages"] == {"accepted": 1}
    assert ticket.messages.filter(kind="inbound", external_id__startswith="wamid.").count() == 1
    browser = Client()
    browser.force_login(agent)
    base = f"/tickets/{ticket.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            browser.post(f"{base}/record/", {"facts": "Paket belum sampai 7 hari."}).status_code
            == 302
        )
        confirm = {"restatement": "Paket Anda belum sampai.", "customer_confirmed": "on"}
        assert browser.post(f"{base}/confirm/", confirm).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        offered = browser.post(
            f"{base}/proposal/",
            {
                "summary": "Kami kirim ulang paket hari ini dengan kurir kilat.",
                "compensation_type": "voucher",
                "compensation_amount": "50000",
            },
        )
    assert offered.status_code == 302
    proposal = Proposal.objects.get(ticket=ticket)
    assert proposal.status == ProposalStatus.OFFERED

    # the Graph API got one interactive message with two reply buttons
    (request,) = whatsapp.to(SEND_PATH)
    message = request.json()
    assert (message["to"], message["type"]) == ("6281234567890", "interactive")
    assert message["interactive"]["type"] == "button"
    buttons = [b["reply"] for b in message["interactive"]["action"]["buttons"]]
    assert [b["title"] for b in buttons] == ["Terima usulan", "Tolak"]
    assert "Kami kirim ulang paket hari ini" in message["interactive"]["body"]["text"]

    # Meta's webhook: the customer tapped "Terima usulan" (interactive.button_reply)
    tap = load("whatsapp_button_reply.json")
    value = tap["entry"][0]["changes"][0]["value"]
    value["messages"][0]["id"] = "wamid.JAWABAN-TERIMA"
    value["messages"][0]["context"]["id"] = "wamid.FAKE1"  # the offer the button was on
    value["messages"][0]["interactive"]["button_reply"] = buttons[0]
    assert post_whatsapp(tap).json()["messages"] == {"proposal": 1}

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    page = browser.get(f"{base}/").content.decode()
    assert "Usulan diterima" in page and "Lewat: WhatsApp" in page
    # the customer is thanked on WhatsApp
    assert (
        whatsapp.to(SEND_PATH)[-1]
        .json()["text"]["body"]
        .startswith("Terima kasih, Anda menerima usulan penyelesaian")
    )

    # the procedure's rule: an accepted proposal resolves a complaint without a reason
    with django_capture_on_commit_callbacks(execute=True):
        resolved = browser.post(f"{base}/status/", {"to": "resolved", "reason": ""})
    assert resolved.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    last = ticket.events.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    assert (last.old_value, last.new_value, last.data.get("reason", "")) == (
        "in_progress",
        "resolved",
        "",
    )
