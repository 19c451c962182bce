"""Limits on abuse (issue "Trust", finding 5): password guessing locks the account and the
address out with a clear Indonesian answer (HTTP 429) that an admin can lift, and mail
sent on anyone's request (sign-in links, sign-up) is limited per recipient and per client."""

from __future__ import annotations

import logging

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client

from sigap.accounts.models import User
from sigap.accounts.services import user_create

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str) -> int:
    response = client.post("/masuk/", {"username": username, "password": password})
    return int(response.status_code)


@pytest.fixture
def budi() -> User:
    return user_create(
        username="budi@contoh.id", email="budi@contoh.id", password="benar-2026", role="customer"
    )


def test_guessing_a_password_locks_the_account_out(
    budi: User, caplog: pytest.LogCaptureFixture
) -> None:
    """40 wrong passwords in a row: after the limit every try, the right one included, is
    answered 429 with the reason, until the lock runs out or an admin lifts it."""
    attacker = Client()
    codes = [sign_in(attacker, "budi@contoh.id", f"salah-{n}") for n in range(40)]
    limit = settings.AXES_FAILURE_LIMIT
    assert codes[: limit - 1] == [200] * (limit - 1)  # the form again, with the error
    assert set(codes[limit:]) == {429}
    locked = attacker.post("/masuk/", {"username": "budi@contoh.id", "password": "benar-2026"})
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in locked.content.decode()
    # from another address too: the account itself is locked
    assert sign_in(Client(REMOTE_ADDR="10.9.9.9"), "budi@contoh.id", "benar-2026") == 429
    assert "locked out" in caplog.text.lower() or "lockout" in caplog.text.lower()


def test_an_admin_lifts_the_lock(budi: User, admin: User) -> None:
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "budi@contoh.id", f"salah-{n}")
    assert sign_in(Client(), "budi@contoh.id", "benar-2026") == 429
    staff = Client()
    staff.force_login(admin)
    attempts = AccessAttempt.objects.filter(username="budi@contoh.id")
    assert attempts.exists()
    response = staff.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": [a.pk for a in attempts],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert sign_in(Client(), "budi@contoh.id", "benar-2026") == 302  # signed in


def test_guessing_many_accounts_from_one_address_locks_the_address(db: None) -> None:
    attacker = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, f"orang{n}@contoh.id", "salah")
    assert sign_in(attacker, "lain@contoh.id", "salah") == 429
    assert sign_in(Client(REMOTE_ADDR="10.1.2.4"), "lain@contoh.id", "salah") == 200


def test_sign_in_links_to_one_address_are_limited(budi: User) -> None:
    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post("/portal/tautan/", {"email": "budi@contoh.id"})
        for n in range(6)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429, 429]
    assert "Terlalu banyak permintaan" in answers[-1].content.decode()
    assert len(mail.outbox) == 3


def test_one_client_cannot_mail_many_addresses(caplog: pytest.LogCaptureFixture) -> None:
    spammer = Client(REMOTE_ADDR="10.7.7.7")
    codes = []
    with caplog.at_level(logging.WARNING):
        for n in range(25):
            data = {
                "name": "Orang",
                "email": f"korban{n}@contoh.id",
                "phone": "",
                "password": "sandi-acak-2026",
                "password2": "sandi-acak-2026",
            }
            codes.append(spammer.post("/portal/daftar/", data).status_code)
    assert 429 in codes
    allowed = codes.index(429)
    assert set(codes[allowed:]) == {429}
    assert len(mail.outbox) == allowed <= 10
    assert "rate limit" in caplog.text.lower()
