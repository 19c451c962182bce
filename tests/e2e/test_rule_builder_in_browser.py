"""A supervisor builds an automation in the browser (keyword → tag + team), dry-runs it on
the recent tickets, saves it, and the next matching ticket gets the tag and the team."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.automations.models import Rule
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _ticket(agent: User, customer: Customer, subject: str, description: str) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject=subject,
        description=description,
    )


def test_a_supervisor_builds_and_dry_runs_a_keyword_tag_team_automation(
    server: str,
    browser: Any,
    artifacts: Path,
    agent: User,
    supervisor: User,
    team: Team,
    customer: Customer,
    other_team: Team,
) -> None:
    hits = [
        _ticket(agent, customer, "Garansi ditolak", "Toko menolak klaim saya."),
        _ticket(agent, customer, "Blender", "Klaim garansi saya ditolak."),
    ]
    miss = _ticket(agent, customer, "Tagihan", "Tagihan bulan ini dobel.")

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{server}/masuk/")
    page.get_by_label("Nama pengguna").fill("sari.spv")
    page.get_by_label("Kata sandi").fill("rahasia-spv")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/(inbox|beranda)/"))

    page.goto(f"{server}/settings/automations/")
    page.get_by_role("link", name="Aturan baru").click()
    page.get_by_label("Nama aturan").fill("Garansi ke Pengiriman")
    page.get_by_label("Kata kunci").fill("garansi")
    first = page.locator("[data-action-row='0']")
    # the row shows the input of the chosen action only
    assert not first.locator("[data-for='tag'] input").is_visible()
    first.locator("select[name='action-0-type']").select_option(label="Tambah label")
    first.locator("[data-for='tag'] input").fill("garansi")
    assert not first.locator("[data-for='team'] select").is_visible()
    second = page.locator("[data-action-row='1']")
    second.locator("select[name='action-1-type']").select_option(label="Alihkan ke tim")
    team_select = second.locator("[data-for='team'] select")
    options = team_select.locator("option").all_inner_texts()
    assert "Pengiriman" in options and "Pembayaran" not in options  # only her own teams
    team_select.select_option(label="Pengiriman")

    page.get_by_role("button", name="Uji coba pada 200 tiket terakhir").click()
    summary = page.locator("[data-dry-summary]")
    summary.wait_for()
    assert summary.inner_text() == ("Pada 3 tiket terakhir, aturan ini akan cocok dengan 2 tiket.")
    shown = {
        int(x)
        for x in page.locator("[data-dry-ticket]").evaluate_all(
            "rows => rows.map(r => r.dataset.dryTicket)"
        )
    }
    assert shown == {t.pk for t in hits} and miss.pk not in shown
    assert not Rule.objects.exists()  # a dry run saves nothing
    # the form kept what she built
    assert page.locator("select[name='action-1-type']").input_value() == "set_team"
    page.screenshot(path=str(artifacts / "automation-dry-run.png"), full_page=True)

    page.get_by_role("button", name="Simpan", exact=True).click()
    page.wait_for_url(f"{server}/settings/automations/")
    assert page.locator("[data-rule]").filter(has_text="Garansi ke Pengiriman").count() == 1
    rule = Rule.objects.get()
    assert rule.conditions == {"keywords": ["garansi"]}
    assert rule.actions == [
        {"type": "add_tag", "value": "garansi"},
        {"type": "set_team", "value": team.pk},
    ]
    ctx.close()

    ticket = _ticket(agent, customer, "Rice cooker", "Garansi tidak diterima.")
    ticket.refresh_from_db()
    assert ticket.team_id == team.pk
    assert list(ticket.tags.values_list("name", flat=True)) == ["garansi"]
