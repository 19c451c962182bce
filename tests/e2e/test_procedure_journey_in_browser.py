"""Issue 15's whole journey, as its people live it, in real browsers on one live server:

1. a caller Sigap does not know: the agent opens a phone ticket from "Tiket baru" with
   her mobile number. She never wrote to the business on WhatsApp, and Meta lets a
   business write free text to a number only within 24 hours of that number's last
   message: outside that window only an approved template may go, so the WhatsApp channel
   has its approved proposal template (``WhatsAppTemplate.for_proposals``,
   docs/whatsapp.md);
2. (nothing: she does not write first);
3. the agent records, confirms, apologises, classifies the case *kompleks* and proposes a
   voucher above the approval threshold (the built-in rule: kompleks, or >= Rp 250.000);
4. the supervisor asks for changes with a note; the agent changes the proposal and
   resubmits it; the supervisor approves;
5. the phone ticket cannot carry the offer, so it goes to her follow-up channel
   (``connectors.proposals.follow_up_route``): WhatsApp (a fake Graph API on loopback),
   as the approved template, whose two quick-reply buttons carry the signed answer ids,
   to her number; the ticket says where it went;
6. her tap on the template's button comes back through the webhook (``type: button``)
   and accepts the phone ticket's proposal; the agent's page shows it live, the agent
   records the voucher given and resolves the ticket."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sigap.accounts.models import Team, User
from sigap.connectors import proposals
from sigap.connectors.models import OutboundDelivery, WhatsAppTemplate
from sigap.connectors.tests.conftest import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.whatsapp.inbound import sign
from sigap.customers.models import Customer
from sigap.tickets.models import Proposal, ProposalStatus, Ticket
from tests.e2e.test_approvals_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WA_ID = "6281377776655"  # the caller's number, as WhatsApp names it
SEND_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph_api(settings: Any) -> Iterator[FakeApi]:
    """WhatsApp set up against a fake Graph API (as ``connectors.tests``' ``whatsapp``)."""
    api = FakeApi().start()
    settings.SIGAP_WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.SIGAP_WHATSAPP_APP_SECRET = APP_SECRET
    settings.SIGAP_WHATSAPP_ACCESS_TOKEN = "EAAG-token-uji"
    settings.SIGAP_WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.SIGAP_WHATSAPP_API_BASE = f"{api.base_url}/v21.0"
    WhatsAppTemplate.objects.create(  # as in docs/whatsapp.md, approved by Meta
        name="usulan_penyelesaian",
        language="id",
        body=(
            "Halo {{1}}, berikut usulan penyelesaian kami untuk tiket {{2}}: {{3}} "
            "Kompensasi: {{4}}. Apakah Anda menerima usulan ini?"
        ),
        approved=True,
        for_proposals=True,
    )
    yield api
    api.stop()


def meta_posts(server: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What Meta does: POST the event to the webhook, signed with the app secret."""
    body = json.dumps(payload).encode()
    response = httpx.post(
        f"{server}/hooks/whatsapp/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def from_caller(payload: dict[str, Any], wamid: str) -> dict[str, Any]:
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0] = {"profile": {"name": "Wati"}, "wa_id": WA_ID}
    value["messages"][0].update({"from": WA_ID, "id": wamid})
    return payload


def test_a_phone_complaint_resolved_through_approval_and_a_whatsapp_tap(
    server: str,
    browser: Any,
    artifacts: Path,
    graph_api: FakeApi,
    agent: User,
    supervisor: User,
    team: Team,
) -> None:
    # --- 1. the call: a phone ticket for someone new ------------------------------------
    worker_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    a = worker_ctx.new_page()
    sign_in(a, server, "rina.agen", "rahasia-agen")
    a.goto(f"{server}/tickets/new/")
    a.keyboard.type("0813 7777 6655")
    a.wait_for_selector("#no-customer")
    a.get_by_role("button", name="Pakai sebagai nomor pelanggan baru").click()
    a.locator("#id_new-name").fill("Wati Lestari")
    assert a.locator("#id_channel").input_value() == "phone"
    assert a.locator("#id_kind").input_value() == "complaint"
    a.locator("#id_subject").fill("Kompor baru tidak menyala")
    a.locator("#id_description").fill("Kompor yang dipasang kemarin tidak mau menyala sama sekali.")
    a.locator("#id_assign_me").check()
    a.get_by_role("button", name="Buat tiket").click()
    a.wait_for_url(re.compile(r"/tickets/\d+/$"))
    phone = Ticket.objects.get()
    a.screenshot(path=str(artifacts / "journey-1-phone-ticket.png"), full_page=True)
    assert (phone.channel, phone.kind, phone.assignee_id) == ("phone", "complaint", agent.pk)
    assert phone.team_id == team.pk  # her team: its supervisor approves

    # --- 2. she never writes on WhatsApp: nothing comes in before the offer ---------------
    wati = Customer.objects.get()
    assert wati.contacts.get().value == f"+{WA_ID}"

    # --- 3. the procedure, the classification and a proposal that needs approval ---------
    a.locator("#record-facts").fill("Kompor dipasang 5 Des; tidak menyala, pemantik berbunyi.")
    a.locator("#form-record button[type=submit]").click()
    a.wait_for_selector("text=Fakta dan kronologi dicatat.")
    a.locator("#confirm-restatement").fill("Kompor baru Kakak tidak menyala sejak dipasang.")
    a.locator("#confirm-customer_confirmed").check()
    a.locator("#form-confirm button[type=submit]").click()
    a.wait_for_selector("text=Konfirmasi dicatat.")
    a.wait_for_selector("#apology[open][data-current-step]")
    a.locator("#form-apology button[type=submit]").click()
    a.wait_for_selector("text=Permintaan maaf terkirim.")
    a.locator("#classify-severity").select_option("kompleks")
    a.locator("#form-classify button[type=submit]").click()
    a.wait_for_selector("text=Klasifikasi disimpan.")
    a.wait_for_selector("#proposal[open][data-current-step]")
    a.locator("#proposal-summary").fill("Kami ganti kompornya dengan unit baru dan voucher.")
    a.locator("#proposal-compensation_type").select_option("voucher")
    a.locator("#proposal-compensation_amount").fill("500000")
    a.locator("#form-proposal button[type=submit]").click()
    a.wait_for_selector("text=Usulan dibuat dan menunggu persetujuan supervisor.")
    proposal = Proposal.objects.get(ticket=phone)
    reason = a.locator(f"[data-proposal='{proposal.pk}'] [data-approval-reason]").inner_text()
    assert "tingkat keluhan kompleks" in reason and "Rp 250.000" in reason
    a.screenshot(path=str(artifacts / "journey-2-pending-approval.png"), full_page=True)

    # --- 4. the supervisor asks for changes; the agent resubmits; the supervisor approves -
    boss_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    boss = boss_ctx.new_page()
    sign_in(boss, server, "sari.spv", "rahasia-spv")
    boss.goto(f"{server}/approvals/")
    card = boss.locator(f"article[data-proposal='{proposal.pk}']")
    card.locator(f"#note-{proposal.pk}").fill("Cukup voucher Rp 300.000 bersama unit baru.")
    card.get_by_role("button", name="Minta perubahan").click()
    boss.wait_for_selector("text=Usulan dikembalikan ke agen untuk diubah.")

    a.reload()
    note = a.locator(f"[data-proposal='{proposal.pk}'] [data-review-note]")
    assert "voucher Rp 300.000" in note.inner_text()
    a.locator("#resubmit-summary").fill("Kami ganti kompornya dengan unit baru, plus voucher.")
    a.locator("#resubmit-compensation_amount").fill("300000")
    a.locator("#form-resubmit button[type=submit]").click()
    a.wait_for_selector("text=Usulan diajukan ulang ke supervisor.")

    boss.goto(f"{server}/approvals/")
    card = boss.locator(f"article[data-proposal='{proposal.pk}']")
    assert "Rp 300.000" in card.locator("[data-amount]").inner_text()
    boss.screenshot(path=str(artifacts / "journey-3-approvals.png"), full_page=True)
    card.get_by_role("button", name="Setujui dan tawarkan").click()
    boss.wait_for_selector("text=Usulan disetujui dan ditawarkan ke pelanggan.")
    boss_ctx.close()

    # --- 5. the offer on WhatsApp: the approved template with its two quick replies ------
    (offer,) = [r.json() for r in graph_api.to(SEND_PATH)]  # nothing else went to her
    assert (offer["to"], offer["type"]) == (WA_ID, "template")
    template = offer["template"]
    assert (template["name"], template["language"]) == ("usulan_penyelesaian", {"code": "id"})
    body, *buttons = template["components"]
    values = [p["text"] for p in body["parameters"]]
    assert values == [
        "Wati",
        phone.reference,
        "Kami ganti kompornya dengan unit baru, plus voucher.",
        "Voucher belanja Rp 300.000",
    ]
    accept, reject = proposals.answer_id(proposal.pk, "a"), proposals.answer_id(proposal.pk, "r")
    assert buttons == [
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": str(index),
            "parameters": [{"type": "payload", "payload": payload}],
        }
        for index, payload in enumerate([accept, reject])
    ]

    # --- 6. her tap comes back; the agent sees it live, gives the voucher, resolves ------
    a.reload()
    via = a.locator(f"[data-proposal='{proposal.pk}'] [data-offered-via]").inner_text()
    assert via == f"Usulan dikirim lewat WhatsApp ke +{WA_ID}"
    a.wait_for_selector(f"text=Usulan dikirim lewat WhatsApp ke +{WA_ID}; pelanggan dapat")
    a.screenshot(path=str(artifacts / "journey-4-offered-on-whatsapp.png"), full_page=True)
    a.wait_for_selector("body[data-live-connected='1']", state="attached", timeout=10_000)
    offered = OutboundDelivery.objects.get(message__proposal_offer__proposal=proposal)
    tap = from_caller(load("whatsapp_template_button.json"), "wamid.WATI-TERIMA")
    tapped = tap["entry"][0]["changes"][0]["value"]["messages"][0]
    tapped["context"]["id"] = offered.provider_id  # the template message the button was on
    tapped["button"] = {"payload": accept, "text": "Terima usulan"}
    assert meta_posts(server, tap)["messages"] == {"proposal": 1}
    a.wait_for_selector(
        f"[data-proposal='{proposal.pk}'] [data-proposal-status]:has-text('Diterima')"
    )
    thanks = graph_api.to(SEND_PATH)[-1].json()  # her tap opened the window: free text
    assert (thanks["to"], thanks["type"]) == (WA_ID, "text")
    assert thanks["text"]["body"].startswith("Terima kasih, Anda menerima usulan penyelesaian")

    a.locator(f"#fulfil-{proposal.pk}-reference").fill("VCR-WATI-300")
    a.locator("#form-fulfil button[type=submit]").click()
    a.wait_for_selector("text=Kompensasi dicatat diberikan.")
    assert a.locator("#status-to").input_value() == "resolved"
    a.locator("#form-status button[type=submit]").click()
    a.wait_for_selector("text=Status diubah.")
    assert a.locator(".ticket-head [data-status]").get_attribute("data-status") == "resolved"
    assert a.locator(".ticket-head [data-status]").inner_text() == "Selesai"
    a.screenshot(path=str(artifacts / "journey-5-resolved.png"), full_page=True)
    worker_ctx.close()

    proposal.refresh_from_db()
    assert (proposal.status, proposal.compensation_amount, proposal.approved_by_id) == (
        ProposalStatus.ACCEPTED,
        300_000,
        supervisor.pk,
    )
    assert (proposal.compensation_given, proposal.compensation_reference) == (True, "VCR-WATI-300")
    phone.refresh_from_db()
    assert (phone.channel, phone.status, phone.assignee_id) == ("phone", "resolved", agent.pk)
    assert Ticket.objects.count() == 1  # her tap decided the proposal; no ticket of its own
