"""An admin connects a mailbox on Sigap's own settings page in a real browser, against a
real Dovecot on loopback: the test button shows Dovecot's refusal of a wrong password, then
its greeting and sign-in; saving stores the mailbox with its password encrypted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import User
from sigap.connectors.models import Mailbox
from sigap.connectors.tests import mailservers
from sigap.core import secretbox

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admin_connects_a_mailbox_with_the_test_button(
    server: str, browser: Any, artifacts: Path, admin: User
) -> None:
    with mailservers.dovecot() as dovecot:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{server}/masuk/")
        page.get_by_label("Nama pengguna").fill(admin.username)
        page.get_by_label("Kata sandi").fill("rahasia-admin")
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url(re.compile(r"/(inbox|beranda)/"))

        page.goto(f"{server}/settings/channels/")
        page.get_by_role("link", name="Tambah kotak surat").click()
        page.wait_for_url(re.compile(r"/settings/channels/mailboxes/new/"))
        page.fill("#id_name", "CS Belanjaku")
        page.fill("#id_address", mailservers.USER)
        page.select_option("#id_protocol", "imap")
        page.fill("#id_host", "127.0.0.1")
        page.fill("#id_port", str(dovecot.imap))
        page.select_option("#id_security", "none")
        page.fill("#id_username", mailservers.USER)
        page.fill("#id_password", "salah-sandi")
        page.get_by_role("button", name="Uji koneksi").click()
        checks = page.locator("#mailbox-checks")
        checks.wait_for(timeout=15_000)
        assert "[AUTHENTICATIONFAILED] Authentication failed." in checks.inner_text()
        assert page.locator("#id_password").input_value() == ""  # never sent back

        page.fill("#id_password", mailservers.PASSWORD)
        page.get_by_role("button", name="Uji koneksi").click()
        page.locator("#mailbox-checks [data-ok='1']").wait_for(timeout=15_000)
        answer = page.locator("#mailbox-checks").inner_text()
        assert "Dovecot (Debian) ready." in answer and "OK Logged in" in answer
        assert not Mailbox.objects.exists()  # a test saves nothing
        page.screenshot(path=str(artifacts / "mailbox-test.png"), full_page=True)

        page.fill("#id_password", mailservers.PASSWORD)
        page.get_by_role("button", name="Simpan").click()
        page.wait_for_url(re.compile(r"/settings/channels/$"))
        assert page.locator("[data-mailbox]").count() == 1
        box = Mailbox.objects.get()
        assert secretbox.open_(box.password_sealed) == mailservers.PASSWORD
        assert mailservers.PASSWORD not in box.password_sealed
