"""Attacks on customer accounts (issue "Trust", findings 1, 2, 6 and part of 5): an address
is proven only by a link mailed to it, a password chosen before that proof survives only in
the browser that chose it, an account staff switched off stays off, and the sign-up form
tells nobody which addresses have accounts."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from sigap.accounts.models import User
from sigap.accounts.services import token_authenticate, token_create, user_create
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.portal import magic

pytestmark = pytest.mark.django_db


def signs_in(username: str, password: str) -> bool:
    """The password works at the sign-in form (a fresh browser)."""
    response = Client().post("/masuk/", {"username": username, "password": password})
    return bool(response.status_code == 302)


VICTIM = "dewi@contoh.id"


def link_in_last_mail() -> str:
    match = re.search(r"http://\S+/portal/tautan/(\S+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return f"/portal/tautan/{match.group(1)}/"


def signup(client: Client, email: str, password: str, name: str = "Dewi Lestari") -> str:
    response = client.post(
        "/portal/daftar/",
        {"name": name, "email": email, "phone": "", "password": password, "password2": password},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return str(response.content.decode())


@pytest.fixture
def victim_history() -> Customer:
    """A customer who has written to the business by email, with no portal account yet."""
    return customer_create(name="Dewi Lestari", contacts=[ContactIn("email", VICTIM)])


def test_a_password_set_before_the_address_was_proven_does_not_survive_the_owners_link(
    victim_history: Customer,
) -> None:
    """Pre-hijacking: the attacker signs up with the victim's address and their own
    password; the victim later signs in with a link. The attacker's password is gone."""
    attacker = Client()
    signup(attacker, VICTIM, "sandi-penyerang-77")
    victim = Client()
    victim.post("/portal/tautan/", {"email": VICTIM})
    assert victim.get(link_in_last_mail()).status_code == 302  # the owner is signed in
    user = User.objects.get(email=VICTIM)
    assert user.is_active and user.email_verified_at is not None
    assert not user.has_usable_password()
    assert not signs_in(VICTIM, "sandi-penyerang-77")
    victim_history.refresh_from_db()
    assert victim_history.user == user  # the owner has their history


def test_the_owner_clicking_the_sign_up_mail_an_attacker_caused_drops_the_attackers_password(
    victim_history: Customer,
) -> None:
    signup(Client(), VICTIM, "sandi-penyerang-77")
    owner = Client()  # the victim opens the activation mail in their own browser
    assert owner.get(link_in_last_mail()).status_code == 302
    assert not User.objects.get(email=VICTIM).has_usable_password()
    assert not signs_in(VICTIM, "sandi-penyerang-77")


def test_the_person_who_signed_up_keeps_their_password_in_their_browser() -> None:
    me = Client()
    signup(me, "rahmat@contoh.id", "kopi-tubruk-2026")
    assert me.get(link_in_last_mail()).status_code == 302
    assert signs_in("rahmat@contoh.id", "kopi-tubruk-2026")


def test_a_later_sign_up_for_a_waiting_account_voids_the_earlier_link() -> None:
    """The victim signs up; the attacker signs up again with the same address and their
    own password: the victim's link no longer activates anything with either password."""
    victim = Client()
    signup(victim, VICTIM, "sandi-pemilik-2026")
    victims_link = link_in_last_mail()
    signup(Client(), VICTIM, "sandi-penyerang-77")
    assert victim.get(victims_link).status_code == 400
    assert not User.objects.get(email=VICTIM).is_active


def test_an_account_switched_off_by_staff_stays_off_whatever_link_is_used() -> None:
    user = user_create(username=VICTIM, email=VICTIM, password="sandi-lama-2026", role="customer")
    customer_create(name="Dewi", contacts=[ContactIn("email", VICTIM)], user=user)
    token = token_create(user=user, name="integrasi")
    old_link = f"/portal/tautan/{magic.make_token(user)}/"
    user.is_active = False  # an admin switched it off
    user.save(update_fields=["is_active"])
    mail.outbox.clear()

    asked = Client().post("/portal/tautan/", {"email": VICTIM})
    assert asked.status_code == 200  # the same answer as for any address
    assert mail.outbox == []  # but no link
    refused = Client().get(old_link)
    assert refused.status_code == 403
    assert "dinonaktifkan" in refused.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert token_authenticate(token) is None


def test_sign_up_does_not_tell_which_addresses_have_accounts(victim_history: Customer) -> None:
    user_create(username=VICTIM, email=VICTIM, password="sandi-pemilik-2026", role="customer")
    taken = signup(Client(), VICTIM, "sandi-lain-2026")
    fresh = signup(Client(), "baru@contoh.id", "sandi-lain-2026")
    strip = re.compile(r'\S+@contoh\.id|"X-CSRFToken": "[^"]+"|value="[\w-]{40,}"')
    assert strip.sub("", taken) == strip.sub("", fresh)
    assert "sudah terdaftar" not in taken
    # the owner hears of it by mail, with a sign-in link, and their password is untouched
    to_owner = [m for m in mail.outbox if m.to == [VICTIM]]
    assert len(to_owner) == 1 and "/portal/tautan/" in to_owner[0].body
    assert signs_in(VICTIM, "sandi-pemilik-2026")


def test_mail_to_an_address_not_yet_proven_carries_no_text_the_requester_chose() -> None:
    bait = "Selamat! Anda menang Rp10.000.000, balas dengan PIN Anda"
    signup(Client(), "target@contoh.id", "sandi-lain-2026", name=bait)
    (sent,) = mail.outbox
    assert "menang" not in sent.body and "PIN" not in sent.body
    assert "menang" not in sent.subject
