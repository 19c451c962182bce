"""Replies on email tickets go out by SMTP (a real aiosmtpd server on loopback), thread
in the customer's client, and the customer's answer threads back."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors import delivery
from sigap.connectors.email.inbound import ingest
from sigap.connectors.models import OutboundDelivery
from sigap.tickets import services
from sigap.tickets.models import Message

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.DEFAULT_FROM_EMAIL = "Belanjaku <cs@belanjaku.contoh.id>"
    settings.SIGAP_BUSINESS_NAME = "Belanjaku"
    yield inbox
    controller.stop()


def incoming(subject: str = "Paket belum sampai", **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = "Budi Santoso <budi@contoh.id>"
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="contoh.id")
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content("Paket saya belum sampai.")
    return bytes(m)


def test_acknowledgement_and_reply_thread_through_real_smtp(
    smtp: Inbox, agent: User, customer: object, django_capture_on_commit_callbacks: Any
) -> None:
    first = incoming()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ingest(first).ticket
    assert ticket is not None
    ack = smtp.messages[0]
    assert ack["To"] == "budi@contoh.id"
    assert ticket.reference in ack["Subject"]
    first_id = message_from_bytes(first, policy=policy.default)["Message-ID"]
    assert ack["In-Reply-To"].strip() == first_id.strip()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang kami cek, Kak.")
    reply = smtp.messages[1]
    assert reply["Subject"] == f"Re: [{ticket.reference}] {ticket.subject}"
    assert "Rina (Belanjaku)" in reply["From"] and "cs@belanjaku.contoh.id" in reply["From"]
    assert first_id in reply["References"]
    text = reply.get_body(preferencelist=("plain",))
    html = reply.get_body(preferencelist=("html",))
    assert text is not None and "Sedang kami cek, Kak." in text.get_content()
    assert html is not None and "Sedang kami cek, Kak." in html.get_content()
    stored = Message.objects.get(ticket=ticket, body="Sedang kami cek, Kak.")
    assert stored.external_id == reply["Message-ID"].strip()  # (a long header may be folded)
    # the customer answers the reply: it lands on the same ticket
    answer = ingest(incoming("Re: Paket", In_Reply_To=reply["Message-ID"].strip()))
    assert (answer.status, answer.ticket) == ("appended", ticket)


def test_notes_and_other_channels_are_not_mailed(
    smtp: Inbox, agent: User, ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the fixture ticket is WhatsApp
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Halo")
        services.message_add(actor=agent, ticket=ticket, kind="note", body="Catatan")
    assert smtp.messages == []


def _reply_on_email_ticket(agent: User, body: str) -> Message:
    ticket = ingest(incoming()).ticket
    assert ticket is not None
    services.message_add(actor=agent, ticket=ticket, kind="reply", body=body)
    return Message.objects.get(body=body)


def test_a_reply_is_written_with_its_delivery_row_and_sent_once(
    smtp: Inbox, agent: User, customer: object
) -> None:
    # no on-commit callbacks run here: as if the process died right after the commit
    reply = _reply_on_email_ticket(agent, "Satu kali")
    row = OutboundDelivery.objects.get(message=reply)
    assert (row.provider, row.status, row.recipient) == ("email", "pending", "budi@contoh.id")
    assert smtp.messages == []

    assert delivery.retry_due() == 2  # the acknowledgement and the reply, by the sweep
    assert delivery.attempt(row.pk) == "skipped"  # sent: never again
    assert delivery.retry_due() == 0

    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects.count(f"Re: [{reply.ticket.reference}] {reply.ticket.subject}") == 2
    row.refresh_from_db()
    reply.refresh_from_db()
    assert (row.status, row.attempts, row.error) == ("sent", 1, "")
    assert reply.external_id == f"<sgp{reply.pk}.{row.pk}@belanjaku.contoh.id>"
    assert smtp.messages[-1]["Message-ID"].strip() == reply.external_id


def test_a_reply_held_by_a_worker_that_died_is_sent_once_its_lease_expires(
    smtp: Inbox, agent: User, customer: object
) -> None:
    reply = _reply_on_email_ticket(agent, "Setelah worker mati")
    row = OutboundDelivery.objects.get(message=reply)
    now = timezone.now()
    OutboundDelivery.objects.exclude(pk=row.pk).update(status="sent", next_attempt_at=None)
    # a worker claimed it, then died mid-send: "sending" with its lease still running
    OutboundDelivery.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, next_attempt_at=now + delivery.lease()
    )
    assert delivery.retry_due() == 0
    assert smtp.messages == []

    with time_machine.travel(now + delivery.lease() + timedelta(seconds=1)):
        assert delivery.retry_due() == 1
        assert delivery.retry_due() == 0

    assert len(smtp.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


class Silent:
    """An SMTP server that accepts the connection and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


def test_a_silent_smtp_server_times_out_and_the_reply_is_retried_truthfully(
    settings: Any, agent: User, customer: object, client: Any
) -> None:
    silent = Silent()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", silent.port, 1
    try:
        reply = _reply_on_email_ticket(agent, "Server diam")
        row = OutboundDelivery.objects.get(message=reply)
        started = time.monotonic()
        assert delivery.attempt(row.pk) == "pending"
        assert time.monotonic() - started < 10  # the timeout, not a stalled worker
    finally:
        silent.close()
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    assert "Server email tidak dapat dihubungi" in row.error and "dicoba lagi" in row.error
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backoff
    client.force_login(agent)
    page = client.get(f"/tickets/{reply.ticket_id}/").content.decode()
    assert "dicoba lagi" in page


class Refusing(Inbox):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return "550 5.1.1 Mailbox unavailable"


def test_an_address_the_server_refuses_fails_for_good(
    settings: Any, agent: User, customer: object
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        reply = _reply_on_email_ticket(agent, "Alamat salah")
        row = OutboundDelivery.objects.get(message=reply)
        assert delivery.attempt(row.pk) == "failed"
    finally:
        controller.stop()
    row.refresh_from_db()
    assert (row.status, row.last_status_code) == ("failed", 550)
    assert "menolak penerima" in row.error
