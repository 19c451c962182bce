"""An offered proposal reaches the customer on WhatsApp, Telegram, Facebook/Instagram with
its answer buttons, through the shared send loop; a tapped button decides it as the
customer's answer, once; after a tapped rejection the customer's next message is its
reason; stale, forged and foreign taps change nothing (a replaced proposal's tap offers
the current one)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors import delivery, proposals
from sigap.connectors.models import (
    DeliveryStatus,
    InboundDelivery,
    OutboundDelivery,
    ProposalOffer,
)
from sigap.connectors.tests.conftest import APP_SECRET, BOT_TOKEN, PHONE_NUMBER_ID, Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_meta import FB_COMMENT, meta, post_meta  # noqa: F401 (fixtures)
from sigap.connectors.tests.test_meta import load as meta_load
from sigap.connectors.whatsapp.inbound import sign
from sigap.core import outbox
from sigap.core.errors import TransitionNotAllowed, ValidationFailed
from sigap.core.models import OutboxItem
from sigap.surveys import quickreply as survey_replies
from sigap.tickets import proposal_links, services
from sigap.tickets.models import (
    EventKind,
    Message,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)

pytestmark = pytest.mark.django_db
SEND_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"
BOT = f"/bot{BOT_TOKEN}"
WA_ID = "6281234567890"
PSID = "6745123498765432"
IGSID = "1234567890123456"


def only_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


def confirmed(agent: User, ticket: Ticket, *, severity: str = "sederhana") -> Ticket:
    """The procedure up to "confirmed": recorded, restated, the customer agreed."""
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"severity": severity}
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.status == Status.NEW:
        services.ticket_record(actor=agent, ticket=ticket, facts="Paket belum sampai 7 hari.")
        services.ticket_confirm(
            actor=agent,
            ticket=Ticket.objects.get(pk=ticket.pk),
            restatement="Paket belum sampai.",
            customer_confirmed=True,
        )
    return Ticket.objects.get(pk=ticket.pk)


def propose(agent: User, ticket: Ticket, capture: Any, **kw: Any) -> Proposal:
    with capture(execute=True):
        return services.proposal_create(
            actor=agent,
            ticket=ticket,
            summary=kw.pop("summary", "Kirim ulang paket hari ini dengan kurir kilat."),
            compensation_type=kw.pop("compensation_type", "voucher"),
            compensation_amount=kw.pop("compensation_amount", 50_000),
        )


def button_tap(data: str, wamid: str, *, wa_id: str = WA_ID, title: str = "Terima usulan") -> Any:
    """The documented ``button_reply`` payload with the id of the button tapped."""
    payload = load("whatsapp_button_reply.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = wa_id
    message = value["messages"][0]
    message["id"], message["from"] = wamid, wa_id
    message["interactive"]["button_reply"] = {"id": data, "title": title}
    return payload


def wa_text(body: str, wamid: str) -> Any:
    """The documented text message of the ticket's customer, with another id and text."""
    payload = load("whatsapp_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"], message["text"]["body"] = wamid, body
    return payload


def callback(data: str, update_id: int = 871234502) -> dict[str, Any]:
    payload = load("telegram_callback_query.json")
    payload["update_id"] = update_id
    payload["callback_query"]["data"] = data
    payload["callback_query"]["id"] = f"cb-{update_id}"
    return payload


def sent(api: FakeApi, path: str) -> list[dict[str, Any]]:
    return [r.json() for r in api.to(path)]


@pytest.fixture
def wa_ticket(whatsapp: FakeApi, post_whatsapp: Post, agent: User) -> Ticket:
    post_whatsapp(load("whatsapp_text.json"))
    return confirmed(agent, only_ticket())


@pytest.fixture
def wa_offer(
    wa_ticket: Ticket, agent: User, whatsapp: FakeApi, django_capture_on_commit_callbacks: Any
) -> Proposal:
    return propose(agent, wa_ticket, django_capture_on_commit_callbacks)


def accepted_event(proposal: Proposal) -> TimelineEvent:
    return TimelineEvent.objects.get(ticket=proposal.ticket, kind=EventKind.PROPOSAL_ACCEPTED)


# --- WhatsApp: the offer ------------------------------------------------------------------------


def test_an_offered_proposal_goes_out_on_whatsapp_with_two_signed_buttons(
    wa_offer: Proposal, whatsapp: FakeApi
) -> None:
    (question,) = sent(whatsapp, SEND_PATH)
    assert (question["to"], question["type"]) == (WA_ID, "interactive")
    interactive = question["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": proposals.answer_id(wa_offer.pk, "a"), "title": "Terima usulan"},
        {"id": proposals.answer_id(wa_offer.pk, "r"), "title": "Tolak"},
    ]
    body = interactive["body"]["text"]
    assert "Kirim ulang paket hari ini dengan kurir kilat." in body
    assert "Kompensasi: Voucher belanja Rp" in body and "50.000" in body
    assert wa_offer.ticket.reference in body
    # the offer is the ticket's reply, sent once by the shared loop
    offer = ProposalOffer.objects.get(proposal=wa_offer)
    assert offer.message.kind == "reply" and offer.message.body.startswith("Halo Budi")
    row = OutboundDelivery.objects.get(message=offer.message)
    assert row.status == DeliveryStatus.SENT and row.attempts == 1
    assert delivery.attempt(row.pk) == "skipped"
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert delivery.retry_due() == 0
    assert len(sent(whatsapp, SEND_PATH)) == 1
    assert Ticket.objects.get(pk=wa_offer.ticket_id).status == Status.WAITING_CUSTOMER


def test_a_proposal_waiting_for_approval_is_sent_only_once_approved(
    wa_ticket: Ticket,
    agent: User,
    supervisor: User,
    team: Any,
    whatsapp: FakeApi,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.ticket_transfer(actor=agent, ticket=wa_ticket, team=team, reason="Tim pengiriman")
    ticket = confirmed(agent, Ticket.objects.get(pk=wa_ticket.pk), severity="kompleks")
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    assert proposal.status == ProposalStatus.PENDING_APPROVAL
    assert sent(whatsapp, SEND_PATH) == [] and not ProposalOffer.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_approve(actor=supervisor, proposal=proposal)
    (question,) = sent(whatsapp, SEND_PATH)
    assert question["interactive"]["action"]["buttons"][0]["reply"]["id"] == (
        proposals.answer_id(proposal.pk, "a")
    )


def test_outside_the_24_hour_window_the_offer_is_not_sent_and_a_note_says_so(
    wa_ticket: Ticket, agent: User, whatsapp: FakeApi, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        proposal = propose(agent, wa_ticket, django_capture_on_commit_callbacks)
    assert proposal.status == ProposalStatus.OFFERED  # the offer stands (the portal shows it)
    assert sent(whatsapp, SEND_PATH) == []
    assert not ProposalOffer.objects.exists()
    note = Message.objects.get(ticket=wa_ticket, kind="note")
    assert note.body.startswith("Usulan belum terkirim lewat WhatsApp: Jendela layanan 24 jam")
    assert "catat jawabannya" in note.body


def test_an_apology_goes_out_on_whatsapp_through_the_send_loop(
    wa_ticket: Ticket, agent: User, whatsapp: FakeApi, django_capture_on_commit_callbacks: Any
) -> None:
    parts = {
        "recognition": "Kami memahami paket Anda terlambat seminggu.",
        "responsibility": "Ini kesalahan kami dalam penjadwalan kurir.",
        "remorse": "Kami sungguh menyesal.",
        "restitution": "Kami kirim ulang hari ini.",
        "repetition": "Kami memperbaiki jadwal kurir agar tidak terulang.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        apology = services.apology_create(actor=agent, ticket=wa_ticket, parts=parts)
    (text,) = sent(whatsapp, SEND_PATH)
    assert text["type"] == "text"
    assert text["text"]["body"].startswith("Kami memahami paket Anda terlambat seminggu.")
    assert apology.message is not None
    assert OutboundDelivery.objects.get(message=apology.message).status == DeliveryStatus.SENT


# --- WhatsApp: the answer -----------------------------------------------------------------------


def test_tapping_accept_accepts_the_proposal_as_the_customer_once(
    wa_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    payload = button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.TERIMA1")
    assert post_whatsapp(payload).json()["messages"] == {"proposal": 1}
    wa_offer.refresh_from_db()
    assert wa_offer.status == ProposalStatus.ACCEPTED and wa_offer.answered_at is not None
    event = accepted_event(wa_offer)
    assert event.public and event.data["answered_by"] == "customer"
    assert event.data["via"] == "whatsapp"
    ticket = Ticket.objects.get(pk=wa_offer.ticket_id)
    assert ticket.status == Status.IN_PROGRESS
    assert not Message.objects.filter(
        ticket=ticket, kind="inbound", body__contains="Terima"
    ).exists()
    thanks = sent(whatsapp, SEND_PATH)[-1]
    assert thanks["text"]["body"].startswith("Terima kasih, Anda menerima usulan penyelesaian")
    # the same webhook delivered again: a duplicate, nothing decided or said twice
    assert post_whatsapp(payload).json()["messages"] == {"duplicate": 1}
    assert len(sent(whatsapp, SEND_PATH)) == 2
    assert TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_ACCEPTED).count() == 1
    # a second tap (a new message) on the answered proposal: a polite answer, no change
    again = button_tap(proposals.answer_id(wa_offer.pk, "r"), "wamid.TOLAK-TELAT", title="Tolak")
    assert post_whatsapp(again).json()["messages"] == {"proposal_stale": 1}
    wa_offer.refresh_from_db()
    assert wa_offer.status == ProposalStatus.ACCEPTED
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == (
        "Jawaban Anda atas usulan ini sudah kami catat sebelumnya (diterima)."
    )


def test_tapping_reject_rejects_it_and_asks_for_the_reason(
    wa_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post, agent: User
) -> None:
    payload = button_tap(proposals.answer_id(wa_offer.pk, "r"), "wamid.TOLAK1", title="Tolak")
    assert post_whatsapp(payload).json()["messages"] == {"proposal": 1}
    wa_offer.refresh_from_db()
    assert wa_offer.status == ProposalStatus.REJECTED
    assert wa_offer.rejection_reason == "Pelanggan menolak tanpa menyebutkan alasan."
    assert "Boleh kami tahu alasannya?" in sent(whatsapp, SEND_PATH)[-1]["text"]["body"]
    assert Ticket.objects.get(pk=wa_offer.ticket_id).status == Status.IN_PROGRESS
    # the customer's next message is the reason: on the ticket as their message, and on
    # the proposal (and its timeline) as the rejection's reason, once
    why = "Voucher saja tidak cukup, saya mau uang kembali."
    reason = wa_text(why, "wamid.ALASAN1")
    assert post_whatsapp(reason).json()["messages"] == {"accepted": 1}
    wa_offer.refresh_from_db()
    assert wa_offer.rejection_reason == why
    assert Message.objects.filter(ticket=wa_offer.ticket, kind="inbound", body=why).count() == 1
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_REASON)
    assert (event.data["reason"], event.data["via"], event.public) == (why, "whatsapp", True)
    assert ProposalOffer.objects.get(proposal=wa_offer).reason_message.body == why
    # the same webhook again: a duplicate; a later message is only a message
    assert post_whatsapp(reason).json()["messages"] == {"duplicate": 1}
    post_whatsapp(wa_text("Kapan ada kabar?", "wamid.LAIN1"))
    wa_offer.refresh_from_db()
    assert wa_offer.rejection_reason == why
    assert TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_REASON).count() == 1
    # the agent sees it on the ticket: the proposal's reason and the timeline entry
    browser = Client()
    browser.force_login(agent)
    page = browser.get(f"/tickets/{wa_offer.ticket_id}/").content.decode()
    assert f"Alasan penolakan: {why}" in page
    assert "Alasan penolakan dari pelanggan" in page


def test_a_message_long_after_the_rejection_is_not_taken_as_its_reason(
    wa_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    post_whatsapp(button_tap(proposals.answer_id(wa_offer.pk, "r"), "wamid.TOLAK2", title="Tolak"))
    with time_machine.travel(timezone.now() + proposals.REASON_WINDOW + timedelta(minutes=5)):
        post_whatsapp(wa_text("Halo, ada kabar?", "wamid.TELAT1"))
    wa_offer.refresh_from_db()
    assert wa_offer.rejection_reason == "Pelanggan menolak tanpa menyebutkan alasan."
    assert not TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_REASON).exists()


def test_a_reason_is_added_once_and_never_over_one_already_given(wa_offer: Proposal) -> None:
    services.proposal_answer(proposal=wa_offer, accepted=False, via="whatsapp", reason="Mahal")
    with pytest.raises(TransitionNotAllowed):
        services.proposal_reason_add(proposal=wa_offer, reason="Lain", via="whatsapp")
    with pytest.raises(ValidationFailed):
        services.proposal_reason_add(proposal=wa_offer, reason="  ", via="whatsapp")
    assert Proposal.objects.get(pk=wa_offer.pk).rejection_reason == "Mahal"


def test_a_tap_on_a_withdrawn_proposal_changes_nothing_and_says_so(
    wa_offer: Proposal, agent: User, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    services.proposal_withdraw(actor=agent, proposal=wa_offer, reason="Salah nominal")
    payload = button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.BASI")
    assert post_whatsapp(payload).json()["messages"] == {"proposal_stale": 1}
    wa_offer.refresh_from_db()
    assert wa_offer.status == ProposalStatus.WITHDRAWN
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == (
        "Usulan ini sudah tidak berlaku. Petugas kami menariknya dan sedang menyiapkan "
        "usulan baru; kami akan segera menghubungi Anda."
    )


def test_a_tap_on_a_replaced_proposal_offers_the_current_one(
    wa_offer: Proposal,
    agent: User,
    whatsapp: FakeApi,
    post_whatsapp: Post,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.proposal_withdraw(actor=agent, proposal=wa_offer, reason="Salah nominal")
    ticket = Ticket.objects.get(pk=wa_offer.ticket_id)
    newer = propose(
        agent, ticket, django_capture_on_commit_callbacks, summary="Uang kembali penuh hari ini."
    )
    offers = len(sent(whatsapp, SEND_PATH))
    stale = button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.LAMA")
    assert post_whatsapp(stale).json()["messages"] == {"proposal_stale": 1}
    assert Proposal.objects.get(pk=wa_offer.pk).status == ProposalStatus.WITHDRAWN
    assert Proposal.objects.get(pk=newer.pk).status == ProposalStatus.OFFERED
    (notice,) = sent(whatsapp, SEND_PATH)[offers:]
    body = notice["interactive"]["body"]["text"]
    assert body.startswith("Usulan ini sudah tidak berlaku. Petugas kami menggantinya")
    assert "Uang kembali penuh hari ini." in body
    ids = [b["reply"]["id"] for b in notice["interactive"]["action"]["buttons"]]
    assert ids == [proposals.answer_id(newer.pk, "a"), proposals.answer_id(newer.pk, "r")]
    # its buttons answer the current proposal
    assert post_whatsapp(button_tap(ids[0], "wamid.BARU")).json()["messages"] == {"proposal": 1}
    assert Proposal.objects.get(pk=newer.pk).status == ProposalStatus.ACCEPTED


def test_a_forged_or_foreign_tap_decides_nothing(
    wa_offer: Proposal, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    forged = proposals.answer_id(wa_offer.pk, "a")[:-1] + "0"
    if forged == proposals.answer_id(wa_offer.pk, "a"):
        forged = forged[:-1] + "1"
    assert post_whatsapp(button_tap(forged, "wamid.PALSU")).json()["messages"] == {
        "proposal_refused": 1
    }
    stranger = button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.ORANGLAIN", wa_id="628999")
    assert post_whatsapp(stranger).json()["messages"] == {"proposal_refused": 1}
    wa_offer.refresh_from_db()
    assert wa_offer.status == ProposalStatus.OFFERED
    assert len(sent(whatsapp, SEND_PATH)) == 1  # only the offer: nothing said to a stranger
    assert InboundDelivery.objects.filter(error__contains="refused").count() == 2


def test_the_answer_to_the_customer_survives_a_lost_job(
    wa_offer: Proposal, whatsapp: FakeApi, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The thank-you is an outbox row written with the decision: if the job queued at the
    commit is lost (a kill -9), the sweep sends it, once."""
    body = json.dumps(button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.HILANG")).encode()
    with django_capture_on_commit_callbacks(execute=False):  # the callbacks die with it
        client.post(
            "/hooks/whatsapp/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
        )
    wa_offer.refresh_from_db()
    assert wa_offer.status == ProposalStatus.ACCEPTED  # decided with the tap
    item = OutboxItem.objects.get(name=proposals.FOLLOW_UP)
    assert item.args["what"] == "accepted" and item.done_at is None
    assert len(sent(whatsapp, SEND_PATH)) == 1  # only the offer so far
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    assert len(sent(whatsapp, SEND_PATH)) == 2
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"].startswith("Terima kasih, Anda menerima")


# --- Telegram -----------------------------------------------------------------------------------


def test_telegram_gets_an_inline_keyboard_and_a_button_press_accepts(
    telegram: FakeApi, post_telegram: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_telegram(load("telegram_text.json"))
    ticket = confirmed(agent, only_ticket())
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    (offer,) = sent(telegram, f"{BOT}/sendMessage")
    assert offer["chat_id"] == "123456789"
    assert offer["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Terima usulan", "callback_data": proposals.answer_id(proposal.pk, "a")}],
            [{"text": "Tolak", "callback_data": proposals.answer_id(proposal.pk, "r")}],
        ]
    }
    assert all(
        len(b[0]["callback_data"].encode()) <= 64 for b in offer["reply_markup"]["inline_keyboard"]
    )
    response = post_telegram(callback(proposals.answer_id(proposal.pk, "a")))
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert accepted_event(proposal).data["via"] == "telegram"
    (ack,) = sent(telegram, f"{BOT}/answerCallbackQuery")
    assert ack["callback_query_id"] == "cb-871234502"
    # Telegram retries the same update: nothing twice
    post_telegram(callback(proposals.answer_id(proposal.pk, "a")))
    assert len(sent(telegram, f"{BOT}/answerCallbackQuery")) == 1
    assert TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_ACCEPTED).count() == 1


def test_a_telegram_rejection_gets_its_reason_from_the_next_message(
    telegram: FakeApi, post_telegram: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_telegram(load("telegram_text.json"))
    ticket = confirmed(agent, only_ticket())
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    post_telegram(callback(proposals.answer_id(proposal.pk, "r")))
    (ack,) = sent(telegram, f"{BOT}/answerCallbackQuery")
    assert "Boleh kami tahu alasannya?" in ack["text"]
    assert "Boleh kami tahu alasannya?" in sent(telegram, f"{BOT}/sendMessage")[-1]["text"]
    reason = load("telegram_text.json")
    reason["update_id"], reason["message"]["message_id"] = 871234599, 77
    reason["message"]["text"] = "Saya perlu dananya kembali minggu ini."
    post_telegram(reason)
    post_telegram(reason)  # Telegram retries the update: nothing twice
    proposal.refresh_from_db()
    assert proposal.rejection_reason == "Saya perlu dananya kembali minggu ini."
    (event,) = TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_REASON)
    assert event.data["via"] == "telegram"


# --- Facebook / Instagram: quick replies ----------------------------------------------------------


def meta_tap(name: str, data: str, mid: str) -> dict[str, Any]:
    """A documented quick-reply message (``message.quick_reply.payload``)."""
    payload = meta_load(name)
    message = payload["entry"][0]["messaging"][0]["message"]
    message["mid"], message["quick_reply"]["payload"] = mid, data
    return payload


def test_messenger_gets_the_offer_with_quick_replies_and_a_tap_accepts(
    meta: FakeApi,  # noqa: F811
    post_meta: Post,  # noqa: F811
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post_meta(meta_load("meta_messenger_text.json"))
    ticket = confirmed(agent, only_ticket())
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    (offer,) = [r.json() for r in meta.to("/me/messages")]
    assert offer["recipient"] == {"id": PSID} and offer["messaging_type"] == "RESPONSE"
    assert "Kirim ulang paket hari ini" in offer["message"]["text"]
    assert "/portal/usulan/jawab/" not in offer["message"]["text"]
    assert offer["message"]["quick_replies"] == [
        {
            "content_type": "text",
            "title": "Terima usulan",
            "payload": proposals.answer_id(proposal.pk, "a"),
        },
        {
            "content_type": "text",
            "title": "Tolak",
            "payload": proposals.answer_id(proposal.pk, "r"),
        },
    ]
    tap = meta_tap(
        "meta_messenger_quick_reply.json", offer["message"]["quick_replies"][0]["payload"], "m_TAP1"
    )
    assert post_meta(tap).json()["messages"] == {"proposal": 1}
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert accepted_event(proposal).data["via"] == "facebook"
    assert not Message.objects.filter(ticket=ticket, kind="inbound", body="Terima usulan").exists()
    thanks = [r.json() for r in meta.to("/me/messages")][-1]
    assert thanks["recipient"] == {"id": PSID}
    assert thanks["message"]["text"].startswith("Terima kasih, Anda menerima usulan")
    # Meta delivers the same webhook again: a duplicate, nothing decided or said twice
    assert post_meta(tap).json()["messages"] == {"duplicate": 1}
    assert len(meta.to("/me/messages")) == 2
    # a forged payload decides nothing
    forged = meta_tap("meta_messenger_quick_reply.json", "prp:1:a:0000000000000000", "m_PALSU")
    assert post_meta(forged).json()["messages"] == {"proposal_refused": 1}


def test_instagram_reject_by_quick_reply_then_the_reason_message(
    meta: FakeApi,  # noqa: F811
    post_meta: Post,  # noqa: F811
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post_meta(meta_load("meta_instagram_text.json"))
    ticket = confirmed(agent, only_ticket())
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    (offer,) = [r.json() for r in meta.to("/me/messages")]
    assert offer["recipient"] == {"id": IGSID}
    reject = offer["message"]["quick_replies"][1]
    assert reject["title"] == "Tolak"
    tap = meta_tap("meta_instagram_quick_reply.json", reject["payload"], "ig_TAP_TOLAK")
    assert post_meta(tap).json()["messages"] == {"proposal": 1}
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    asked = [r.json() for r in meta.to("/me/messages")][-1]
    assert asked["recipient"] == {"id": IGSID}
    assert "Boleh kami tahu alasannya?" in asked["message"]["text"]
    why = meta_load("meta_instagram_text.json")
    message = why["entry"][0]["messaging"][0]["message"]
    message["mid"], message["text"] = "ig_ALASAN", "Ukurannya salah, saya mau tukar saja."
    assert post_meta(why).json()["messages"] == {"accepted": 1}
    proposal.refresh_from_db()
    assert proposal.rejection_reason == "Ukurannya salah, saya mau tukar saja."
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_REASON)
    assert event.data["via"] == "instagram"
    # direct messages on Instagram answer taps; the resolution survey stays on email/portal
    assert survey_replies.channel_for(Ticket.objects.get(pk=ticket.pk)) is None


def test_an_offer_answering_a_public_comment_carries_the_answer_links(
    meta: FakeApi,  # noqa: F811
    post_meta: Post,  # noqa: F811
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A comment's private reply is one text message: the offer goes with its links."""
    post_meta(meta_load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_555"})
    ticket = confirmed(agent, only_ticket())
    proposal = propose(agent, ticket, django_capture_on_commit_callbacks)
    private = [r.json() for r in meta.to("/me/messages")][-1]
    assert "comment_id" in private["recipient"] and "quick_replies" not in private["message"]
    links = re.findall(
        r"/portal/usulan/jawab/(\S+)/\?jawab=(terima|tolak)", private["message"]["text"]
    )
    assert [answer for _token, answer in links] == ["terima", "tolak"]
    target = proposal_links.LinkTarget(proposal.pk, proposal.ticket_id)
    assert all(proposal_links.read_token(token) == target for token, _answer in links)


def test_an_offer_whose_send_job_was_lost_is_sent_once_by_the_sweep(
    wa_ticket: Ticket, agent: User, whatsapp: FakeApi, django_capture_on_commit_callbacks: Any
) -> None:
    """The offer's delivery row (with its buttons) is written in the offer's transaction:
    when the process dies before the send job is queued, the periodic loop sends it."""
    with django_capture_on_commit_callbacks(execute=False):  # the callbacks die with it
        proposal = services.proposal_create(
            actor=agent, ticket=wa_ticket, summary="Kirim ulang paket.", compensation_type="none"
        )
    row = OutboundDelivery.objects.get(message=ProposalOffer.objects.get(proposal=proposal).message)
    assert row.status == DeliveryStatus.PENDING and row.quick_reply["type"] == "interactive"
    assert sent(whatsapp, SEND_PATH) == []
    assert delivery.retry_due() == 1
    assert delivery.retry_due() == 0
    (question,) = sent(whatsapp, SEND_PATH)
    assert question["interactive"]["action"]["buttons"][1]["reply"]["id"] == (
        proposals.answer_id(proposal.pk, "r")
    )


def test_the_replies_to_taps_are_the_texts_edited_on_the_settings_page(
    wa_offer: Proposal, admin: User, agent: User, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    from sigap.accounts import message_templates as mt

    for key, body in [
        ("proposal_rejected", "Kenapa ditolak, {nomor_tiket}?"),
        ("proposal_answered", "Sudah dijawab: {status_usulan}."),
        ("proposal_stale", "Basi. {keadaan_kini}"),
    ]:
        mt.message_template_save(
            actor=admin, key=key, language="id", brand=None, subject="", body=body
        )
    ticket = Ticket.objects.get(pk=wa_offer.ticket_id)
    reject = button_tap(proposals.answer_id(wa_offer.pk, "r"), "wamid.T1", title="Tolak")
    assert post_whatsapp(reject).json()["messages"] == {"proposal": 1}
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == f"Kenapa ditolak, {ticket.reference}?"
    again = button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.T2")
    post_whatsapp(again)
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == "Sudah dijawab: ditolak."
    # reset: the default again
    assert mt.message_template_reset(
        actor=admin, key="proposal_answered", language="id", brand=None
    )
    post_whatsapp(button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.T3"))
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == (
        "Jawaban Anda atas usulan ini sudah kami catat sebelumnya (ditolak)."
    )


def test_the_withdrawn_notice_is_the_edited_text(
    wa_offer: Proposal, admin: User, agent: User, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    from sigap.accounts import message_templates as mt

    mt.message_template_save(
        actor=admin,
        key="proposal_stale",
        language="id",
        brand=None,
        subject="",
        body="Maaf, usulan {nomor_tiket} ditarik. {keadaan_kini}",
    )
    services.proposal_withdraw(actor=agent, proposal=wa_offer, reason="Salah nominal")
    post_whatsapp(button_tap(proposals.answer_id(wa_offer.pk, "a"), "wamid.BASI2"))
    ref = Ticket.objects.get(pk=wa_offer.ticket_id).reference
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == (
        f"Maaf, usulan {ref} ditarik. Petugas kami menariknya dan sedang menyiapkan "
        "usulan baru; kami akan segera menghubungi Anda."
    )
