"""An HTML email's sanitized HTML is kept beside its text and shown, sanitized, on the
ticket page; the text stays the body (search, replies, previews)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

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
    assert '<p>Teks</p><img data-blocked="">' in html  # a relative src is not fetched either
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


TRACKING = (
    "<p>Halo, pesanan saya belum datang.</p>"
    '<img src="https://tracker.example/p.gif" width="1" height="1" alt="">'
    '<img srcset="https://x.example/a.png 2x" alt="logo">'
    '<img src="//x.example/c.png" alt="relatif protokol">'
    '<div style="background:url(https://x.example/b.png)">Salam</div>'
    '<table background="https://x.example/t.png"><tr><td>sel</td></tr></table>'
)
REMOTE_HOSTS = ("tracker.example", "x.example")
LOADING_ATTRIBUTES = ("src", "srcset", "style", "background", "poster", "data", "href")


class _Loads(HTMLParser):
    """Every attribute a browser may fetch from on its own (``href`` only on ``link``)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in LOADING_ATTRIBUTES and (name != "href" or tag == "link"):
                self.values.append(value or "")


def loaded_urls(html: str) -> list[str]:
    parser = _Loads()
    parser.feed(html)
    return [v for v in parser.values if any(host in v for host in REMOTE_HOSTS)]


def _tracked_ticket() -> tuple[Ticket, Message]:
    ticket = ingest(html_mail("Halo, pesanan saya belum datang.", TRACKING)).ticket
    assert ticket is not None
    return ticket, ticket.messages.get(kind="inbound")


def test_remote_images_are_not_loaded_when_the_ticket_page_opens(admin: User) -> None:
    ticket, message = _tracked_ticket()

    html = page(admin, ticket)

    assert loaded_urls(html) == []
    assert "Halo, pesanan saya belum datang." in html
    assert "Tampilkan gambar" in html
    assert f"?images={message.pk}#event-" in html


def test_show_images_reveals_them_for_that_one_message_still_sanitized(admin: User) -> None:
    ticket, message = _tracked_ticket()
    Message.objects.filter(pk=message.pk).update(
        body_html=message.body_html + '<img src="https://x.example/d.png" onerror="alert(1)">'
    )
    other = ingest(
        html_mail(
            "Lagi",
            '<img src="https://tracker.example/lain.gif">',
            In_Reply_To=message.external_id,
        )
    )
    assert other.ticket == ticket
    client = Client()
    client.force_login(admin)

    html = client.get(f"/tickets/{ticket.pk}/", {"images": message.pk}).content.decode()

    assert sorted(loaded_urls(html)) == [
        "https://tracker.example/p.gif",
        "https://x.example/a.png 2x",
        "https://x.example/c.png",
        "https://x.example/d.png",
    ]
    assert "onerror" not in html and "alert(1)" not in html
    assert 'referrerpolicy="no-referrer"' in html
    assert f"part=live&amp;images={message.pk}" in html  # a live refresh keeps them shown
    live = client.get(f"/tickets/{ticket.pk}/", {"part": "live", "images": message.pk})
    assert "https://tracker.example/p.gif" in live.content.decode()
    assert "lain.gif" not in live.content.decode()


def test_the_portal_never_offers_or_shows_remote_images(
    customer_user: User, customer: Customer
) -> None:
    ticket, message = _tracked_ticket()
    client = Client()
    client.force_login(customer_user)

    response = client.get(reverse("portal:ticket", args=[ticket.pk]), {"images": message.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert loaded_urls(html) == []
    assert "Tampilkan gambar" not in html
