"""A second brand's customer, in a real browser (issue 17): the agent's reply on a ticket
of brand B is on the portal page in brand B's look, its logo really served."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sigap.accounts import brand_settings
from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.tickets import services
from tests.e2e.test_accessibility import serious

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_second_brands_customer_sees_the_reply_with_the_brands_logo(
    server: str,
    browser: Any,
    artifacts: Path,
    settings: Any,
    tmp_path: Path,
    admin: User,
    agent: User,
    customer: Customer,
    customer_user: User,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    buf = io.BytesIO()
    Image.new("RGB", (48, 24), (122, 62, 18)).save(buf, "PNG")
    brand = brand_settings.brand_save(
        actor=admin,
        brand=None,
        name="Kopi Senja",
        slug="kopi-senja",
        colour="#7A3E12",
        logo=SimpleUploadedFile("logo.png", buf.getvalue(), content_type="image/png"),
    )
    ticket = services.ticket_create(
        actor=customer_user,
        customer=customer,
        kind="complaint",
        channel="portal",
        subject="Kopi basi",
        description="Kopi yang saya terima basi.",
        brand_id=brand.pk,
    )
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Kami kirim ganti, Kak.")

    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    page.goto(f"{server}/portal/masuk/")
    page.get_by_label("Email").fill("budi@contoh.id")
    page.get_by_label("Kata sandi").fill("rahasia-budi")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/portal/$"))
    page.goto(f"{server}/portal/tiket/{ticket.pk}/")
    assert "Kami kirim ganti, Kak." in page.content()
    logo = page.locator(".topbar [data-brand='kopi-senja'] img.brand-logo")
    assert "/merek/kopi-senja/logo/" in (logo.get_attribute("src") or "")
    page.wait_for_function("document.querySelector('.topbar img.brand-logo').complete")
    assert logo.evaluate("img => img.naturalWidth") == 48  # served, a real image
    colour = page.locator("a.brand").evaluate("a => getComputedStyle(a).color")
    assert colour == "rgb(122, 62, 18)"
    assert serious(page) == []
    page.screenshot(path=str(artifacts / "portal-brand.png"), full_page=True)
    ctx.close()
