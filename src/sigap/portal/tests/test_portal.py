"""The customer portal: sign-up with email verification, magic links, submitting,
following and answering one's own tickets."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services
from sigap.tickets.models import Proposal, Ticket

pytestmark = pytest.mark.django_db


def signs_in(username: str, password: str) -> bool:
    """The password works at the sign-in form (a fresh browser)."""
    response = Client().post("/masuk/", {"username": username, "password": password})
    return bool(response.status_code == 302)


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def link_in_last_mail() -> str:
    match = re.search(r"http://\S+/portal/tautan/(\S+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return f"/portal/tautan/{match.group(1)}/"


SIGNUP = {
    "name": "Rahmat Hidayat",
    "email": "Rahmat@Contoh.id",
    "phone": "0813-1111-2222",
    "password": "kopi-tubruk-2026",
    "password2": "kopi-tubruk-2026",
}


def test_signup_needs_the_emailed_link_then_links_history(agent: User) -> None:
    earlier = customer_create(name="Rahmat H.", contacts=[ContactIn("email", "rahmat@contoh.id")])
    c = Client()
    response = c.post("/portal/daftar/", SIGNUP)
    assert response.status_code == 200 and "Periksa email Anda" in response.content.decode()
    user = User.objects.get(username="rahmat@contoh.id")
    assert not user.is_active
    assert not signs_in("rahmat@contoh.id", SIGNUP["password"])
    assert c.get(link_in_last_mail()).status_code == 302
    user.refresh_from_db()
    assert user.is_active
    earlier.refresh_from_db()
    assert earlier.user == user  # tickets sent earlier from this address are now theirs
    assert c.get("/portal/").status_code == 200


def test_signup_errors_keep_the_input() -> None:
    response = Client().post("/portal/daftar/", {**SIGNUP, "password2": "lain"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Kata sandi tidak sama." in html
    assert 'value="Rahmat Hidayat"' in html and 'value="0813-1111-2222"' in html
    assert not User.objects.filter(username="rahmat@contoh.id").exists()


def test_signup_new_customer_gets_normalised_contacts() -> None:
    c = Client()
    c.post("/portal/daftar/", SIGNUP)
    c.get(link_in_last_mail())
    customer = Customer.objects.get(user__username="rahmat@contoh.id")
    assert sorted(customer.contacts.values_list("value", flat=True)) == [
        "+6281311112222",
        "rahmat@contoh.id",
    ]


def test_magic_link_signs_in_once(customer_user: User, customer: Customer) -> None:
    customer_user.email = "budi@contoh.id"
    customer_user.save()
    c = Client()
    response = c.post("/portal/tautan/", {"email": "BUDI@contoh.id"})
    assert response.status_code == 200
    link = link_in_last_mail()
    assert c.get(link)["Location"] == "/portal/"
    assert c.get("/portal/").status_code == 200
    again = Client().get(link)
    assert again.status_code == 400
    assert "sudah dipakai" in again.content.decode()


def test_magic_link_expires(customer_user: User, customer: Customer) -> None:
    customer_user.email = "budi@contoh.id"
    customer_user.save()
    Client().post("/portal/tautan/", {"email": "budi@contoh.id"})
    link = link_in_last_mail()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert Client().get(link).status_code == 400


def test_magic_link_does_not_reveal_accounts() -> None:
    response = Client().post("/portal/tautan/", {"email": "tidak.ada@contoh.id"})
    assert response.status_code == 200
    assert "Bila tidak.ada@contoh.id terdaftar" in response.content.decode()
    assert mail.outbox == []


def test_a_tampered_link_is_refused() -> None:
    assert Client().get("/portal/tautan/bukan-token/").status_code == 400


def test_submit_a_complaint_with_an_attachment(customer_user: User, customer: Customer) -> None:
    c = logged(customer_user)
    photo = SimpleUploadedFile("foto.txt", b"layar retak", content_type="text/plain")
    response = c.post(
        "/portal/baru/",
        {
            "kind": "complaint",
            "subject": "Layar retak",
            "description": "Datang sudah retak.",
            "attachments": [photo],
        },
    )
    ticket = Ticket.objects.get(subject="Layar retak")
    assert response["Location"] == f"/portal/tiket/{ticket.pk}/"
    assert ticket.channel == "portal" and ticket.customer == customer
    assert ticket.attachments.get().filename == "foto.txt"
    html = c.get(response["Location"]).content.decode()
    assert "Keluhan Anda sudah kami terima." in html
    assert "Paling lambat:" in html and "WIB" in html


def test_submit_errors_keep_the_text(customer_user: User, customer: Customer) -> None:
    response = logged(customer_user).post(
        "/portal/baru/", {"kind": "complaint", "subject": "", "description": "Jangan hilang"}
    )
    assert response.status_code == 422
    assert "Jangan hilang" in response.content.decode()
    assert not Ticket.objects.exists()


def test_customer_sees_public_history_only(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    services.message_add(actor=agent, ticket=ticket, kind="note", body="Pelanggan rewel")
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang kami cek")
    html = logged(customer_user).get(f"/portal/tiket/{ticket.pk}/").content.decode()
    assert "Sedang kami cek" in html
    assert "Pelanggan rewel" not in html


def test_reply_from_the_portal(customer_user: User, ticket: Ticket) -> None:
    c = logged(customer_user)
    r = c.post(f"/portal/tiket/{ticket.pk}/balas/", {"body": "Ini nomor resinya"})
    assert r.status_code == 302
    assert ticket.messages.filter(kind="inbound", body="Ini nomor resinya").exists()
    empty = c.post(f"/portal/tiket/{ticket.pk}/balas/", {"body": ""})
    assert empty.status_code == 422


def _offer(agent: User, ticket: Ticket) -> Proposal:
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Ulang", customer_confirmed=True
    )
    return services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary="Kirim ulang barang",
        compensation_type="voucher",
        compensation_amount=25000,
    )


def test_accept_a_proposal(agent: User, customer_user: User, ticket: Ticket) -> None:
    proposal = _offer(agent, ticket)
    c = logged(customer_user)
    html = c.get(f"/portal/tiket/{ticket.pk}/").content.decode()
    assert "terima atau tolak usulan" in html and "Rp 25.000" in html
    r = c.post(f"/portal/usulan/{proposal.pk}/accept/")
    assert r.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "accepted"


def test_reject_needs_a_reason(agent: User, customer_user: User, ticket: Ticket) -> None:
    proposal = _offer(agent, ticket)
    c = logged(customer_user)
    r = c.post(f"/portal/usulan/{proposal.pk}/reject/", {"reason": ""})
    assert r.status_code == 422
    proposal.refresh_from_db()
    assert proposal.status == "offered"
    c.post(f"/portal/usulan/{proposal.pk}/reject/", {"reason": "Saya ingin refund"})
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and proposal.rejection_reason == "Saya ingin refund"


def test_cannot_answer_someone_elses_proposal(
    agent: User, other_customer_user: User, other_customer: Customer, ticket: Ticket
) -> None:
    proposal = _offer(agent, ticket)
    r = logged(other_customer_user).post(f"/portal/usulan/{proposal.pk}/accept/")
    assert r.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "offered"


def test_portal_list_shows_next_step(
    customer_user: User, ticket: Ticket, team: Team, other_ticket: Ticket
) -> None:
    html = logged(customer_user).get("/portal/").content.decode()
    assert ticket.reference in html and other_ticket.reference not in html
    assert "Langkah berikutnya:" in html


def test_staff_are_sent_to_the_inbox(agent: User) -> None:
    assert logged(agent).get("/portal/")["Location"] == "/inbox/"


def test_customer_account_without_record(db: None) -> None:
    from sigap.accounts.services import user_create

    lonely = user_create(username="sendiri@contoh.id", password="x-12345678", role="customer")
    assert logged(lonely).get("/portal/").status_code == 403
