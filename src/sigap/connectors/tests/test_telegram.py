"""Telegram Bot API: updates in (secret header), replies out through a fake Bot API on
loopback (sendMessage, sendPhoto/sendDocument, getFile + the file API)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors import delivery, messaging
from sigap.connectors.models import InboundDelivery, InboundStatus, MediaState, OutboundDelivery
from sigap.connectors.tests.conftest import BOT_TOKEN, Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
BOT = f"/bot{BOT_TOKEN}"


def only_ticket() -> Ticket:
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 1
    return tickets[0]


def reply(agent: User, ticket: Ticket, body: str, capture: Any, **kw: Any) -> Message:
    with capture(execute=True):
        return services.message_add(actor=agent, ticket=ticket, kind="reply", body=body, **kw)


@pytest.mark.parametrize(
    "secret", [None, "", "salah", pytest.param("rahasia-\u00e9", id="non-ascii")]
)
def test_it_refuses_an_update_without_the_secret_header(
    telegram: FakeApi, post_telegram: Post, caplog: pytest.LogCaptureFixture, secret: str | None
) -> None:
    with caplog.at_level(logging.WARNING, logger="sigap.connectors.telegram.views"):
        response = post_telegram(load("telegram_text.json"), secret=secret)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_secret"
    assert "secret token" in caplog.text
    assert InboundDelivery.objects.count() == 0


def test_it_refuses_everything_when_no_secret_is_configured(
    telegram: FakeApi, post_telegram: Post, settings: Any
) -> None:
    settings.SIGAP_TELEGRAM_SECRET_TOKEN = ""
    assert post_telegram(load("telegram_text.json"), secret="").status_code == 403


def test_a_message_opens_a_ticket_for_the_telegram_user(
    telegram: FakeApi, post_telegram: Post
) -> None:
    response = post_telegram(load("telegram_text.json"))
    assert (response.status_code, response.json()) == (200, {"result": "accepted"})
    ticket = only_ticket()
    assert (ticket.channel, ticket.subject) == (
        "telegram",
        "Selamat siang, saldo saya terpotong dua kali untuk pesanan 8812.",
    )
    assert ticket.customer.name == "Dewi Lestari"
    assert list(ticket.customer.contacts.values_list("kind", "value")) == [
        ("telegram", "123456789")
    ]
    message = ticket.messages.get()
    assert message.external_id == "7012345678:123456789:41"
    row = InboundDelivery.objects.get()
    assert (row.external_id, row.address, row.sender, row.status) == (
        "7012345678:871234501",
        "123456789",
        "123456789",
        InboundStatus.FILED,
    )


def test_the_same_update_twice_is_stored_once(telegram: FakeApi, post_telegram: Post) -> None:
    update = load("telegram_text.json")
    assert post_telegram(update).json() == {"result": "accepted"}
    second = post_telegram(update)
    assert (second.status_code, second.json()) == (200, {"result": "duplicate"})
    assert (Ticket.objects.count(), Message.objects.count(), InboundDelivery.objects.count()) == (
        1,
        1,
        1,
    )


def test_the_next_message_threads_onto_the_open_ticket(
    telegram: FakeApi, post_telegram: Post
) -> None:
    post_telegram(load("telegram_text.json"))
    second = load("telegram_text.json")
    second["update_id"] += 10
    second["message"]["message_id"] += 10
    second["message"]["text"] = "Halo? Sudah dicek?"
    assert post_telegram(second).json() == {"result": "accepted"}
    assert only_ticket().messages.count() == 2


def test_a_customer_recorded_with_their_username_is_found(
    telegram: FakeApi, post_telegram: Post
) -> None:
    from sigap.customers.services import ContactIn, customer_create

    known = customer_create(name="Dewi L.", contacts=[ContactIn("telegram", "@DewiLestari")])
    post_telegram(load("telegram_text.json"))
    assert only_ticket().customer_id == known.pk
    assert Customer.objects.count() == 1
    assert set(known.contacts.values_list("value", flat=True)) == {"dewilestari", "123456789"}


def test_the_largest_photo_is_downloaded_with_getfile(
    telegram: FakeApi, post_telegram: Post
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    telegram.media["AgACAgUAAxkBAAMqZlarge"] = (png, "image/png")
    assert post_telegram(load("telegram_photo.json")).json() == {"result": "accepted"}
    message = only_ticket().messages.get()
    assert message.body == "Ini bukti potongan saldonya"
    attachment = message.attachments.get()
    assert (attachment.content_type, attachment.size) == ("image/png", len(png))
    get_file, download = telegram.requests
    assert (get_file.path, get_file.json()) == (
        f"{BOT}/getFile",
        {"file_id": "AgACAgUAAxkBAAMqZlarge"},
    )
    assert download.path == f"/file{BOT}/documents/AgACAgUAAxkBAAMqZlarge.bin"
    assert InboundDelivery.objects.get().media_state == MediaState.FETCHED


def test_a_document_keeps_its_name(telegram: FakeApi, post_telegram: Post) -> None:
    telegram.media["BQACAgUAAxkBAAMrZdoc"] = (b"%PDF-1.4\n" + b"z" * 80, "application/pdf")
    post_telegram(load("telegram_document.json"))
    message = only_ticket().messages.get()
    assert message.body == "[Dokumen: mutasi-rekening.pdf]"
    assert message.attachments.get().filename == "mutasi-rekening.pdf"


def test_other_updates_are_acknowledged_and_not_filed(
    telegram: FakeApi, post_telegram: Post
) -> None:
    response = post_telegram(load("telegram_edited.json"))
    assert response.json() == {
        "result": "ignored",
        "reason": "jenis pembaruan tidak dicatat: edited_message",
    }
    bot = load("telegram_text.json")
    bot["message"]["from"]["is_bot"] = True
    assert post_telegram(bot).json()["reason"] == "pesan dari bot"
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe", "Badan permintaan bukan JSON yang sah"),
        (b"[" * 2000 + b"]" * 2000, "Badan permintaan bukan JSON yang sah"),
        (b'{"a": ' * 2000 + b"1" + b"}" * 2000, "Badan permintaan bukan JSON yang sah"),
        (b'{"message": {}}', "update_id: harus berupa bilangan bulat"),
        (
            b'{"update_id": 1, "message": {"message_id": 2, "date": 1739321024, "chat": {}}}',
            "message.chat.id: harus berupa bilangan bulat",
        ),
        (
            b'{"update_id": 1, "message": {"message_id": 2, "date": 1739321024, '
            b'"chat": {"id": 5}, "from": {"id": 5}, "photo": []}}',
            "message.photo: harus berupa array PhotoSize yang tidak kosong",
        ),
    ],
)
def test_invalid_json_or_an_unexpected_shape_is_refused_with_400(
    telegram: FakeApi, post_telegram: Post, raw: bytes, message: str
) -> None:
    response = post_telegram(None, raw=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


def test_an_agents_reply_goes_to_the_chat_with_sendmessage(
    telegram: FakeApi, post_telegram: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_telegram(load("telegram_text.json"))
    message = reply(
        agent, only_ticket(), "Baik Kak Dewi, kami cek.", django_capture_on_commit_callbacks
    )
    (sent,) = telegram.requests
    assert (sent.path, sent.json()) == (
        f"{BOT}/sendMessage",
        {"chat_id": "123456789", "text": "Baik Kak Dewi, kami cek."},
    )
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.provider_id, row.recipient) == ("sent", "501", "123456789")


def test_attachments_go_as_photo_or_document(
    telegram: FakeApi, post_telegram: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_telegram(load("telegram_text.json"))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    reply(
        agent,
        only_ticket(),
        "Berikut buktinya",
        django_capture_on_commit_callbacks,
        uploads=[Upload("bukti.png", png), Upload("surat.pdf", b"%PDF-1.4\n" + b"q" * 40)],
    )
    assert [r.path.rsplit("/", 1)[-1] for r in telegram.requests] == [
        "sendMessage",
        "sendPhoto",
        "sendDocument",
    ]
    photo, document = telegram.requests[1:]
    assert b'name="chat_id"' in photo.body and b'name="photo"; filename="bukti.png"' in photo.body
    assert b'name="document"; filename="surat.pdf"' in document.body


def test_a_429_is_retried_after_retry_after_and_a_block_is_permanent(
    telegram: FakeApi, post_telegram: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_telegram(load("telegram_text.json"))
    ticket = only_ticket()
    telegram.script(
        "/sendMessage",
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 90",
            "parameters": {"retry_after": 90},
        },
    )
    start = timezone.now()
    message = reply(agent, ticket, "Pertama", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert row.status == "pending"
    assert row.next_attempt_at - start >= timedelta(seconds=89)
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.retry_due() == 1
    telegram.script(
        "/sendMessage",
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    blocked = reply(agent, ticket, "Kedua", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=blocked)
    assert (row.status, row.attempts, row.error) == (
        "failed",
        1,
        "Telegram: 403 Forbidden: bot was blocked by the user",
    )
    assert len(telegram.to("/sendMessage")) == 3


def test_the_bot_token_never_reaches_the_logs_or_errors(
    telegram: FakeApi,
    post_telegram: Post,
    agent: User,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    post_telegram(load("telegram_text.json"))
    with caplog.at_level(logging.DEBUG):
        services.message_add(actor=agent, ticket=only_ticket(), kind="reply", body="Halo")
        message = Message.objects.get(body="Halo")
        delivery.enqueue(message.pk)  # logs the request URL (httpx, INFO)
        settings.SIGAP_TELEGRAM_API_BASE = "http://127.0.0.1:9"  # refused
        services.message_add(actor=agent, ticket=only_ticket(), kind="reply", body="Lagi")
        failing = delivery.enqueue(Message.objects.get(body="Lagi").pk)
    assert failing is not None
    failing.refresh_from_db()
    assert failing.status == "pending"
    secret_part = BOT_TOKEN.split(":")[1]
    assert secret_part not in caplog.text and secret_part not in failing.error
    assert "/bot***/sendMessage" in caplog.text


def test_without_a_bot_token_replies_are_not_sent(
    telegram: FakeApi, post_telegram: Post, agent: User, settings: Any
) -> None:
    post_telegram(load("telegram_text.json"))
    settings.SIGAP_TELEGRAM_BOT_TOKEN = ""
    services.message_add(actor=agent, ticket=only_ticket(), kind="reply", body="Halo")
    row = delivery.enqueue(Message.objects.get(body="Halo").pk)
    assert row is not None and row.status == "skipped"
    assert telegram.requests == []


def test_the_acknowledgement_in_a_group_chat_goes_to_the_group(
    telegram: FakeApi, post_telegram: Post, settings: Any
) -> None:
    """The acknowledgement is written in the filing transaction, before the inbound row is
    marked filed: it still goes to the chat the message came from, not the user."""
    settings.SIGAP_AUTO_ACK = True
    update = load("telegram_text.json")
    update["message"]["chat"] = {"id": -1001234567890, "title": "Toko Dewi", "type": "group"}
    post_telegram(update)
    (sent,) = telegram.requests
    assert sent.path == f"{BOT}/sendMessage"
    assert sent.json()["chat_id"] == "-1001234567890"
    assert only_ticket().reference in sent.json()["text"]


def test_a_fault_in_finding_the_recipient_keeps_the_reply_and_it_goes_later(
    telegram: FakeApi,
    post_telegram: Post,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The agent's reply is not refused because a connector's address lookup failed: it is
    stored with its row, and the address is looked for again when it is sent."""
    post_telegram(load("telegram_text.json"))
    ticket = only_ticket()
    found = messaging.last_address
    faults = iter([True, True])

    def flaky(provider: str, ticket_id: int, **kw: Any) -> str:
        if next(faults, False):
            raise RuntimeError("lookup bug")
        return found(provider, ticket_id, **kw)

    monkeypatch.setattr(messaging, "last_address", flaky)
    message = reply(agent, ticket, "Baik, kami cek.", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.recipient, row.attempts) == ("pending", "", 1)
    assert "Penerima belum dapat ditentukan" in row.error
    assert "no recipient found for ticket" in caplog.text
    assert telegram.requests == []
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert delivery.retry_due() == 1
    row.refresh_from_db()
    assert (row.status, row.recipient) == ("sent", "123456789")
    (sent,) = telegram.requests
    assert sent.json()["chat_id"] == "123456789"


def test_each_part_sent_renews_the_lease(
    telegram: FakeApi,
    post_telegram: Post,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    """Three parts, each taking most of the lease: another worker finds the reply still
    held at the last part, and nothing is sent twice."""
    settings.SIGAP_DELIVERY_LEASE = 60
    post_telegram(load("telegram_text.json"))
    real = delivery.adapter_for("telegram")
    taken_over: list[str] = []
    with time_machine.travel(timezone.now(), tick=False) as clock:

        def slow_send(row: OutboundDelivery, part: delivery.Part, index: int) -> str:
            clock.shift(timedelta(seconds=50))
            if index == 2:
                taken_over.append(delivery.attempt(row.pk))  # another worker's sweep
            return real.send(row, part, index)

        slow = dataclasses.replace(real, send=slow_send)
        monkeypatch.setattr(delivery, "adapter_for", lambda provider: slow)
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
        message = reply(
            agent,
            only_ticket(),
            "Berikut buktinya",
            django_capture_on_commit_callbacks,
            uploads=[Upload("bukti.png", png), Upload("surat.pdf", b"%PDF-1.4\n" + b"q" * 40)],
        )
    assert taken_over == ["skipped"]
    assert len(telegram.requests) == 3
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.parts_sent, row.attempts) == ("sent", 3, 1)
