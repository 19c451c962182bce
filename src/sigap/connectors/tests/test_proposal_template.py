"""A caller who never wrote on WhatsApp gets a phone ticket's offer there all the same when
an approved proposal template is configured (Meta lets a business send only a template
outside the 24-hour window): the template with the proposal's four values and two
quick-reply buttons carrying the signed answer ids; her tap on one comes back as a
``type: button`` message and decides the proposal under the rules of any tap. The admin
sets the template up on the WhatsApp templates page, which checks it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors import proposals
from sigap.connectors.models import OutboundDelivery, ProposalOffer, WhatsAppTemplate
from sigap.connectors.tests.conftest import Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_proposal_follow_up import notes, spoken_ticket
from sigap.connectors.tests.test_proposal_offers import SEND_PATH, WA_ID, propose, sent
from sigap.connectors.whatsapp import outbound
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import EventKind, Proposal, ProposalStatus, TimelineEvent
from sigap.tickets.timeline import compensation_text

pytestmark = pytest.mark.django_db

BODY = (
    "Halo {{1}}, berikut usulan penyelesaian kami untuk tiket {{2}}: {{3}} "
    "Kompensasi: {{4}}. Apakah Anda menerima usulan ini?"
)


def proposal_template(*, approved: bool = True) -> WhatsAppTemplate:
    return WhatsAppTemplate.objects.create(
        name="usulan_penyelesaian", language="id", body=BODY, approved=approved, for_proposals=True
    )


def template_tap(data: str, wamid: str, *, wa_id: str = WA_ID, text: str = "Terima usulan") -> Any:
    """The documented ``type: button`` message of a tapped template quick-reply button."""
    payload = load("whatsapp_template_button.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = wa_id
    message = value["messages"][0]
    message["id"], message["from"] = wamid, wa_id
    message["button"] = {"payload": data, "text": text}
    return payload


@pytest.fixture
def template_offer(
    whatsapp: FakeApi, agent: User, customer: Customer, django_capture_on_commit_callbacks: Any
) -> Proposal:
    """Budi called; he never wrote on WhatsApp; the proposal template is approved."""
    proposal_template()
    return propose(agent, spoken_ticket(agent, customer), django_capture_on_commit_callbacks)


def test_outside_the_window_the_offer_goes_as_the_approved_template(
    template_offer: Proposal, whatsapp: FakeApi
) -> None:
    proposal, ticket = template_offer, template_offer.ticket
    accept, reject = proposals.answer_id(proposal.pk, "a"), proposals.answer_id(proposal.pk, "r")
    (message,) = sent(whatsapp, SEND_PATH)
    offered = OutboundDelivery.objects.get(message__proposal_offer__proposal=proposal)
    assert message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "biz_opaque_callback_data": f"sigap:{offered.pk}:0",
        "type": "template",
        "template": {
            "name": "usulan_penyelesaian",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Budi"},
                        {"type": "text", "text": ticket.reference},
                        {"type": "text", "text": "Kirim ulang paket hari ini dengan kurir kilat."},
                        {"type": "text", "text": compensation_text("voucher", 50_000)},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": accept}],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "1",
                    "parameters": [{"type": "payload", "payload": reject}],
                },
            ],
        },
    }
    offer = ProposalOffer.objects.get(proposal=proposal)
    assert (offer.channel, offer.recipient) == ("whatsapp", WA_ID)
    assert offer.message.body.startswith(
        f"Halo Budi, berikut usulan penyelesaian kami untuk tiket {ticket.reference}: Kirim ulang"
    )
    assert offered.status == "sent"
    (note,) = notes(ticket)
    assert note.startswith(f"Usulan dikirim lewat WhatsApp ke +{WA_ID}; pelanggan dapat")
    assert "templat pesan yang disetujui" in note
    assert len(mail.outbox) == 0


def test_a_template_not_yet_approved_leaves_the_email_fallback(
    whatsapp: FakeApi, agent: User, customer: Customer, django_capture_on_commit_callbacks: Any
) -> None:
    proposal_template(approved=False)
    proposal = propose(agent, spoken_ticket(agent, customer), django_capture_on_commit_callbacks)
    assert sent(whatsapp, SEND_PATH) == []
    (email,) = mail.outbox
    assert email.to == ["budi@contoh.id"]
    offer = ProposalOffer.objects.get(proposal=proposal)
    assert (offer.channel, offer.recipient) == ("email", "budi@contoh.id")


def test_the_template_values_are_one_line_each_and_never_empty(
    template_offer: Proposal,
) -> None:
    proposal = template_offer
    proposal.summary = "Ganti unit.\n\n\tDiantar   besok    pagi." + " x" * 400
    proposal.compensation_type = "none"
    proposal.ticket.customer.name = ""
    name, reference, summary, compensation = proposals.template_values(proposal)
    assert (name, reference, compensation) == ("Pelanggan", proposal.ticket.reference, "tidak ada")
    assert summary.startswith("Ganti unit. Diantar besok pagi. x x")
    assert len(summary) == proposals.TEMPLATE_SUMMARY_LIMIT and summary.endswith("…")


def test_a_tap_on_the_templates_accept_button_decides_once_and_opens_the_window(
    template_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    ticket = template_offer.ticket
    assert not outbound.window_open(ticket)
    tap = template_tap(proposals.answer_id(template_offer.pk, "a"), "wamid.TEMPLAT-TERIMA")
    assert post_whatsapp(tap).json()["messages"] == {"proposal": 1}
    template_offer.refresh_from_db()
    assert template_offer.status == ProposalStatus.ACCEPTED
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_ACCEPTED)
    assert (event.ticket_id, event.data["via"]) == (ticket.pk, "whatsapp")
    thanks = sent(whatsapp, SEND_PATH)[-1]
    assert (thanks["to"], thanks["type"]) == (WA_ID, "text")
    assert thanks["text"]["body"].startswith("Terima kasih, Anda menerima usulan penyelesaian")
    assert outbound.window_open(ticket)  # her tap is a message: free text may go now
    said = len(sent(whatsapp, SEND_PATH))
    assert post_whatsapp(tap).json()["messages"] == {"duplicate": 1}
    again = template_tap(proposals.answer_id(template_offer.pk, "r"), "wamid.TEMPLAT-LAGI")
    assert post_whatsapp(again).json()["messages"] == {"proposal_stale": 1}
    assert TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_ACCEPTED).count() == 1
    assert not TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_REJECTED).exists()
    assert len(sent(whatsapp, SEND_PATH)) == said + 1  # "already answered", not twice thanks
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"].startswith("Jawaban Anda atas usulan")


def test_a_tap_on_the_templates_reject_button_asks_why(
    template_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    tap = template_tap(
        proposals.answer_id(template_offer.pk, "r"), "wamid.TEMPLAT-TOLAK", text="Tolak"
    )
    assert post_whatsapp(tap).json()["messages"] == {"proposal": 1}
    template_offer.refresh_from_db()
    assert template_offer.status == ProposalStatus.REJECTED
    asked = sent(whatsapp, SEND_PATH)[-1]
    assert asked["type"] == "text" and "Boleh kami tahu alasannya?" in asked["text"]["body"]
    assert ProposalOffer.objects.get(proposal=template_offer).reason_asked_at is not None


def test_a_template_tap_from_another_number_is_refused(
    template_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    tap = template_tap(
        proposals.answer_id(template_offer.pk, "a"), "wamid.ORANG-LAIN", wa_id="6285700001111"
    )
    assert post_whatsapp(tap).json()["messages"] == {"proposal_refused": 1}
    template_offer.refresh_from_db()
    assert template_offer.status == ProposalStatus.OFFERED
    assert len(sent(whatsapp, SEND_PATH)) == 1  # the template only: nothing said to a stranger


def test_a_forged_template_payload_is_refused(
    template_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    forged = proposals.answer_id(template_offer.pk, "a")[:-4] + "AAAA"
    assert post_whatsapp(template_tap(forged, "wamid.PALSU")).json()["messages"] == {
        "proposal_refused": 1
    }
    template_offer.refresh_from_db()
    assert template_offer.status == ProposalStatus.OFFERED


def test_a_template_tap_on_a_withdrawn_offer_decides_nothing(
    template_offer: Proposal, agent: User, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    services.proposal_withdraw(actor=agent, proposal=template_offer, reason="Salah nominal")
    tap = template_tap(proposals.answer_id(template_offer.pk, "a"), "wamid.TEMPLAT-BASI")
    assert post_whatsapp(tap).json()["messages"] == {"proposal_stale": 1}
    template_offer.refresh_from_db()
    assert template_offer.status == ProposalStatus.WITHDRAWN
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"].startswith("Usulan ini sudah tidak")


def test_an_ordinary_template_button_is_filed_as_the_customers_message(
    whatsapp: FakeApi, post_whatsapp: Post, customer: Customer
) -> None:
    assert post_whatsapp(load("whatsapp_template_button.json")).json()["messages"] == {
        "accepted": 1
    }
    assert customer.tickets.get().messages.get().body == "[Tombol] Sudah diterima"


# --- the setup: the WhatsApp templates page of the admin ----------------------------------------

ADD = "/admin/sigap_channels/whatsapptemplate/add/"


@pytest.fixture
def admin_client(admin: User, client: Client) -> Client:
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def form(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "usulan_penyelesaian",
        "language": "id",
        "body": BODY,
        "approved": "on",
        "for_proposals": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"name": "Usulan Penyelesaian"}, "name", "hanya huruf kecil, angka, dan garis bawah"),
        ({"language": "Indonesia"}, "language", "Kode bahasa seperti id, en, atau en_US."),
        ({"body": "Halo {{1}}, usulan untuk tiket {{2}}: {{3}}"}, "body", "tepat parameter"),
        ({"body": BODY + " {{5}}"}, "body", "tepat parameter {{1}} sampai {{4}}"),
    ],
)
def test_the_setup_form_refuses_a_bad_proposal_template(
    admin_client: Client, changes: dict[str, Any], field: str, error: str
) -> None:
    response = admin_client.post(ADD, form(**changes))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert error in " ".join(errors[field])
    assert not WhatsAppTemplate.objects.exists()


def test_the_setup_form_keeps_one_proposal_template(admin_client: Client) -> None:
    assert admin_client.post(ADD, form()).status_code == 302
    saved = WhatsAppTemplate.objects.get()
    assert (saved.name, saved.language, saved.for_proposals) == ("usulan_penyelesaian", "id", True)
    assert outbound.proposal_template() == saved
    response = admin_client.post(ADD, form(name="usulan_kedua"))
    assert response.status_code == 200
    assert "Sudah ada templat usulan penyelesaian lain." in response.content.decode()
    assert WhatsAppTemplate.objects.count() == 1
    # another template, not for proposals, needs no particular parameters
    other = form(name="sapaan", body="Halo {{1}}", for_proposals=None)
    assert admin_client.post(ADD, other).status_code == 302
    assert WhatsAppTemplate.objects.filter(name="sapaan", for_proposals=False).exists()
