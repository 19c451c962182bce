"""Two-factor authentication in a real browser: an agent sets up an authenticator from the
key on the page, keeps the recovery codes, and at the next sign-in is asked for a code
before the inbox."""

from __future__ import annotations

import re
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import totp

from sigap.accounts.models import User
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def code_from_key(key: str) -> str:
    secret = key.replace(" ", "")
    secret += "=" * (-len(secret) % 8)
    return f"{totp(b32decode(secret)):06d}"


def test_an_agent_turns_on_2fa_and_is_asked_for_a_code(
    server: str, browser: Any, agent: User
) -> None:
    page = browser.new_context().new_page()
    sign_in(page, server, "rina.agen", "rahasia-agen")
    page.wait_for_url(re.compile("/inbox/"))
    page.goto(f"{server}/akun/2fa/")
    assert page.locator(".qr svg").count() == 1
    key = page.locator("[data-key]").inner_text()
    page.get_by_label("Kode").fill(code_from_key(key))
    page.get_by_role("button", name="Aktifkan 2FA").click()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10

    page.context.clear_cookies()
    sign_in(page, server, "rina.agen", "rahasia-agen")
    page.wait_for_url(re.compile("/masuk/kode/"))
    assert "Kode verifikasi" in page.content()
    page.goto(f"{server}/inbox/")  # nothing else opens before the code
    assert "/masuk/kode/" in page.url
    page.get_by_label("Kode").fill(codes[0])
    page.get_by_role("button", name="Lanjut").click()
    page.wait_for_url(re.compile("/inbox/"))
    assert page.locator("#bulk-form").count() == 1  # the inbox itself
