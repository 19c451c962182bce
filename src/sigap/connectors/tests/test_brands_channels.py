"""Brands on the channels (issue 17): a ticket gets the brand of the channel it came in on
(the mailbox it was fetched from or addressed to, the messaging connection), else the
default brand; a reply leaves as the ticket's brand, through a real SMTP server on
loopback: the brand's sender name and address, its signature, its logo and colour."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from sigap.accounts import brands
from sigap.accounts.models import Brand, User
from sigap.connectors import services as channel_services
from sigap.connectors.email.inbound import ingest
from sigap.connectors.models import EmailParticipant, Mailbox
from sigap.connectors.tests.conftest import Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_email_out import Inbox, incoming, smtp  # noqa: F401
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand_b(settings: Any, tmp_path: Any) -> Brand:
    settings.MEDIA_ROOT = tmp_path
    b = Brand.objects.create(
        name="Kopi Senja",
        slug="kopi-senja",
        colour="#7A3E12",
        sender_name="Kopi Senja CS",
        sender_email="halo@kopisenja.contoh.id",
        signature="Salam hangat,\nTim Kopi Senja",
    )
    b.logo.save("kopi-senja.png", ContentFile(b"\x89PNG fake"), save=False)
    b.logo_type = "image/png"
    b.save()
    return b


@pytest.fixture
def mailbox_b(brand_b: Brand) -> Mailbox:
    return Mailbox.objects.create(
        name="CS Kopi Senja",
        address="cs@kopisenja.contoh.id",
        host="127.0.0.1",
        username="cs",
        active=False,
        brand=brand_b,
    )


def test_mail_to_a_brands_mailbox_opens_a_ticket_of_that_brand(mailbox_b: Mailbox) -> None:
    by_address = ingest(
        incoming(
            "Kopi basi", To="cs@kopisenja.contoh.id", Cc="halo@kopisenja.contoh.id, ani@contoh.id"
        )
    ).ticket
    fetched = ingest(incoming("Kopi dingin"), mailbox=mailbox_b).ticket  # polled from it
    elsewhere = ingest(incoming("Paket hilang", To="cs@belanjaku.contoh.id")).ticket
    assert by_address is not None and fetched is not None and elsewhere is not None
    assert by_address.brand_id == fetched.brand_id == mailbox_b.brand_id
    assert elsewhere.brand_id == brands.default_id()
    # the brand's own sender address copied in is not a participant of the ticket
    copied = EmailParticipant.objects.filter(ticket=by_address).values_list("address", flat=True)
    assert list(copied) == ["ani@contoh.id"]


def test_a_reply_leaves_from_the_brands_address_with_its_signature_and_logo(
    smtp: Inbox,  # noqa: F811
    mailbox_b: Mailbox,
    agent: User,
    customer: object,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ingest(incoming("Kopi basi", To="cs@kopisenja.contoh.id")).ticket
        assert ticket is not None
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Kami ganti, Kak.")
    ack, reply = smtp.messages  # the acknowledgement leaves as the brand too
    for mail in (ack, reply):
        assert "halo@kopisenja.contoh.id" in mail["From"] and "Kopi Senja CS" in mail["From"]
        text = mail.get_body(preferencelist=("plain",))
        html = mail.get_body(preferencelist=("html",))
        assert text is not None and html is not None
        plain = text.get_content().replace("\r\n", "\n").rstrip()
        assert plain.endswith("\n-- \nSalam hangat,\nTim Kopi Senja")
        rich = html.get_content()
        assert "http://127.0.0.1:8000/merek/kopi-senja/logo/?v=" in rich
        assert "border-top:4px solid #7A3E12" in rich and "Tim Kopi Senja" in rich
    assert "Rina (Kopi Senja CS)" in reply["From"]


def test_a_default_brand_reply_is_unchanged(
    smtp: Inbox,  # noqa: F811
    mailbox_b: Mailbox,
    agent: User,
    customer: object,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ingest(incoming()).ticket
        assert ticket is not None
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang kami cek.")
    reply = smtp.messages[-1]
    assert "Rina (Belanjaku)" in reply["From"] and "cs@belanjaku.contoh.id" in reply["From"]
    html = reply.get_body(preferencelist=("html",))
    assert html is not None and "logo" not in html.get_content()


def test_a_message_on_a_brands_telegram_bot_opens_a_ticket_of_that_brand(
    telegram: FakeApi, post_telegram: Post, brand_b: Brand, admin: User
) -> None:
    """The brand's own bot (its connection, ``test_brand_connections``); the server's bot
    stays the default brand's."""
    account = channel_services.channel_save(
        actor=admin,
        provider="telegram",
        values={},
        typed={
            "SIGAP_TELEGRAM_BOT_TOKEN": "7098765432:AAKopiSenjaBotTokenUntukUjiCoba_123456",
            "SIGAP_TELEGRAM_SECRET_TOKEN": "rahasia-kopi-senja",
        },
        brand=brand_b,
    )
    assert account.brand_id == brand_b.pk
    assert post_telegram(load("telegram_text.json")).status_code == 200
    assert post_telegram(load("telegram_text.json"), secret="rahasia-kopi-senja").json() == {
        "result": "accepted"
    }
    default, own = Ticket.objects.order_by("id")
    assert (default.brand_id, own.brand_id) == (brands.default_id(), brand_b.pk)


def test_a_chat_from_a_brands_widget_opens_a_ticket_of_that_brand(brand_b: Brand) -> None:
    from sigap.connectors.livechat import services as livechat

    def start(cid: str, brand: str) -> Ticket:
        chat = livechat.chat_start(
            name="Ani Wijaya",
            email="ani@contoh.id",
            phone="",
            body="Kopi saya belum datang.",
            cid=cid,
            browser_key="browser-key-of-the-test-visitor-00000001",
            brand=brand,
        )
        return chat.ticket

    assert start("cid-brand-0001", "kopi-senja").brand_id == brand_b.pk  # data-brand
    assert start("cid-brand-0002", "").brand_id == brands.default_id()
    assert start("cid-brand-0003", "tidak-ada").brand_id == brands.default_id()
