"""The per-sender rate limit: past ``SIGAP_EMAIL_SENDER_LIMIT`` mails an hour, a sender's
mail is kept in the quarantine ("rate limit"), never filed and never acknowledged, and a
retry after the hour files it."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail as django_mail
from django.core.management import call_command
from django.utils import timezone

from sigap.connectors.email.inbound import ingest, sender_limit
from sigap.connectors.email.smtpd import IngestHandler
from sigap.connectors.models import QuarantinedEmail
from sigap.tickets.models import Message, Ticket


def mail(n: int, sender: str = "budi@contoh.id") -> bytes:
    m = EmailMessage()
    m["From"] = f"Budi <{sender}>"
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = f"Pesanan {n} belum datang"
    m["Message-ID"] = make_msgid(domain="contoh.id")
    m.set_content(f"Pesanan nomor {n} belum datang.")
    return bytes(m)


@pytest.mark.django_db
def test_the_default_is_20_an_hour(settings: Any) -> None:
    if hasattr(settings, "SIGAP_EMAIL_SENDER_LIMIT"):  # unset: the fallback applies
        del settings.SIGAP_EMAIL_SENDER_LIMIT
    statuses = [ingest(mail(n)).status for n in range(21)]
    assert sender_limit() == 20
    assert statuses == ["created"] * 20 + ["quarantined"]


@pytest.mark.django_db
def test_mail_past_the_limit_is_kept_unfiled_and_unacknowledged(settings: Any) -> None:
    settings.SIGAP_EMAIL_SENDER_LIMIT = 3
    settings.SIGAP_AUTO_ACK = True
    for n in range(3):
        assert ingest(mail(n)).status == "created"
    acks = Message.objects.filter(kind="reply").count()
    assert acks == 3

    raw = mail(3)
    result = ingest(raw)

    reason = "rate limit: lebih dari 3 email per jam dari budi@contoh.id"
    assert (result.status, result.reason, result.ticket) == ("quarantined", reason, None)
    kept = QuarantinedEmail.objects.get()
    assert (bytes(kept.raw), kept.reason, kept.sender) == (raw, reason, "budi@contoh.id")
    assert kept.released_at is None
    assert Ticket.objects.count() == 3
    assert Message.objects.filter(kind="reply").count() == acks  # no acknowledgement
    # another sender is not held back
    assert ingest(mail(9, sender="siti@contoh.id")).status == "created"


@pytest.mark.django_db
def test_a_quarantined_mail_is_filed_by_a_retry_after_the_hour(settings: Any) -> None:
    settings.SIGAP_EMAIL_SENDER_LIMIT = 1
    assert ingest(mail(1)).status == "created"
    assert ingest(mail(2)).status == "quarantined"
    kept = QuarantinedEmail.objects.get()

    call_command("email_ingest", "--retry-quarantine", stdout=StringIO())  # too early
    kept.refresh_from_db()
    assert kept.released_at is None and kept.reason.startswith("rate limit")
    assert QuarantinedEmail.objects.count() == 1  # the retry did not copy it

    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        out = StringIO()
        call_command("email_ingest", "--retry-quarantine", stdout=out)
    kept.refresh_from_db()
    assert kept.released_at is not None and "created" in out.getvalue()
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Pesanan 1 belum datang",
        "Pesanan 2 belum datang",
    ]


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(IngestHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_over_real_smtp_the_extra_mail_is_accepted_into_quarantine(
    listener: int, settings: Any
) -> None:
    settings.SIGAP_EMAIL_SENDER_LIMIT = 2
    settings.SIGAP_AUTO_ACK = True
    django_mail.outbox = []
    with smtplib.SMTP("127.0.0.1", listener) as smtp:
        for n in range(3):
            assert smtp.sendmail("budi@contoh.id", ["cs@belanjaku.contoh.id"], mail(n)) == {}
    assert Ticket.objects.count() == 2
    assert list(QuarantinedEmail.objects.values_list("reason", flat=True)) == [
        "rate limit: lebih dari 2 email per jam dari budi@contoh.id"
    ]
    assert len(django_mail.outbox) == 2  # two acknowledgements, none for the third


@pytest.mark.django_db
def test_receipts_past_the_window_are_pruned_and_recent_ones_kept(settings: Any) -> None:
    from sigap.connectors.email.inbound import prune_receipts
    from sigap.connectors.models import EmailReceipt

    now = timezone.now()
    EmailReceipt.objects.create(sender="lama@contoh.id", received_at=now - timedelta(hours=2))
    EmailReceipt.objects.create(sender="baru@contoh.id", received_at=now - timedelta(minutes=5))

    assert prune_receipts() == 1
    assert list(EmailReceipt.objects.values_list("sender", flat=True)) == ["baru@contoh.id"]


@pytest.mark.django_db
def test_old_receipts_not_yet_pruned_do_not_count(settings: Any) -> None:
    from sigap.connectors.models import EmailReceipt

    settings.SIGAP_EMAIL_SENDER_LIMIT = 2
    old = timezone.now() - timedelta(hours=3)
    for _ in range(5):  # the pruning job has not run yet
        EmailReceipt.objects.create(sender="budi@contoh.id", received_at=old)

    assert ingest(mail(1)).status == "created"
