"""Replies on email tickets go out by SMTP (a real aiosmtpd server on loopback), thread
in the customer's client, and the customer's answer threads back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sigap.accounts.models import User
from sigap.channels.email_in import ingest
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


def test_a_reply_is_sent_once(smtp: Inbox, agent: User, customer: object) -> None:
    from sigap.channels import email_out

    ticket = ingest(incoming()).ticket
    assert ticket is not None
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Satu kali")
    reply = Message.objects.get(body="Satu kali")
    assert email_out.send(reply.pk) is True
    assert email_out.send(reply.pk) is False  # its Message-ID is recorded
    assert [m["Subject"] for m in smtp.messages].count(
        f"Re: [{ticket.reference}] {ticket.subject}"
    ) == 1
