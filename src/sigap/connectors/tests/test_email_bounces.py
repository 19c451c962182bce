"""Bounces of our replies, end to end over real SMTP on loopback: the reply goes out through
an aiosmtpd server, its delivery report comes back through Sigap's own SMTP listener, and
the failure is recorded on the ticket, without a new ticket or any answer."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors.email.inbound import ingest
from sigap.connectors.email.smtpd import IngestHandler
from sigap.connectors.tests import test_email_out
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import EventKind, Message, Ticket, TimelineEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
smtp = test_email_out.smtp  # the outbound aiosmtpd server on loopback


@pytest.fixture
def listener() -> Iterator[int]:
    """Sigap's inbound SMTP listener on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(IngestHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def customer_mail() -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Budi Santoso <budi@contoh.id>"
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = "Paket belum sampai"
    m["Message-ID"] = make_msgid(domain="contoh.id")
    m.set_content("Paket saya belum sampai.")
    return m


def dsn(original: EmailMessage, *, headers_only: bool = False, action: str = "failed") -> bytes:
    """The delivery report a receiving server sends back for ``original``."""
    quoted = (
        "Content-Type: text/rfc822-headers\r\n\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in original.items())
        if headers_only
        else "Content-Type: message/rfc822\r\n\r\n" + original.as_string().replace("\n", "\r\n")
    )
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.contoh.id>\r\n"
        "To: cs@belanjaku.contoh.id\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.contoh.id')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\r\n\r\n'
        "--DSN\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--DSN\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.contoh.id\r\n\r\n"
        "Final-Recipient: rfc822; budi@contoh.id\r\n"
        f"Action: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <budi@contoh.id>: User unknown\r\n\r\n"
        f"--DSN\r\n{quoted}\r\n--DSN--\r\n"
    ).encode()


def relay(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("", ["cs@belanjaku.contoh.id"], raw)  # a bounce has a null sender


@pytest.mark.parametrize("headers_only", [False, True])
def test_a_bounced_reply_is_recorded_on_its_ticket(
    smtp: test_email_out.Inbox,
    listener: int,
    agent: User,
    admin: User,
    customer: Customer,
    headers_only: bool,
) -> None:
    # given: a ticket by email, acknowledged, and an agent's reply mailed over SMTP
    relay(listener, bytes(customer_mail()))
    ticket = Ticket.objects.get()
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang kami cek, Kak.")
    sent = smtp.messages[-1]
    reply = Message.objects.get(ticket=ticket, body="Sedang kami cek, Kak.")
    assert reply.external_id == sent["Message-ID"].strip()
    mailed, tickets, messages = len(smtp.messages), Ticket.objects.count(), Message.objects.count()

    # when: the receiving server's delivery report comes back (twice: a retried delivery)
    report = dsn(sent, headers_only=headers_only)
    relay(listener, report)
    relay(listener, report)

    # then: one internal entry on the ticket, naming the recipient and the reason
    event = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.AUTOMATION)
    assert event.public is False and event.actor is None
    assert event.data["bounce"] | {"report_id": ""} == {
        "message_id": reply.pk,
        "external_id": reply.external_id,
        "recipient": "budi@contoh.id",
        "reason": "550 5.1.1 <budi@contoh.id>: User unknown",
        "status": "5.1.1",
        "report_id": "",
    }
    # and no ticket, no message, no answer to the bounce
    assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)
    assert len(smtp.messages) == mailed
    # and the agent sees it on the ticket page
    client = Client()
    client.force_login(admin)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Email balasan tidak terkirim ke budi@contoh.id: 550 5.1.1" in page


def test_a_delay_notice_is_not_a_bounce(smtp: test_email_out.Inbox, customer: Customer) -> None:
    ticket = ingest(bytes(customer_mail())).ticket
    assert ticket is not None
    ack = Message.objects.get(ticket=ticket, kind="reply")
    assert ack.external_id == smtp.messages[0]["Message-ID"].strip()  # mailed on commit
    original = EmailMessage()
    original["Message-ID"] = ack.external_id
    result = ingest(dsn(original, headers_only=True, action="delayed"))
    assert (result.status, result.ticket) == ("automatic", ticket)  # kept as a note
    assert "could not be delivered" in ticket.messages.get(kind="note").body
    assert not TimelineEvent.objects.filter(kind=EventKind.AUTOMATION).exists()


def test_a_report_on_a_customer_mail_is_only_a_note(customer: Customer) -> None:
    """A report quoting a Message-ID that is not one of our replies (here, the customer's
    own mail) is kept as an internal note on that ticket, as other automatic mail is."""
    first = customer_mail()
    ticket = ingest(bytes(first)).ticket
    assert ticket is not None
    result = ingest(dsn(first, headers_only=True))
    assert (result.status, result.ticket) == ("automatic", ticket)
    assert ticket.messages.filter(kind="note").count() == 1
    assert not TimelineEvent.objects.filter(kind=EventKind.AUTOMATION).exists()
