"""The first run in a real browser: ``sigap createadmin`` on a fresh database, the admin
signs in and lands on the setup checklist, names the business, chooses its time zone,
makes the first team and sends a test complaint, which is in the inbox (no ``/admin/``
page)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.test_accessibility import serious
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def step(page: Any, key: str) -> Any:
    return page.locator(f'li[data-step="{key}"]')


def test_an_admin_walks_the_setup_checklist(server: str, browser: Any) -> None:
    call_command(
        "createadmin", username="pemilik", password="rahasia-pemilik", stdout=io.StringIO()
    )
    page = browser.new_context().new_page()
    sign_in(page, server, "pemilik", "rahasia-pemilik")
    page.wait_for_url(re.compile("/settings/setup/$"))
    problems = {"/settings/setup/": serious(page)}
    assert "0 dari 8 langkah selesai." in page.locator("[data-setup-progress]").inner_text()
    assert step(page, "team").get_attribute("data-state") == "todo"

    form = page.locator("#form-business")
    form.get_by_label("Nama usaha").fill("Toko Maju Jaya")
    form.get_by_label("Zona waktu").select_option("Asia/Makassar")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_selector("text=Data usaha disimpan.")
    assert page.locator("header .brand").inner_text() == "Toko Maju Jaya"
    assert page.title().endswith("· Toko Maju Jaya")
    assert step(page, "business").get_attribute("data-state") == "done"
    assert step(page, "time_zone").get_attribute("data-state") == "done"
    assert "2 dari 8 langkah selesai." in page.locator("[data-setup-progress]").inner_text()

    step(page, "team").get_by_role("link", name="Tim pertama").click()
    page.wait_for_url(re.compile("/settings/teams/$"))
    team_form = page.locator("#form-team")
    team_form.get_by_label("Nama").fill("Layanan Pelanggan")
    team_form.get_by_label("Kode").fill("layanan")
    team_form.get_by_role("button", name="Simpan").click()
    page.wait_for_selector("text=Tim Layanan Pelanggan disimpan.")

    # back from the settings hub, as the checklist is reopened any time
    page.goto(f"{server}/settings/")
    page.get_by_role("link", name="Daftar persiapan").first.click()
    page.wait_for_url(re.compile("/settings/setup/$"))
    assert step(page, "team").get_attribute("data-state") == "done"

    step(page, "test_complaint").get_by_role("button", name="Kirim keluhan uji").click()
    page.wait_for_url(re.compile(r"/inbox/\?view=all$"))
    assert "dari Pelanggan Uji ada di kotak masuk." in page.locator(".flash").inner_text()
    row = page.locator("tr", has_text="Keluhan uji: pesanan belum sampai")
    assert row.count() == 1
    problems["/inbox/"] = serious(page)

    page.goto(f"{server}/settings/setup/")
    assert step(page, "test_complaint").get_attribute("data-state") == "done"
    assert "4 dari 8 langkah selesai." in page.locator("[data-setup-progress]").inner_text()
    assert {url: p for url, p in problems.items() if p} == {}
