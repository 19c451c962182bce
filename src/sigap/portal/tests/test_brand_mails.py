"""The portal's mails as the brand whose portal asked (issue 17), like a ticket's reply: the
sign-in link, the sign-up's activation link and the "you already have an account" mail
carry the brand's text, sender name and address, signature, and an HTML part with its
logo and colour; their links open that brand's portal. The default brand's mails are
unchanged."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client

from sigap.accounts import brands
from sigap.accounts import message_templates as mt
from sigap.accounts.models import Brand, User
from sigap.customers.models import Customer

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


def html_of(sent: Any) -> str:
    (alternative,) = sent.alternatives
    return str(alternative[0])


def assert_in_brand_b(sent: Any) -> None:
    assert sent.from_email == "Kopi Senja CS <halo@kopisenja.contoh.id>"
    assert sent.body.endswith("\n\n-- \nSalam hangat,\nTim Kopi Senja")
    rich = html_of(sent)
    assert "/merek/kopi-senja/logo/?v=" in rich
    assert "border-top:4px solid #7A3E12" in rich and "Tim Kopi Senja" in rich
    assert "?brand=kopi-senja" in sent.body


def test_a_sign_in_link_asked_on_a_brands_portal_leaves_as_that_brand(
    brand_b: Brand, admin: User, customer: Customer, customer_user: User
) -> None:
    mt.message_template_save(
        actor=admin,
        key="portal_sign_in",
        language="id",
        brand=brand_b,
        subject="Masuk ke portal {merek}",
        body="{sapaan} klik {tautan}",
    )
    User.objects.filter(pk=customer_user.pk).update(email="budi@contoh.id")
    c = Client()
    assert c.get("/portal/tautan/", {"brand": "kopi-senja"}).status_code == 200  # remembered
    mail.outbox.clear()
    assert c.post("/portal/tautan/", {"email": "budi@contoh.id"}).status_code == 200
    (sent,) = mail.outbox
    assert sent.subject == "Masuk ke portal Kopi Senja"  # the brand's own text
    assert_in_brand_b(sent)

    # the link signs in on brand B's portal
    link = re.search(r"http://[^\s]+/portal/tautan/[^\s]+", sent.body)
    assert link is not None
    fresh = Client()
    assert fresh.get(link.group(0).split("8000", 1)[-1]).status_code == 302
    assert fresh.session[brands.SESSION_KEY] == "kopi-senja"


def test_a_sign_up_on_a_brands_portal_gets_its_activation_mail_as_that_brand(
    brand_b: Brand,
) -> None:
    c = Client()
    mail.outbox.clear()
    response = c.post(
        "/portal/daftar/?brand=kopi-senja",
        {
            "name": "Rina Wulandari",
            "email": "rina@contoh.id",
            "phone": "",
            "password": "kopi-hangat-2026!",
            "password2": "kopi-hangat-2026!",
        },
    )
    assert response.status_code == 200
    (sent,) = mail.outbox
    assert sent.to == ["rina@contoh.id"]
    assert_in_brand_b(sent)


def test_the_default_brands_mails_are_unchanged(
    brand_b: Brand, customer: Customer, customer_user: User, settings: Any
) -> None:
    User.objects.filter(pk=customer_user.pk).update(email="budi@contoh.id")
    c = Client()
    mail.outbox.clear()
    assert c.post("/portal/tautan/", {"email": "budi@contoh.id"}).status_code == 200
    (sent,) = mail.outbox
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL
    assert "brand=" not in sent.body and "-- \n" not in sent.body
    assert getattr(sent, "alternatives", []) == []
