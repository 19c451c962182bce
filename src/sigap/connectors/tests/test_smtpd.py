"""The inbound SMTP listener: real SMTP sessions (smtplib) against it on loopback."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller

from sigap.connectors.email.smtpd import IngestHandler
from sigap.connectors.models import QuarantinedEmail
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(IngestHandler(), hostname="127.0.0.1", port=port, data_size_limit=5000)
    controller.start()
    yield port
    controller.stop()


def message(body: str = "Pesanan saya belum datang.") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Budi <budi@contoh.id>"
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = "Lewat SMTP"
    m["Message-ID"] = make_msgid(domain="contoh.id")
    m.set_content(body)
    return m


def test_mail_over_smtp_becomes_a_ticket_once(listener: int) -> None:
    m = message()
    with smtplib.SMTP("127.0.0.1", listener) as smtp:
        smtp.send_message(m)
        smtp.send_message(m)  # a retried delivery
    assert list(Ticket.objects.values_list("subject", "channel")) == [("Lewat SMTP", "email")]


def test_broken_mail_is_accepted_into_quarantine(listener: int) -> None:
    with smtplib.SMTP("127.0.0.1", listener) as smtp:
        smtp.sendmail(
            "x@contoh.id", ["cs@belanjaku.contoh.id"], b"Subject: tanpa pengirim\r\n\r\nisi"
        )
    assert QuarantinedEmail.objects.count() == 1 and not Ticket.objects.exists()


def test_oversized_mail_is_refused_during_the_transfer(listener: int) -> None:
    with smtplib.SMTP("127.0.0.1", listener) as smtp, pytest.raises(smtplib.SMTPException):
        smtp.send_message(message("x" * 20000))
    assert not Ticket.objects.exists()


def test_a_10_mb_attachment_over_the_limit_is_accepted_into_quarantine(settings: object) -> None:
    """The listener's own size limit is twice the attachment limit (``sigap smtpd``), so a
    10-MB attachment over a 5-MB attachment limit arrives and is kept whole, with the
    reason, instead of being refused or filed."""
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # type: ignore[attr-defined]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(
        IngestHandler(), hostname="127.0.0.1", port=port, data_size_limit=20 * 1024 * 1024
    )
    controller.start()
    m = message("Video unboxing terlampir.")
    m.add_attachment(
        b"\x00" * (10 * 1024 * 1024), maintype="video", subtype="mp4", filename="a.mp4"
    )
    raw = bytes(m)
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            assert smtp.send_message(m) == {}
    finally:
        controller.stop()
    kept = QuarantinedEmail.objects.get()
    assert kept.reason == "Lampiran 'a.mp4' berukuran 10.0 MB, melebihi batas 5 MB."
    assert bytes(kept.raw).replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert not Ticket.objects.exists()
