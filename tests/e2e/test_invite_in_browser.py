"""Inviting a colleague in a real browser: an admin invites an agent from the settings
area (no ``/admin/`` page), the agent opens the mailed link, chooses a password and signs
in to the inbox."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from sigap.accounts.models import Team, User
from tests.e2e.test_accessibility import serious
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Kata-Sandi-Kuat-2026"


def test_an_admin_invites_an_agent_who_accepts_and_signs_in(
    server: str, browser: Any, admin: User, team: Team, settings: Any
) -> None:
    settings.SITE_URL = server
    mail.outbox = []
    page = browser.new_context().new_page()
    sign_in(page, server, "admin", "rahasia-admin")
    page.wait_for_url(re.compile("/(inbox|beranda)/"))
    page.goto(f"{server}/settings/")
    page.locator("[data-settings-nav]").get_by_role("link", name="Orang").click()
    page.wait_for_url(re.compile("/settings/people/$"))
    problems = {"/settings/people/": serious(page)}

    form = page.locator("#form-invite")
    form.get_by_label("Email").fill("dewi@belanjaku.test")
    form.get_by_label("Nama depan").fill("Dewi")
    form.get_by_label("Peran").select_option("agent")
    form.get_by_label("Pengiriman").check()
    form.get_by_role("button", name="Kirim undangan").click()
    page.wait_for_selector("text=Undangan dikirim ke dewi@belanjaku.test.")
    row = page.locator('tr[data-person="dewi@belanjaku.test"]')
    assert row.locator("[data-state]").inner_text() == "Menunggu undangan diterima"
    assert "Pengiriman" in row.inner_text()

    [invitation] = mail.outbox
    assert invitation.to == ["dewi@belanjaku.test"]
    found = re.search(re.escape(server) + r"/undangan/[^/\s]+/", invitation.body)
    assert found is not None
    link = found.group(0)

    dewi = browser.new_context().new_page()
    dewi.goto(link)
    assert "Selamat datang, Dewi" in dewi.content()
    problems["/undangan/…/"] = serious(dewi)
    dewi.get_by_label("Kata sandi baru").fill(PASSWORD)
    dewi.get_by_label("Ulangi kata sandi").fill(PASSWORD)
    dewi.get_by_role("button", name="Simpan kata sandi dan aktifkan akun").click()
    dewi.wait_for_url(re.compile("/masuk/$"))
    assert "Akun Anda aktif." in dewi.content()
    sign_in(dewi, server, "dewi@belanjaku.test", PASSWORD)
    dewi.wait_for_url(re.compile("/inbox/"))
    assert dewi.locator("#bulk-form").count() == 1

    dewi.goto(link)  # the link works once
    assert "sudah dipakai" in dewi.content()

    page.reload()
    assert row.locator("[data-state]").inner_text() == "Aktif"
    row.get_by_role("link").click()
    page.wait_for_selector("#form-skills")
    problems["/settings/people/N/"] = serious(page)
    assert {url: p for url, p in problems.items() if p} == {}
