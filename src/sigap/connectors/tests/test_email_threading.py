"""Threading by headers checks the sender: a Message-ID is no secret (it travels in every
reply, forward and mailing-list copy), so ``In-Reply-To``/``References`` alone never put a
stranger's mail on another customer's ticket. Only the ticket's customer (any of their
email addresses, in any case) and the addresses their mail copied in (``Cc``) thread; the
message always records who actually wrote it."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors.email.inbound import ingest, parse
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def mail(
    body: str = "Paket saya belum sampai.",
    *,
    sender: str = "Budi Santoso <budi@contoh.id>",
    subject: str = "Paket belum sampai",
    headers: dict[str, str] | None = None,
) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = subject
    m["Date"] = format_datetime(timezone.now())
    m["Message-ID"] = make_msgid(domain="contoh.id")
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body)
    return bytes(m)


def opened(raw: bytes) -> tuple[Ticket, str]:
    result = ingest(raw)
    assert result.status == "created" and result.ticket is not None
    return result.ticket, parse(raw).message_id


def page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_stranger_with_a_forged_in_reply_to_gets_a_ticket_of_their_own(
    customer: Customer,
) -> None:
    victim, first_id = opened(mail("Nomor rekening saya 123-456."))

    forged = ingest(
        mail(
            "Tolong kirim refund ke rekening 999.",
            sender="Penipu <penipu@jahat.contoh>",
            subject="Re: Paket belum sampai",
            headers={"In-Reply-To": first_id},
        )
    )

    assert forged.status == "created" and forged.ticket is not None
    assert forged.ticket != victim
    assert forged.ticket.customer != customer
    assert list(victim.messages.filter(kind="inbound").values_list("body", flat=True)) == [
        "Nomor rekening saya 123-456."
    ]
    assert not victim.messages.filter(body__contains="rekening 999").exists()


def test_a_stranger_with_a_forged_references_chain_gets_a_ticket_of_their_own(
    customer: Customer,
) -> None:
    victim, first_id = opened(mail())

    forged = ingest(
        mail(
            "Saya suaminya, ganti alamat kirim ya.",
            sender="penipu@jahat.contoh",
            subject="Re: Paket belum sampai",
            headers={"References": f"<lain@contoh.id> {first_id}"},
        )
    )

    assert forged.status == "created" and forged.ticket is not None
    assert forged.ticket != victim
    assert victim.messages.filter(kind="inbound").count() == 1


def test_the_customer_replying_with_in_reply_to_still_threads(customer: Customer) -> None:
    ticket, first_id = opened(mail())

    reply = ingest(mail("Resinya JNE 123.", subject="Re: Paket", headers={"In-Reply-To": first_id}))

    assert (reply.status, reply.ticket) == ("appended", ticket)
    latest = ticket.messages.filter(kind="inbound").latest("id")
    assert (latest.body, latest.sender_address) == ("Resinya JNE 123.", "budi@contoh.id")


def test_a_customer_address_differing_only_in_case_threads(customer: Customer) -> None:
    ticket, first_id = opened(mail())

    reply = ingest(
        mail(
            "Sudah saya cek.",
            sender="BUDI <Budi@CONTOH.id>",
            headers={"References": first_id},
        )
    )

    assert (reply.status, reply.ticket) == ("appended", ticket)


def test_a_cc_the_ticket_knows_threads_and_is_shown_with_their_own_address(
    admin: User, customer: Customer
) -> None:
    ticket, first_id = opened(mail(headers={"Cc": "Siti Istri <Siti@Contoh.id>"}))

    reply = ingest(
        mail(
            "Saya istrinya, paketnya sudah datang.",
            sender="Siti Istri <siti@contoh.id>",
            subject="Re: Paket belum sampai",
            headers={"In-Reply-To": first_id},
        )
    )

    assert (reply.status, reply.ticket) == ("appended", ticket)
    message = ticket.messages.filter(kind="inbound").latest("id")
    assert message.sender_address == "siti@contoh.id"
    html = page(admin, ticket)
    assert "siti@contoh.id (bukan pelanggan)" in html
    assert "Budi Santoso · " not in html


def test_a_cc_of_another_ticket_does_not_thread(customer: Customer) -> None:
    opened(mail(subject="Lain", headers={"Cc": "siti@contoh.id"}))
    ticket, first_id = opened(mail())

    reply = ingest(mail("Halo", sender="siti@contoh.id", headers={"In-Reply-To": first_id}))

    assert reply.status == "created" and reply.ticket != ticket


def test_a_cc_the_ticket_knows_threads_by_the_number_in_the_subject(
    customer: Customer,
) -> None:
    ticket, _ = opened(mail(headers={"Cc": "siti@contoh.id"}))

    reply = ingest(mail("Halo", sender="siti@contoh.id", subject=f"Re: [{ticket.reference}]"))

    assert (reply.status, reply.ticket) == ("appended", ticket)


def test_the_customer_sees_a_third_partys_message_under_its_address(
    customer_user: User, customer: Customer
) -> None:
    ticket, first_id = opened(mail(headers={"Cc": "siti@contoh.id"}))
    ingest(mail("Dari Siti", sender="siti@contoh.id", headers={"In-Reply-To": first_id}))
    client = Client()
    client.force_login(customer_user)

    html = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()

    assert "siti@contoh.id" in html
    assert Message.objects.filter(ticket=ticket, sender_address="siti@contoh.id").count() == 1
