"""Inbound email against a corpus of real-world shapes: charsets, HTML, attachments,
forwarded mail, threading, duplicates, automatic mail and broken messages."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sigap.connectors.email.inbound import html_to_text, ingest, parse
from sigap.connectors.models import QuarantinedEmail
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def mail(
    body: str = "Paket saya belum sampai.",
    *,
    sender: str = "Budi Santoso <budi@contoh.id>",
    subject: str = "Paket belum sampai",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = subject
    m["Date"] = format_datetime(timezone.now())
    m["Message-ID"] = make_msgid(domain="contoh.id")
    for k, v in (headers or {}).items():
        m[k] = v
    if body:
        m.set_content(body)
    if html is not None:
        if body:
            m.add_alternative(html, subtype="html")
        else:
            m.set_content(html, subtype="html")
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(m)


def test_a_new_mail_opens_a_ticket_for_a_new_customer() -> None:
    result = ingest(mail(sender="Siti Aminah <Siti.Aminah@Contoh.id>"))
    assert result.status == "created" and result.ticket is not None
    ticket = result.ticket
    assert (ticket.channel, ticket.subject) == ("email", "Paket belum sampai")
    assert ticket.customer.name == "Siti Aminah"
    assert list(ticket.customer.contacts.values_list("value", flat=True)) == [
        "siti.aminah@contoh.id"
    ]
    assert ticket.messages.get(kind="inbound").body == "Paket saya belum sampai."
    assert ticket.messages.filter(kind="reply").count() == 1  # the acknowledgement


def test_a_known_sender_is_the_same_customer(customer: Customer) -> None:
    ticket = ingest(mail()).ticket
    assert ticket is not None and ticket.customer == customer


def test_the_same_message_id_is_filed_once() -> None:
    raw = mail()
    assert ingest(raw).status == "created"
    assert ingest(raw).status == "duplicate"
    assert Ticket.objects.count() == 1


def test_a_reply_threads_by_in_reply_to_and_by_the_number_in_the_subject(
    customer: Customer,
) -> None:
    first = mail()
    ticket = ingest(first).ticket
    assert ticket is not None
    first_id = parse(first).message_id
    reply = ingest(mail("Resinya JNE 123.", subject="Re: Paket", headers={"In-Reply-To": first_id}))
    assert (reply.status, reply.ticket) == ("appended", ticket)
    by_number = ingest(mail("Masih belum.", subject=f"Re: [{ticket.reference}] Paket"))
    assert (by_number.status, by_number.ticket) == ("appended", ticket)
    assert ticket.messages.filter(kind="inbound").count() == 3


def test_the_ticket_number_from_a_stranger_opens_a_new_ticket(customer: Customer) -> None:
    ticket = ingest(mail()).ticket
    assert ticket is not None
    other = ingest(mail(sender="orang.lain@contoh.id", subject=f"Re: {ticket.reference}"))
    assert other.status == "created" and other.ticket != ticket


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(agent: object, customer: Customer) -> None:
    first = mail()
    ticket = ingest(first).ticket
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    again = ingest(mail("Ada masalah lagi", headers={"In-Reply-To": parse(first).message_id}))
    assert again.status == "created" and again.ticket != ticket


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("utf-8", "Harga Rp 250.000 — kenapa dipotong? 😡"),
        ("iso-8859-1", "Caf\u00e9 Bandung, pesanan n\u00b0 12"),
        ("windows-1252", "Pesanan \u201cspesial\u201d \u2013 belum datang"),
        ("us-ascii", "Pesanan saya belum datang"),
    ],
)
def test_charsets(charset: str, text: str) -> None:
    m = EmailMessage()
    m["From"] = "budi@contoh.id"
    m["Subject"] = "=?utf-8?b?UGFrZXQgdGVybGFtYmF0IOKAlCBtb2hvbiBkaWNlaw==?="
    m["Message-ID"] = make_msgid()
    m.set_content(text, charset=charset)
    parsed = parse(bytes(m))
    assert parsed.text == text
    assert parsed.subject == "Paket terlambat — mohon dicek"


def test_html_only_mail_becomes_text_without_any_markup() -> None:
    raw = mail(
        "",
        html="<p>Halo <b>admin</b>,</p><script>alert(1)</script>"
        '<p>Tolong <a href="javascript:x">cek</a> &amp; balas.<br>Terima kasih</p>',
    )
    text = parse(raw).text
    assert "<" not in text and "alert" not in text
    assert "Halo admin," in text and "Tolong cek & balas." in text and "Terima kasih" in text


def test_multipart_alternative_prefers_the_plain_part() -> None:
    parsed = parse(mail("Teks biasa", html="<p>Teks <i>HTML</i></p>"))
    assert parsed.text == "Teks biasa"


def test_attachments_are_stored_on_the_message() -> None:
    raw = mail(
        attachments=[
            ("resi.pdf", b"%PDF-1.4 resi", "application/pdf"),
            ("foto.jpg", b"\xff\xd8\xff\xe0" + b"x" * 100, "image/jpeg"),
        ]
    )
    ticket = ingest(raw).ticket
    assert ticket is not None
    names = sorted(ticket.attachments.values_list("filename", flat=True))
    assert names == ["foto.jpg", "resi.pdf"]


def test_an_oversized_attachment_sends_the_mail_to_quarantine_whole(settings: object) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 1000  # type: ignore[attr-defined]
    raw = mail(attachments=[("besar.bin", b"x" * 5000, "application/octet-stream")])
    result = ingest(raw)
    assert result.status == "quarantined" and "besar.bin" in result.reason
    q = QuarantinedEmail.objects.get()
    assert bytes(q.raw) == raw and q.sender == "budi@contoh.id"
    assert not Ticket.objects.exists()
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 10_000  # type: ignore[attr-defined]
    out = StringIO()
    call_command("email_ingest", "--retry-quarantine", stdout=out)
    assert "created" in out.getvalue()
    q.refresh_from_db()
    assert q.released_at is not None and Ticket.objects.count() == 1


def test_forwarded_mail_keeps_the_original() -> None:
    inner = EmailMessage()
    inner["From"] = "Kurir <kurir@ekspedisi.contoh.id>"
    inner["Subject"] = "Paket dikembalikan"
    inner.set_content("Alamat tidak ditemukan.")
    outer = EmailMessage()
    outer["From"] = "budi@contoh.id"
    outer["Subject"] = "Fwd: Paket dikembalikan"
    outer["Message-ID"] = make_msgid()
    outer.set_content("Lihat di bawah, kenapa begini?")
    outer.add_attachment(inner)
    text = parse(bytes(outer)).text
    assert "Lihat di bawah" in text and "Alamat tidak ditemukan." in text
    assert "Kurir <kurir@ekspedisi.contoh.id>" in text


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
    ],
)
def test_automatic_mail_never_opens_a_ticket(headers: dict[str, str]) -> None:
    result = ingest(mail("Saya sedang cuti.", headers=headers))
    assert result.status == "automatic" and not Ticket.objects.exists()


def test_a_bounce_is_kept_on_its_ticket_as_a_note_without_reopening(customer: Customer) -> None:
    first = mail()
    ticket = ingest(first).ticket
    assert ticket is not None
    bounce = mail(
        "Delivery failed: mailbox full",
        sender="MAILER-DAEMON@mx.contoh.id",
        subject="Undelivered Mail",
        headers={"References": parse(first).message_id},
    )
    result = ingest(bounce)
    assert result.status == "automatic" and result.ticket == ticket
    note = ticket.messages.get(kind="note")
    assert "mailbox full" in note.body
    assert ticket.messages.filter(kind="reply").count() == 1  # no second acknowledgement


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: tanpa pengirim\r\n\r\nisi",
        b"From: bukan-alamat\r\nSubject: x\r\n\r\nisi",
        b"",
        b"\x00\x01\x02 sampah biner",
    ],
)
def test_broken_mail_is_quarantined_not_lost(raw: bytes) -> None:
    result = ingest(raw)
    assert result.status == "quarantined"
    assert bytes(QuarantinedEmail.objects.get().raw) == raw
    assert "pengirim" in result.reason


def test_an_unknown_charset_does_not_crash() -> None:
    raw = (
        b"From: budi@contoh.id\r\nSubject: aneh\r\nMessage-ID: <a1@contoh.id>\r\n"
        b"Content-Type: text/plain; charset=x-tidak-ada\r\n\r\nPesanan saya \xe9 belum datang"
    )
    result = ingest(raw)
    assert result.status == "created" and result.ticket is not None
    assert "Pesanan saya" in result.ticket.description


def test_truncated_mime_still_files_what_it_can() -> None:
    raw = (
        b"From: budi@contoh.id\r\nSubject: terpotong\r\nMessage-ID: <t1@contoh.id>\r\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n--XYZ\r\n'
        b"Content-Type: text/plain\r\n\r\nBagian pertama saja"
    )
    result = ingest(raw)
    assert result.status == "created"
    assert result.ticket is not None and "Bagian pertama" in result.ticket.description


def test_the_command_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    raw = mail()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = StringIO()
    call_command("email_ingest", stdout=out)
    assert out.getvalue().startswith("created SGP-")
    assert Message.objects.filter(channel="email", kind="inbound").count() == 1


def test_html_to_text_keeps_line_structure() -> None:
    assert html_to_text("<div>Satu</div><div>Dua&nbsp;&nbsp;tiga</div>") == "Satu\nDua tiga"


def test_parsed_headers_are_read_once_and_answer_like_the_standard_library() -> None:
    from email import message_from_bytes, policy

    from sigap.connectors.email.inbound import _ParsedMessage

    raw = (
        b"From: =?utf-8?q?Budi_Santoso?= <budi@contoh.id>\r\nSubject: Halo\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nIsi\r\n"
    )
    ours = message_from_bytes(raw, _class=_ParsedMessage, policy=policy.default)
    plain = message_from_bytes(raw, policy=policy.default)

    for name in ("From", "from", "Subject", "X-Tidak-Ada"):
        assert ours.get(name) == plain.get(name)
        assert ours.get(name, "kosong") == plain.get(name, "kosong")
    assert ours.get_content_type() == plain.get_content_type() == "text/plain"
    assert ours.get("From") is ours.get("FROM")  # parsed once, then kept
