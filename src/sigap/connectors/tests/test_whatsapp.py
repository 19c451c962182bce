"""WhatsApp Business Platform (Cloud API): webhooks in, replies out through a fake Graph
API on loopback, the 24-hour window and templates."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors import delivery
from sigap.connectors.models import (
    DeliveryStatus,
    InboundDelivery,
    InboundStatus,
    MediaState,
    OutboundDelivery,
    WhatsAppTemplate,
)
from sigap.connectors.tests.conftest import PHONE_NUMBER_ID, VERIFY_TOKEN, Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.whatsapp.outbound import recipient_for, template_send
from sigap.core.errors import Conflict, ValidationFailed
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.django_db
WAMID = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjAxMDAwMQA="
SEND_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"
GRAPH_ERROR_400 = {
    "error": {
        "message": "(#131030) Recipient phone number not in allowed list",
        "type": "OAuthException",
        "code": 131030,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Recipient phone number not in allowed list: Add recipient phone number "
            "to recipient list and try again.",
        },
        "fbtrace_id": "AbCdEf123",
    }
}


def only_ticket() -> Ticket:
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 1
    return tickets[0]


def reply(agent: User, ticket: Ticket, body: str, capture: Any, **kw: Any) -> Message:
    with capture(execute=True):
        return services.message_add(actor=agent, ticket=ticket, kind="reply", body=body, **kw)


# --- the handshake and the signature ------------------------------------------------------


def test_verification_handshake_echoes_the_challenge(whatsapp: FakeApi, client: Client) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = client.get("/hooks/whatsapp/", params)
    assert (response.status_code, response.content) == (200, b"1158201444")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_handshake_refuses_a_wrong_token_or_mode(
    whatsapp: FakeApi, client: Client, params: dict[str, str]
) -> None:
    assert client.get("/hooks/whatsapp/", params).status_code == 403


@pytest.mark.parametrize(
    "signature",
    # the last: a non-ASCII header, which ``hmac.compare_digest`` refuses to compare as text
    ["", "sha256=" + "0" * 64, "md5=abc", pytest.param("sha256=" + "\u00e9" * 64, id="non-ascii")],
)
def test_it_refuses_a_missing_or_bad_signature_and_logs_it(
    whatsapp: FakeApi, post_whatsapp: Post, caplog: pytest.LogCaptureFixture, signature: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="sigap.connectors.views"):
        response = post_whatsapp(load("whatsapp_text.json"), signature=signature)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert "X-Hub-Signature-256" in caplog.text
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


def test_a_signature_of_another_body_is_refused(whatsapp: FakeApi, post_whatsapp: Post) -> None:
    from sigap.connectors.tests.conftest import APP_SECRET
    from sigap.connectors.whatsapp.inbound import sign

    payload = load("whatsapp_text.json")
    other = sign(json.dumps(payload).encode() + b" ", APP_SECRET)
    assert post_whatsapp(payload, signature=other).status_code == 403


# --- inbound messages ----------------------------------------------------------------------


def test_a_first_message_opens_a_ticket_for_a_new_customer(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    response = post_whatsapp(load("whatsapp_text.json"))
    assert response.status_code == 200
    assert response.json() == {"messages": {"accepted": 1}, "statuses": 0, "failed": []}
    ticket = only_ticket()
    assert (ticket.channel, ticket.kind, ticket.status) == ("whatsapp", "inquiry", "new")
    assert ticket.subject == "Halo kak, paket saya BLJ-2026-104233 belum sampai."
    customer = ticket.customer
    assert customer.name == "Budi Santoso"
    assert sorted(customer.contacts.values_list("kind", "value", "is_primary")) == [
        ("phone", "+6281234567890", False),
        ("whatsapp", "+6281234567890", True),
    ]
    message = ticket.messages.get()
    assert (message.kind, message.channel, message.external_id) == ("inbound", "whatsapp", WAMID)
    row = InboundDelivery.objects.get()
    assert (row.provider, row.external_id, row.address, row.status, row.message_id) == (
        "whatsapp",
        WAMID,
        "6281234567890",
        InboundStatus.FILED,
        message.pk,
    )
    assert row.payload["message"]["text"]["body"].startswith("Halo kak")


def from_number(wa_id: str) -> dict[str, Any]:
    payload = load("whatsapp_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = wa_id
    return payload


@pytest.mark.parametrize(
    ("wa_id", "contacts"),
    [
        # valid in the metadata of phonenumbers 9.0.43, invalid in some older ones
        pytest.param(
            "16315551234",
            [("phone", "+16315551234", False), ("whatsapp", "+16315551234", True)],
            id="us-631-555",
        ),
        # area code 555 is not assigned: possible, not valid; no phone contact for it
        pytest.param("15551234567", [("whatsapp", "+15551234567", True)], id="us-555-area"),
        # too short for any plan: kept as WhatsApp gave it
        pytest.param("123456", [("whatsapp", "123456", True)], id="too-short"),
    ],
)
def test_a_number_the_phone_library_calls_invalid_is_filed_and_answered(
    whatsapp: FakeApi,
    post_whatsapp: Post,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    wa_id: str,
    contacts: list[tuple[str, str, bool]],
) -> None:
    """WhatsApp vouches for its wa_id: our numbering-plan metadata does not get to drop
    the customer's message."""
    response = post_whatsapp(from_number(wa_id))

    assert response.json() == {"messages": {"accepted": 1}, "statuses": 0, "failed": []}
    assert InboundDelivery.objects.get().status == InboundStatus.FILED
    ticket = only_ticket()
    assert sorted(ticket.customer.contacts.values_list("kind", "value", "is_primary")) == contacts
    message = reply(agent, ticket, "Baik Kak, kami cek.", django_capture_on_commit_callbacks)
    (sent,) = whatsapp.to("/messages")
    assert sent.json()["to"] == wa_id
    assert OutboundDelivery.objects.get(message=message).status == DeliveryStatus.SENT
    InboundDelivery.objects.update(address="")  # the conversation's address forgotten:
    assert recipient_for(ticket) == wa_id  # the contact still says where to write

    # the next message from the number finds the same customer and ticket
    second = from_number(wa_id)
    second["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.KEDUA"
    assert post_whatsapp(second).json()["messages"] == {"accepted": 1}
    assert only_ticket().messages.filter(kind="inbound").count() == 2


def test_the_same_delivery_twice_is_stored_once(whatsapp: FakeApi, post_whatsapp: Post) -> None:
    payload = load("whatsapp_text.json")
    first, second = post_whatsapp(payload), post_whatsapp(payload)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["messages"] == {"duplicate": 1}
    assert (Ticket.objects.count(), Message.objects.count(), InboundDelivery.objects.count()) == (
        1,
        1,
        1,
    )


def test_a_second_message_threads_onto_the_open_ticket(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    follow_up = load("whatsapp_text.json")
    msg = follow_up["entry"][0]["changes"][0]["value"]["messages"][0]
    msg["id"], msg["text"]["body"] = "wamid.KEDUA", "Sudah 7 hari kak"
    assert post_whatsapp(follow_up).json()["messages"] == {"accepted": 1}
    ticket = only_ticket()
    assert list(ticket.messages.values_list("body", flat=True)) == [
        "Halo kak, paket saya BLJ-2026-104233 belum sampai.",
        "Sudah 7 hari kak",
    ]


def test_a_message_on_a_resolved_ticket_reopens_it_and_a_closed_one_opens_a_new_ticket(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
    services.ticket_resolve(actor=agent, ticket=ticket)
    again = load("whatsapp_text.json")
    again["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.LAGI"
    assert post_whatsapp(again).json()["messages"] == {"accepted": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    services.ticket_close(actor=agent, ticket=ticket, reason="Selesai lewat telepon")
    later = load("whatsapp_text.json")
    later["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.BARU"
    assert post_whatsapp(later).json()["messages"] == {"accepted": 1}
    assert Ticket.objects.filter(customer=ticket.customer).count() == 2


def test_the_customer_who_called_before_is_found_by_phone_and_keeps_their_history(
    whatsapp: FakeApi, post_whatsapp: Post, customer: Customer, ticket: Ticket
) -> None:
    """The fixture customer has phone 0812-3456-7890 (no WhatsApp contact yet)."""
    assert post_whatsapp(load("whatsapp_text.json")).status_code == 200
    assert Customer.objects.count() == 1  # nobody new
    filed = Message.objects.get(external_id=WAMID)
    assert filed.ticket.customer_id == customer.pk
    assert filed.ticket_id == ticket.pk  # the open WhatsApp ticket of that customer
    customer.refresh_from_db()
    assert ("whatsapp", "+6281234567890") in set(customer.contacts.values_list("kind", "value"))


def test_a_customer_is_found_by_their_whatsapp_contact(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    from sigap.customers.services import ContactIn, customer_create

    known = customer_create(name="Pak Budi", contacts=[ContactIn("whatsapp", "081234567890")])
    post_whatsapp(load("whatsapp_text.json"))
    assert only_ticket().customer_id == known.pk
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("fixture", "body"),
    [
        (
            "whatsapp_location.json",
            "[Lokasi] Monas, Jl. Medan Merdeka Barat No.12, Jakarta Pusat\n"
            "https://maps.google.com/?q=-6.175392,106.827153",
        ),
        ("whatsapp_button_reply.json", "[Tombol] Sudah diterima"),
        (
            "whatsapp_list_reply.json",
            "[Pilihan] Kirim ulang barang — Barang pengganti dikirim 1–2 hari",
        ),
    ],
)
def test_locations_and_interactive_replies_become_readable_messages(
    whatsapp: FakeApi, post_whatsapp: Post, fixture: str, body: str
) -> None:
    assert post_whatsapp(load(fixture)).json()["messages"] == {"accepted": 1}
    assert only_ticket().messages.get().body == body


def test_an_image_is_fetched_from_the_graph_api_and_stored_as_an_attachment(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 300
    whatsapp.media["2754859441498128"] = (jpeg, "image/jpeg")
    assert post_whatsapp(load("whatsapp_image.json")).status_code == 200
    message = only_ticket().messages.get()
    assert message.body == "Ini foto paketnya, rusak"
    attachment = message.attachments.get()
    assert (attachment.content_type, attachment.size) == ("image/jpeg", len(jpeg))
    assert attachment.filename == "gambar-2754859441498128.jpg"
    with attachment.file.open("rb") as handle:
        assert handle.read() == jpeg
    lookup, download = whatsapp.requests
    assert (lookup.method, lookup.path) == ("GET", "/v21.0/2754859441498128")
    assert lookup.headers["Authorization"] == "Bearer EAAG-token-uji"
    assert (download.path, download.headers["Authorization"]) == (
        "/download/2754859441498128",
        "Bearer EAAG-token-uji",
    )
    assert InboundDelivery.objects.get().media_state == MediaState.FETCHED


def test_a_document_keeps_its_file_name_and_a_voice_note_is_labelled(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    whatsapp.media["1003383421387256"] = (b"%PDF-1.4\n" + b"x" * 100, "application/pdf")
    whatsapp.media["1148120023401184"] = (b"OggS" + b"\x00" * 200, "audio/ogg")
    post_whatsapp(load("whatsapp_document.json"))
    post_whatsapp(load("whatsapp_audio.json"))
    first, second = only_ticket().messages.order_by("id")
    assert (first.body, first.attachments.get().filename) == (
        "Bukti transfer",
        "bukti-transfer.pdf",
    )
    assert first.attachments.get().content_type == "application/pdf"
    assert second.body == "[Pesan suara]"
    assert second.attachments.get().filename == "pesan suara-1148120023401184.ogg"


def test_a_media_download_that_fails_for_good_leaves_a_note_for_the_agent(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    whatsapp.script(
        "/v21.0/2754859441498128",
        400,
        {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}},
    )
    post_whatsapp(load("whatsapp_image.json"))
    ticket = only_ticket()
    note = ticket.messages.get(kind="note")
    assert note.body == (
        "Lampiran WhatsApp (gambar) dari pesan pelanggan tidak dapat diunduh: "
        "WhatsApp: (#100) Invalid parameter"
    )
    assert InboundDelivery.objects.get().media_state == MediaState.FAILED


def test_a_media_download_that_fails_for_now_is_retried_later(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    from sigap.connectors import messaging

    whatsapp.media["2754859441498128"] = (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")
    whatsapp.script("/v21.0/2754859441498128", 503, {"error": {"message": "busy", "code": 2}})
    post_whatsapp(load("whatsapp_image.json"))
    row = InboundDelivery.objects.get()
    assert (row.media_state, row.media_attempts) == (MediaState.PENDING, 1)
    assert messaging.fetch_due_media() == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert messaging.fetch_due_media() == 1
    assert only_ticket().messages.get().attachments.count() == 1


# --- bad payloads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "Badan permintaan bukan JSON yang sah"),
        (b"[" * 2000 + b"]" * 2000, "Badan permintaan bukan JSON yang sah"),
        (b'{"a": ' * 2000 + b"1" + b"}" * 2000, "Badan permintaan bukan JSON yang sah"),
        (b"[]", "payload: harus berupa objek JSON"),
        (b'{"object": "page", "entry": []}', "object: harus 'whatsapp_business_account'"),
        (b'{"object": "whatsapp_business_account", "entry": {}}', "entry: harus berupa array"),
        (
            b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": '
            b'"messages", "value": {"messages": {}}}]}]}',
            "entry[0].changes[0].value.messages: harus berupa array JSON",
        ),
    ],
)
def test_invalid_json_or_an_unexpected_shape_is_refused_with_400(
    whatsapp: FakeApi, post_whatsapp: Post, raw: bytes, message: str
) -> None:
    response = post_whatsapp(None, raw=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


def test_one_bad_message_in_a_batch_does_not_lose_the_others(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    response = post_whatsapp(load("whatsapp_batch.json"))
    assert response.status_code == 200
    report = response.json()
    assert report["messages"] == {"accepted": 2, "failed": 1}
    assert report["failed"] == [
        {
            "id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjAxMDAwOQA=",
            "error": "entry[0].changes[0].value.messages[1].text.body: harus berupa teks yang "
            "tidak kosong",
        }
    ]
    assert sorted(Ticket.objects.values_list("customer__name", flat=True)) == [
        "Budi Santoso",
        "Siti Aminah",
    ]
    bad = InboundDelivery.objects.get(status=InboundStatus.FAILED)
    assert bad.payload["text"] == {} and bad.message_id is None


# --- replies -------------------------------------------------------------------------------


def test_an_agents_reply_is_sent_through_the_cloud_api(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    message = reply(
        agent, ticket, "Baik Kak, kami cek dulu ya.", django_capture_on_commit_callbacks
    )
    (sent,) = whatsapp.to("/messages")
    assert sent.path == SEND_PATH
    assert sent.headers["Authorization"] == "Bearer EAAG-token-uji"
    row = OutboundDelivery.objects.get(message=message)
    assert sent.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "biz_opaque_callback_data": f"sigap:{row.pk}:0",
        "type": "text",
        "text": {"preview_url": False, "body": "Baik Kak, kami cek dulu ya."},
    }
    assert (row.status, row.provider_id, row.attempts, row.error) == (
        DeliveryStatus.SENT,
        "wamid.FAKE1",
        1,
        "",
    )
    assert row.sent_at is not None


def test_the_acknowledgement_of_a_new_ticket_goes_out_on_whatsapp(
    whatsapp: FakeApi, post_whatsapp: Post, settings: Any
) -> None:
    settings.SIGAP_AUTO_ACK = True
    post_whatsapp(load("whatsapp_text.json"))
    (sent,) = whatsapp.to("/messages")
    assert only_ticket().reference in sent.json()["text"]["body"]


def test_a_reply_is_never_sent_twice(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    message = reply(agent, only_ticket(), "Satu kali saja", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert delivery.attempt(row.pk) == "skipped"  # the job run again
    assert delivery.enqueue(message.pk) == row  # and the dispatcher called again
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert delivery.retry_due() == 0
    assert len(whatsapp.to("/messages")) == 1


def test_a_worker_that_died_after_sending_does_not_send_again_once_meta_reports_it(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The API accepted the part, the worker died before recording it: the ``sent`` status
    webhook (with our biz_opaque_callback_data) records it, so the retry sends nothing."""
    post_whatsapp(load("whatsapp_text.json"))
    whatsapp.script(SEND_PATH, 500, {"error": {"message": "down", "code": 1}})
    message = reply(agent, only_ticket(), "Halo", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    # simulate the crash: claimed and in flight, nothing recorded
    OutboundDelivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, next_attempt_at=timezone.now() + delivery.lease()
    )
    status = load("whatsapp_status_sent.json")
    status["entry"][0]["changes"][0]["value"]["statuses"][0].update(
        id="wamid.DARIMETA", biz_opaque_callback_data=f"sigap:{row.pk}:0"
    )
    assert post_whatsapp(status).json()["statuses"] == 1
    with time_machine.travel(timezone.now() + delivery.lease() + timedelta(seconds=1)):
        assert delivery.retry_due() == 1
    row.refresh_from_db()
    assert (row.status, row.parts_sent, row.provider_id) == ("sent", 1, "wamid.DARIMETA")
    assert len(whatsapp.to("/messages")) == 1  # only the first, failed, attempt


def test_a_reply_is_retried_with_backoff_on_500_and_429(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    whatsapp.script(SEND_PATH, 500, {"error": {"message": "An unknown error occurred", "code": 1}})
    whatsapp.script(
        SEND_PATH,
        429,
        {"error": {"message": "(#130429) Rate limit hit", "code": 130429}},
        headers={"Retry-After": "300"},
    )
    start = timezone.now()
    message = reply(agent, only_ticket(), "Kami proses ya", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert row.error.startswith("WhatsApp: (#1) An unknown error occurred")
    assert timedelta(seconds=29) < row.next_attempt_at - start < timedelta(seconds=40)
    assert delivery.retry_due() == 0  # not before its time
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.retry_due() == 0
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_status_code) == ("pending", 2, 429)
        # Retry-After (300 s) beats the second backoff step (120 s)
        assert row.next_attempt_at - timezone.now() >= timedelta(seconds=299)
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.retry_due() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_id, row.error) == ("sent", 3, "wamid.FAKE1", "")
    bodies = [r.body for r in whatsapp.to("/messages")]
    assert len(bodies) == 3 and len(set(bodies)) == 1


def test_a_network_error_is_retried(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, settings: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    settings.SIGAP_WHATSAPP_API_BASE = "http://127.0.0.1:9/v21.0"  # discard port: refused
    services.message_add(actor=agent, ticket=only_ticket(), kind="reply", body="Halo")
    message = Message.objects.get(body="Halo")
    delivery.enqueue(message.pk)
    row = OutboundDelivery.objects.get(message=message)
    assert row.status == "pending" and row.error.startswith("Gangguan jaringan (ConnectError)")


def test_a_permanent_error_is_not_retried_and_the_agent_sees_it(
    whatsapp: FakeApi,
    post_whatsapp: Post,
    agent: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    whatsapp.script(SEND_PATH, 400, GRAPH_ERROR_400)
    ticket = only_ticket()
    message = reply(agent, ticket, "Halo Kak", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, 400)
    assert row.error == (
        "WhatsApp: (#131030) Recipient phone number not in allowed list: Recipient phone number "
        "not in allowed list: Add recipient phone number to recipient list and try again."
    )
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert delivery.retry_due() == 0
    assert len(whatsapp.to("/messages")) == 1
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Gagal terkirim" in page and "(#131030) Recipient phone number" in page


def test_status_webhooks_move_a_reply_forward_only(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    message = reply(agent, only_ticket(), "Halo", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)

    def status(name: str, **fields: Any) -> Any:
        payload = load(f"whatsapp_status_{name}.json")
        item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
        item.update({"id": "wamid.FAKE1", "biz_opaque_callback_data": f"sigap:{row.pk}:0"})
        item.update(fields)
        return post_whatsapp(payload)

    status("read")
    status("delivered")  # late: changes nothing
    row.refresh_from_db()
    assert row.status == "read" and row.read_at is not None and row.delivered_at is not None
    # a status for a message Sigap did not send is ignored
    assert (
        status("delivered", id="wamid.ASING", biz_opaque_callback_data=None).json()["statuses"] == 0
    )


def test_a_failed_status_records_metas_error_on_the_reply(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    message = reply(agent, only_ticket(), "Halo", django_capture_on_commit_callbacks)
    payload = load("whatsapp_status_failed.json")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0].update(
        id="wamid.FAKE1", biz_opaque_callback_data=None
    )
    assert post_whatsapp(payload).json()["statuses"] == 1
    row = OutboundDelivery.objects.get(message=message)
    assert row.status == "failed"
    assert row.error == (
        "(#131047) Re-engagement message: Message failed to send because more than 24 hours "
        "have passed since the customer last replied to this number."
    )


def test_a_reply_with_an_attachment_uploads_it_and_sends_it_by_id(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    from sigap.tickets.attachments import Upload

    post_whatsapp(load("whatsapp_text.json"))
    pdf = b"%PDF-1.4\n" + b"y" * 50
    reply(
        agent,
        only_ticket(),
        "Berikut resinya",
        django_capture_on_commit_callbacks,
        uploads=[Upload("resi.pdf", pdf)],
    )
    (upload,) = whatsapp.to("/media")
    assert upload.path == f"/v21.0/{PHONE_NUMBER_ID}/media"
    assert b'name="messaging_product"' in upload.body and pdf in upload.body
    text, document = (r.json() for r in whatsapp.to("/messages"))
    assert text["text"]["body"] == "Berikut resinya"
    assert document["type"] == "document"
    assert document["document"] == {"id": "uploaded-2", "filename": "resi.pdf"}
    assert document["biz_opaque_callback_data"].endswith(":1")


# --- the 24-hour window and templates ------------------------------------------------------


def test_a_free_text_reply_outside_the_24_hour_window_is_refused(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        with pytest.raises(Conflict) as refused:
            reply(agent, ticket, "Halo Kak?", django_capture_on_commit_callbacks)
        # a note is internal: still allowed
        services.message_add(actor=agent, ticket=ticket, kind="note", body="Tunggu templat")
    assert refused.value.message.startswith(
        "Jendela layanan 24 jam WhatsApp sudah tertutup: pesan terakhir pelanggan diterima "
    )
    assert "hanya mengizinkan templat pesan yang sudah disetujui" in refused.value.message
    assert not Message.objects.filter(kind="reply").exists()
    assert whatsapp.to("/messages") == []


def test_within_the_window_a_reply_is_allowed(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
        reply(agent, only_ticket(), "Masih sempat", django_capture_on_commit_callbacks)
    assert len(whatsapp.to("/messages")) == 1


def test_an_agent_created_whatsapp_ticket_needs_a_template_when_whatsapp_is_configured(
    whatsapp: FakeApi, ticket: Ticket, agent: User
) -> None:
    """The customer never wrote to the business number: no window is open."""
    with pytest.raises(Conflict, match="belum pernah mengirim pesan WhatsApp"):
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Halo")


def test_without_the_cloud_api_there_is_no_window_and_nothing_is_sent(
    ticket: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    message = reply(agent, ticket, "Halo", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert row.status == DeliveryStatus.SKIPPED
    assert "belum dikonfigurasi" in row.error


def test_an_approved_template_may_be_sent_outside_the_window(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    template = WhatsAppTemplate.objects.create(
        name="tindak_lanjut_tiket",
        language="id",
        body="Halo {{1}}, tiket {{2}} masih kami tangani. Balas pesan ini untuk melanjutkan.",
        approved=True,
    )
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    with (
        time_machine.travel(timezone.now() + timedelta(days=3)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = template_send(
            actor=agent, ticket=ticket, template_id=template.pk, params=["Budi", "SGP-1"]
        )
    assert (
        message.body
        == "Halo Budi, tiket SGP-1 masih kami tangani. Balas pesan ini untuk melanjutkan."
    )
    (sent,) = whatsapp.to("/messages")
    body = sent.json()
    assert body["type"] == "template"
    assert body["template"] == {
        "name": "tindak_lanjut_tiket",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Budi"}, {"type": "text", "text": "SGP-1"}],
            }
        ],
    }
    assert OutboundDelivery.objects.get(message=message).status == "sent"


def test_a_template_needs_approval_and_all_its_parameters(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    draft = WhatsAppTemplate.objects.create(name="draf", body="Halo {{1}}", approved=False)
    approved = WhatsAppTemplate.objects.create(name="sapa", body="Halo {{1}} {{2}}", approved=True)
    with pytest.raises(ValidationFailed, match="belum disetujui"):
        template_send(actor=agent, ticket=ticket, template_id=draft.pk, params=["Budi"])
    with pytest.raises(ValidationFailed, match="memerlukan 2 parameter"):
        template_send(actor=agent, ticket=ticket, template_id=approved.pk, params=["Budi", ""])
    assert not Message.objects.filter(kind="reply").exists()


def test_the_ticket_page_says_when_the_window_is_closed_and_offers_templates(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, client: Client
) -> None:
    WhatsAppTemplate.objects.create(name="sapa", body="Halo {{1}}", approved=True)
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    client.force_login(agent)
    assert "whatsapp-window" not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
        assert "Jendela layanan 24 jam WhatsApp sudah tertutup" in page
        assert f'action="/hooks/whatsapp/tickets/{ticket.pk}/template/"' in page
        refused = client.post(f"/tickets/{ticket.pk}/reply/", {"kind": "reply", "body": "Halo?"})
        assert refused.status_code == 409
        assert "hanya mengizinkan templat pesan" in refused.content.decode()
        sent = client.post(
            f"/hooks/whatsapp/tickets/{ticket.pk}/template/",
            {"template": WhatsAppTemplate.objects.get().pk, "params": "Budi"},
        )
        assert sent.status_code == 302
    assert Message.objects.get(kind="reply").body == "Halo Budi"


def test_the_template_form_is_for_staff_who_may_see_the_ticket(
    whatsapp: FakeApi, other_ticket: Ticket, agent: User, customer_user: User, client: Client
) -> None:
    for user in (agent, customer_user):  # the agent is not in the other team
        client.force_login(user)
        response = client.post(f"/hooks/whatsapp/tickets/{other_ticket.pk}/template/", {})
        assert response.status_code == 404


def test_a_reply_written_another_way_outside_the_window_fails_without_calling_meta(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The closing thanks is not a ``message_add`` reply; the worker checks the window."""
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    with (
        time_machine.travel(timezone.now() + timedelta(days=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.ticket_close(
            actor=agent, ticket=ticket, thanks="Terima kasih Kak", reason="Tidak ada kabar"
        )
    row = OutboundDelivery.objects.get(message__body="Terima kasih Kak")
    assert (row.status, row.error) == (
        "failed",
        "Di luar jendela layanan 24 jam WhatsApp: hanya templat yang disetujui yang dapat dikirim.",
    )
    assert whatsapp.to("/messages") == []


def test_the_webhook_only_stores_and_a_lost_filing_job_is_made_good_by_the_sweep(
    whatsapp: FakeApi, client: Client
) -> None:
    """The request stores the message and answers; the ticket work is a job. Here the
    job never runs (its on-commit callback is dropped, as if the worker were killed)."""
    from sigap.connectors import messaging
    from sigap.connectors.tests.conftest import APP_SECRET
    from sigap.connectors.whatsapp.inbound import sign

    body = json.dumps(load("whatsapp_text.json")).encode()
    response = client.post(
        "/hooks/whatsapp/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
    )
    assert response.json()["messages"] == {"accepted": 1}
    row = InboundDelivery.objects.get()
    assert (row.status, row.message_id, Ticket.objects.count()) == ("received", None, 0)
    assert messaging.file_due() == 0  # a job may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert messaging.file_due() == 1
    row.refresh_from_db()
    assert row.status == "filed" and row.message_id == only_ticket().messages.get().pk
    assert messaging.file_received(row.pk) == "skipped"  # a late job changes nothing


def test_a_message_stored_but_not_yet_filed_already_opens_the_window(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, client: Client
) -> None:
    from sigap.connectors.tests.conftest import APP_SECRET
    from sigap.connectors.whatsapp.inbound import sign

    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        again = load("whatsapp_text.json")
        again["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.BELUM.DICATAT"
        body = json.dumps(again).encode()
        client.post(  # the filing job has not run (its on-commit callback is not executed)
            "/hooks/whatsapp/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
        )
        assert InboundDelivery.objects.get(external_id="wamid.BELUM.DICATAT").status == "received"
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Halo lagi Kak")
