"""The customer's sign-in page: signed-out customers land there from any portal page, sign
in with their email and password (or ask for a link), and read it in English too."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import LazySettings, settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Role, User
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("path", ["/portal/", "/portal/baru/", "/portal/tiket/1/"])
def test_a_signed_out_visitor_of_the_portal_lands_on_the_customer_sign_in(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/portal/masuk/?next={path}"
    page = text_of(Client().get(response["Location"]).content.decode())
    assert "Masuk dengan email Anda" in page
    assert "Nama pengguna" not in page
    assert "Kirimi saya tautan masuk lewat email" in page


def test_a_customer_signs_in_with_email_and_password_and_lands_where_they_were_going(
    customer: Customer, ticket: Ticket
) -> None:
    c = Client()
    response = c.post(
        "/portal/masuk/",
        {
            "email": "Budi@Contoh.id",
            "password": "rahasia-budi",
            "next": f"/portal/tiket/{ticket.pk}/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/portal/tiket/{ticket.pk}/"
    assert ticket.subject in c.get(response["Location"]).content.decode()
    assert c.get("/portal/").status_code == 200


def test_the_account_email_signs_in_when_the_user_name_is_not_the_address(db: None) -> None:
    user_create(
        username="pelanggan-77",
        password="rahasia-ani-2026",
        role=Role.CUSTOMER,
        email="ani@contoh.id",
    )

    response = Client().post(
        "/portal/masuk/", {"email": "ani@contoh.id", "password": "rahasia-ani-2026"}
    )

    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_a_wrong_password_or_an_unknown_address_is_one_plain_refusal(
    customer_user: User,
) -> None:
    c = Client()
    wrong = c.post("/portal/masuk/", {"email": "budi@contoh.id", "password": "salah"})
    unknown = c.post("/portal/masuk/", {"email": "siapa@contoh.id", "password": "salah"})

    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "Email atau kata sandi salah." in response.content.decode()
    assert "_auth_user_id" not in c.session


def test_a_staff_user_name_is_refused_with_the_way_to_the_staff_sign_in(agent: User) -> None:
    c = Client()
    response = c.post("/portal/masuk/", {"email": agent.username, "password": "rahasia-agen"})

    assert response.status_code == 422
    page = text_of(response.content.decode())
    assert "Tulis alamat email Anda" in page
    assert "Petugas masuk dengan nama pengguna di halaman masuk petugas" in page
    assert 'href="/masuk/"' in response.content.decode()
    assert "_auth_user_id" not in c.session


def test_a_staff_members_email_and_password_do_not_sign_in_here(db: None) -> None:
    user_create(
        username="andi.agen", password="rahasia-andi", role=Role.AGENT, email="andi@contoh.id"
    )
    c = Client()

    response = c.post("/portal/masuk/", {"email": "andi@contoh.id", "password": "rahasia-andi"})

    assert response.status_code == 422
    assert "Ini akun petugas." in response.content.decode()
    assert "_auth_user_id" not in c.session  # never a way around the staff 2FA


def test_next_never_leaves_the_site(customer_user: User) -> None:
    response = Client().post(
        "/portal/masuk/",
        {"email": "budi@contoh.id", "password": "rahasia-budi", "next": "https://jahat.id/"},
    )

    assert response["Location"] == "/portal/"


def test_the_mailed_sign_in_link_also_names_the_sign_in_page(
    customer_user: User, settings: LazySettings
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8202/"
    User.objects.filter(pk=customer_user.pk).update(email="budi@contoh.id")

    assert Client().post("/portal/tautan/", {"email": "budi@contoh.id"}).status_code == 200

    body = mail.outbox[-1].body
    assert "masuk dengan email Anda di http://127.0.0.1:8202/portal/masuk/" in body
    assert (
        Client().get(urlsplit(re.findall(r"http://\S+/portal/masuk/", body)[0]).path).status_code
        == 200
    )


def test_an_invalid_proposal_link_points_to_the_customer_sign_in(db: None) -> None:
    response = Client().get("/portal/usulan/jawab/bukan-token/")

    assert 'href="/portal/masuk/"' in response.content.decode()


@pytest.mark.parametrize("path", ["/masuk/", "/portal/daftar/", "/portal/tautan/"])
def test_the_other_sign_in_pages_point_customers_to_theirs(path: str, db: None) -> None:
    """The staff sign-in, the sign-up ("already have an account?") and the link request."""
    assert 'href="/portal/masuk/"' in Client().get(path).content.decode()


def test_the_link_request_offers_the_password_sign_in_in_english(db: None) -> None:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = text_of(c.get("/portal/tautan/").content.decode())

    assert "Have a password? Sign in with your email" in page
    assert "Punya kata sandi" not in page


def test_the_sign_in_page_in_english(db: None) -> None:
    """English is chosen with the language switch (its cookie); the browser's
    Accept-Language is deliberately ignored (core/locale.py)."""
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = c.get("/portal/masuk/")

    assert response["Content-Language"] == "en"
    page = text_of(response.content.decode())
    for english in (
        "Sign in to the customer portal",
        "Sign in with your email",
        "Email me a sign-in link",
        "Staff sign-in page",
    ):
        assert english in page
    for indonesian in ("Masuk dengan email Anda", "Kata sandi", "Kirimi saya tautan", "Daftar"):
        assert indonesian not in page
    refused = c.post("/portal/masuk/", {"email": "rina.agen", "password": "x"})
    assert "Type your email address" in text_of(refused.content.decode())


def test_the_sign_in_page_and_a_sign_in_take_few_statements(customer_user: User) -> None:
    """The page itself reads nothing; a sign-in costs what the staff sign-in costs (axes,
    the session, the audit, the session list) plus the one lookup of the address."""
    c = Client()
    with CaptureQueriesContext(connection) as page:
        assert c.get("/portal/masuk/").status_code == 200
    with CaptureQueriesContext(connection) as sign_in:
        response = c.post("/portal/masuk/", {"email": "budi@contoh.id", "password": "rahasia-budi"})
    assert response.status_code == 302
    with CaptureQueriesContext(connection) as staff_sign_in:
        response = Client().post(
            "/masuk/", {"username": "budi@contoh.id", "password": "rahasia-budi"}
        )
    assert response.status_code == 302

    assert len(page) == 0, [q["sql"] for q in page.captured_queries]
    assert len(sign_in) == len(staff_sign_in) + 1, [q["sql"] for q in sign_in.captured_queries]


def test_a_sign_in_link_asked_for_in_english_is_mailed_in_english(customer_user: User) -> None:
    User.objects.filter(pk=customer_user.pk).update(email="budi@contoh.id")
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert c.post("/portal/tautan/", {"email": "budi@contoh.id"}).status_code == 200

    sent = mail.outbox[-1]
    assert sent.subject == "Your sign-in link to the customer portal"
    assert (
        "can be used only once" in sent.body and "Next time, sign in with your email" in sent.body
    )
    assert "Tautan ini berlaku" not in sent.body
