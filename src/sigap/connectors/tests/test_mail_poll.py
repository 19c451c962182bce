"""Polling real mailboxes: Dovecot (Debian's package) started by the test on loopback,
with IMAP and POP3, a passwd-file user and a maildir in a temporary directory
(``mailservers.dovecot``)."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from sigap.connectors.email.poll import poll
from sigap.connectors.models import Mailbox, QuarantinedEmail
from sigap.connectors.tests import mailservers
from sigap.connectors.tests.mailservers import PASSWORD, USER
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[tuple[int, int]]:
    """One Dovecot per module (and test process): stopping it takes about three seconds."""
    with mailservers.dovecot() as server:
        yield server.imap, server.pop3


@pytest.fixture
def dovecot(dovecot_server: tuple[int, int]) -> tuple[int, int]:
    """The module's Dovecot with an empty INBOX: what one test left is gone."""
    conn = imaplib.IMAP4("127.0.0.1", dovecot_server[0])
    conn.login(USER, PASSWORD)
    _, data = conn.select("INBOX")
    if int(data[0] or 0):
        conn.store("1:*", "+FLAGS", "\\Deleted")
        conn.expunge()
    conn.logout()
    return dovecot_server


def deliver(port: int, *messages: bytes) -> None:
    conn = imaplib.IMAP4("127.0.0.1", port)
    conn.login(USER, PASSWORD)
    for raw in messages:
        conn.append("INBOX", None, None, raw)
    conn.logout()


def on_server(port: int) -> int:
    conn = imaplib.IMAP4("127.0.0.1", port)
    conn.login(USER, PASSWORD)
    _, data = conn.select("INBOX")
    conn.logout()
    return int(data[0] or 0)


def message(n: int, sender: str = "budi@contoh.id") -> bytes:
    return (
        f"From: Budi <{sender}>\r\nTo: {USER}\r\nSubject: Pesanan {n} belum datang\r\n"
        f"Message-ID: <pesan-{n}@contoh.id>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Pesanan nomor {n} belum datang.\r\n"
    ).encode()


@pytest.fixture
def mailbox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGAP_TEST_MAIL_PASSWORD", PASSWORD)


def make_mailbox(port: int, protocol: str = "imap") -> Mailbox:
    return Mailbox.objects.create(
        name=f"CS {protocol}",
        protocol=protocol,
        host="127.0.0.1",
        port=port,
        security="none",
        username=USER,
        password_env="SIGAP_TEST_MAIL_PASSWORD",
    )


def test_imap_mail_becomes_tickets_and_leaves_the_server(
    dovecot: tuple[int, int], mailbox_env: None
) -> None:
    imap, _ = dovecot
    deliver(imap, message(1), message(2), b"Subject: rusak tanpa pengirim\r\n\r\nisi\r\n")
    result = poll(make_mailbox(imap))
    assert result.error == "" and result.fetched == 3
    assert result.statuses == {"created": 2, "quarantined": 1}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Pesanan 1 belum datang",
        "Pesanan 2 belum datang",
    ]
    assert QuarantinedEmail.objects.count() == 1  # kept, not lost
    assert on_server(imap) == 0  # removed only after being stored
    assert poll(Mailbox.objects.get()).fetched == 0


def test_a_message_seen_twice_is_filed_once(dovecot: tuple[int, int], mailbox_env: None) -> None:
    imap, _ = dovecot
    deliver(imap, message(7), message(7))
    result = poll(make_mailbox(imap))
    assert result.statuses == {"created": 1, "duplicate": 1}
    assert Ticket.objects.count() == 1


def test_pop3_too(dovecot: tuple[int, int], mailbox_env: None) -> None:
    imap, pop3 = dovecot
    deliver(imap, message(3))
    result = poll(make_mailbox(pop3, "pop3"))
    assert (result.error, result.statuses) == ("", {"created": 1})
    assert on_server(imap) == 0


def test_a_wrong_password_is_recorded_and_nothing_is_lost(
    dovecot: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    imap, _ = dovecot
    deliver(imap, message(4))
    monkeypatch.setenv("SIGAP_TEST_MAIL_PASSWORD", "salah")
    box = make_mailbox(imap)
    result = poll(box)
    assert (result.fetched == 0 and "AUTHENTICATIONFAILED" in result.error.upper()) or result.error
    box.refresh_from_db()
    assert box.last_error and box.polling_until is None
    assert on_server(imap) == 1 and not Ticket.objects.exists()


def test_a_missing_password_variable_is_a_clear_error(dovecot: tuple[int, int]) -> None:
    imap, _ = dovecot
    result = poll(make_mailbox(imap))
    assert "SIGAP_TEST_MAIL_PASSWORD" in result.error


def test_a_mailbox_held_by_another_worker_is_skipped(
    dovecot: tuple[int, int], mailbox_env: None
) -> None:
    from django.utils import timezone

    imap, _ = dovecot
    deliver(imap, message(5))
    box = make_mailbox(imap)
    Mailbox.objects.filter(pk=box.pk).update(
        polling_until=timezone.now() + timezone.timedelta(minutes=1)
    )
    assert poll(box).error == "sedang diperiksa pekerja lain"
    assert on_server(imap) == 1


def test_the_corpus_through_imap_files_each_mail_as_expected(
    dovecot: tuple[int, int], mailbox_env: None, agent: object, customer: object
) -> None:
    """Every corpus message polled from a real mailbox ends as the corpus test expects
    (bounces included), nothing is left on the server and nothing is lost."""
    from collections import Counter

    from sigap.connectors.tests.test_email_corpus import CASES, CORPUS, OUR_REPLY_ID
    from sigap.tickets import services

    ticket = services.ticket_create(
        actor=agent,  # type: ignore[arg-type]
        customer=customer,  # type: ignore[arg-type]
        kind="inquiry",
        channel="email",
        subject="Paket",
        description="Paket belum sampai.",
    )
    services.message_add(
        actor=agent,  # type: ignore[arg-type]
        ticket=ticket,
        kind="reply",
        body="Sedang kami cek, Kak.",
        external_id=OUR_REPLY_ID,
    )
    names = sorted(CASES)
    imap, _ = dovecot
    deliver(imap, *((CORPUS / name).read_bytes() for name in names))

    result = poll(make_mailbox(imap))

    assert result.error == ""
    assert result.statuses == dict(Counter(CASES[name].status for name in names))
    assert on_server(imap) == 0
    quarantined = sum(1 for name in names if CASES[name].status == "quarantined")
    assert QuarantinedEmail.objects.count() == quarantined
