"""The whole complaint, in two real browsers: an agent handles it in the workspace, the
customer answers in the portal, and the agent's page changes live, without reloading."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from sigap.accounts.models import Team, User
from sigap.accounts.services import token_create
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Proposal, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def wait_live(page: Any) -> None:
    page.wait_for_selector("body[data-live-connected='1']", state="attached", timeout=10_000)


def test_agent_and_customer_resolve_a_complaint(
    server: str,
    browser: Any,
    artifacts: Path,
    agent: User,
    team: Team,
    customer: Customer,
    customer_user: User,
) -> None:
    ticket = services.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Paket belum sampai sejak seminggu",
        description="Pesanan BLJ-2026-104233 belum sampai padahal sudah 7 hari.",
        team=team,
        assignee=agent,
    )
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    a = agent_ctx.new_page()
    sign_in(a, server, "rina.agen", "rahasia-agen")
    a.wait_for_url(re.compile(r"/inbox/"))
    wait_live(a)
    a.screenshot(path=str(artifacts / "inbox.png"), full_page=True)

    # Open the ticket from the inbox.
    a.get_by_role("link", name=re.compile("Paket belum sampai")).click()
    a.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/"))
    # Catat, then Konfirmasi.
    a.locator("#record-facts").fill("Resi JNE 0123, dikirim 3 November, tertahan di Cakung.")
    a.locator("#form-record button[type=submit]").click()
    a.wait_for_selector("text=Fakta dan kronologi dicatat.")
    a.locator("#confirm-restatement").fill("Paket pesanan BLJ-2026-104233 belum sampai 7 hari.")
    a.locator("#confirm-customer_confirmed").check()
    a.locator("#form-confirm button[type=submit]").click()
    a.wait_for_selector("text=Konfirmasi dicatat.")
    # The apology (5 R), from the template the form starts with: the current step, open.
    a.wait_for_selector("#apology[open][data-current-step]")
    assert "Kak Budi" in a.locator("#apology-remorse").input_value()
    a.locator("#form-apology button[type=submit]").click()
    a.wait_for_selector("text=Permintaan maaf terkirim.")
    # A proposal with compensation: the next current step.
    a.wait_for_selector("#proposal[open][data-current-step]")
    a.locator("#proposal-summary").fill("Kami kirim ulang barangnya hari ini dengan kurir lain.")
    a.locator("#proposal-compensation_type").select_option("voucher")
    a.locator("#proposal-compensation_amount").fill("50000")
    a.locator("#form-proposal button[type=submit]").click()
    a.wait_for_selector("text=Usulan ditawarkan ke pelanggan.")
    wait_live(a)
    a.screenshot(path=str(artifacts / "ticket.png"), full_page=True)
    a.evaluate("window.__sigapNoReload = true")
    # Something typed in the workbench survives the live refresh below (hx-preserve).
    a.locator("#close summary").click()
    a.locator("#close-thanks").fill("Terima kasih, Kak Budi.")

    # The customer, in a second browser context, on a phone-sized screen.
    customer_ctx = browser.new_context(viewport={"width": 360, "height": 800})
    c = customer_ctx.new_page()
    sign_in(c, server, "budi@contoh.id", "rahasia-budi")
    c.wait_for_url(re.compile(r"/portal/"))
    c.get_by_role("link", name=re.compile("Paket belum sampai")).click()
    next_step = c.locator("[data-next-step]").inner_text()
    assert "terima atau tolak usulan" in next_step
    assert "WIB" in c.locator("[data-deadline]").inner_text()
    assert "Rp 50.000" in c.content()
    c.screenshot(path=str(artifacts / "portal.png"), full_page=True)
    c.get_by_role("button", name="Terima usulan").click()
    c.wait_for_selector("text=Terima kasih, Anda menyetujui usulan kami.")

    # The agent's page shows the acceptance without a reload.
    a.wait_for_selector("[data-proposal-status]:has-text('Diterima')", timeout=5_000)
    assert a.evaluate("window.__sigapNoReload") is True
    assert a.locator("#close-thanks").input_value() == "Terima kasih, Kak Budi."
    assert Proposal.objects.get(ticket=ticket).status == "accepted"
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    agent_ctx.close()
    customer_ctx.close()


def test_new_ticket_appears_in_a_second_agents_inbox_live(
    server: str, browser: Any, agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    sign_in(page, server, "sari.spv", "rahasia-spv")
    page.wait_for_url(re.compile(r"/beranda/"))  # a supervisor's home
    page.goto(f"{server}/inbox/?view=all")
    wait_live(page)
    page.evaluate("window.__sigapNoReload = true")
    # Another agent creates it through the API, i.e. in the server like any real change.
    token = token_create(user=agent)
    response = httpx.post(
        f"{server}/api/v1/tickets",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "customer_id": customer.pk,
            "kind": "inquiry",
            "channel": "whatsapp",
            "subject": "Cara ganti alamat pengiriman",
            "description": "Bisa ganti alamat?",
            "team_id": team.pk,
        },
    )
    assert response.status_code == 201, response.text
    page.wait_for_selector(f"tr[data-ticket='{response.json()['id']}']", timeout=5_000)
    assert page.evaluate("window.__sigapNoReload") is True
    assert Ticket.objects.count() == 1
    ctx.close()
