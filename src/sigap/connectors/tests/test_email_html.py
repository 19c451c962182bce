"""An HTML email's sanitized HTML is kept beside its text and shown, sanitized, on the
ticket page; the text stays the body (search, replies, previews)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors.email.inbound import ingest
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
HOSTILE = (
    '<p onclick="curi()">Voucher saya <b>hilang</b>.</p><script>alert("xss")</script>'
    '<a href="javascript:alert(1)">klik</a> <a href="https://contoh.id/resi">resi</a>'
)


def html_mail(text: str, html: str, **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = "Budi Santoso <budi@contoh.id>"
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = "Voucher hilang"
    m["Message-ID"] = make_msgid(domain="contoh.id")
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    if text:
        m.set_content(text)
        m.add_alternative(html, subtype="html")
    else:
        m.set_content(html, subtype="html")
    return bytes(m)


def page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_html_is_kept_sanitized_beside_the_text(admin: User) -> None:
    ticket = ingest(html_mail("Voucher saya hilang.", HOSTILE)).ticket
    assert ticket is not None
    message = ticket.messages.get(kind="inbound")
    assert message.body == "Voucher saya hilang."
    assert message.body_html == (
        "<p>Voucher saya <b>hilang</b>.</p>"
        '<a rel="noopener noreferrer nofollow">klik</a> '
        '<a href="https://contoh.id/resi" rel="noopener noreferrer nofollow">resi</a>'
    )
    html = page(admin, ticket)
    assert "Voucher saya <b>hilang</b>." in html
    assert "curi()" not in html and "alert(" not in html and "javascript:" not in html


def test_an_html_only_reply_threads_and_keeps_its_html(admin: User, customer: Customer) -> None:
    first = html_mail("Voucher saya hilang.", "<p>Voucher saya hilang.</p>")
    ticket = ingest(first).ticket
    assert ticket is not None
    first_id = Message.objects.get(ticket=ticket, kind="inbound").external_id
    answer = ingest(html_mail("", "<p>Kode <code>HEMAT50</code></p>", In_Reply_To=first_id))
    assert (answer.status, answer.ticket) == ("appended", ticket)
    latest = ticket.messages.filter(kind="inbound").latest("id")
    assert (latest.body, latest.body_html) == ("Kode HEMAT50", "<p>Kode <code>HEMAT50</code></p>")
    assert "<code>HEMAT50</code>" in page(admin, ticket)


def test_the_page_sanitizes_stored_html_again(admin: User) -> None:
    """Defence in depth: HTML stored by an older version (or by hand) is cleaned on output."""
    ticket = ingest(html_mail("Teks", "<p>Teks</p>")).ticket
    assert ticket is not None
    Message.objects.filter(ticket=ticket, kind="inbound").update(
        body_html='<p>Teks</p><script>alert("lama")</script><img src=x onerror="alert(2)">'
    )
    html = page(admin, ticket)
    assert '<p>Teks</p><img src="x">' in html
    assert 'alert("lama")' not in html and "onerror" not in html


def test_plain_mail_is_shown_as_text(admin: User) -> None:
    m = EmailMessage()
    m["From"] = "budi@contoh.id"
    m["Subject"] = "Teks biasa"
    m["Message-ID"] = make_msgid(domain="contoh.id")
    m.set_content("Baris satu <b>bukan tebal</b>\nBaris dua")
    ticket = ingest(bytes(m)).ticket
    assert ticket is not None
    assert ticket.messages.get(kind="inbound").body_html == ""
    html = page(admin, ticket)
    assert "Baris satu &lt;b&gt;bukan tebal&lt;/b&gt;<br>Baris dua" in html
