"""A Rp 500.000 voucher waits for the supervisor: on the approvals page they see only their
team's proposal, with the case, and ask for changes with a note; the agent reads the note
on the ticket page and resubmits; the supervisor approves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Proposal, Ticket
from sigap.tickets.tests.steps import drive_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/(inbox|beranda)/"))  # a supervisor starts on her home


def _pending(agent: User, customer: Customer, team: Team, subject: str) -> Proposal:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="phone",
        subject=subject,
        description="Blender mati setelah dua hari dipakai.",
        severity="sederhana",
        team=team,
        assignee=agent,
    )
    return services.proposal_create(
        actor=agent,
        ticket=drive_to(agent, Ticket.objects.get(pk=ticket.pk), "confirmed"),
        summary="Ganti unit baru dan voucher belanja.",
        compensation_type="voucher",
        compensation_amount=500_000,
    )


def test_ask_for_changes_resubmit_approve(
    server: str,
    browser: Any,
    artifacts: Path,
    agent: User,
    supervisor: User,
    team: Team,
    customer: Customer,
    outsider_agent: User,
    other_team: Team,
    other_customer: Customer,
) -> None:
    ours = _pending(agent, customer, team, "Blender mati")
    theirs = _pending(outsider_agent, other_customer, other_team, "Mixer rusak")

    boss_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    boss = boss_ctx.new_page()
    sign_in(boss, server, "sari.spv", "rahasia-spv")
    boss.goto(f"{server}/approvals/")
    card = boss.locator(f"article[data-proposal='{ours.pk}']")
    card.wait_for()
    assert boss.locator(f"article[data-proposal='{theirs.pk}']").count() == 0
    assert "BLJ-2026-104233" in card.locator("[data-facts]").inner_text()  # drive_to's facts
    assert card.locator("[data-tier]").inner_text() == "Gold"
    assert "nilai kompensasi ≥ Rp 250.000" in card.locator("[data-approval-reason]").inner_text()
    card.locator(f"#note-{ours.pk}").fill("Voucher terlalu besar; tawarkan Rp 200.000.")
    boss.screenshot(path=str(artifacts / "approvals-queue.png"), full_page=True)
    card.get_by_role("button", name="Minta perubahan").click()
    boss.wait_for_selector("text=Usulan dikembalikan ke agen untuk diubah.")

    worker_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    worker = worker_ctx.new_page()
    sign_in(worker, server, "rina.agen", "rahasia-agen")
    worker.goto(f"{server}/tickets/{ours.ticket_id}/")
    note = worker.locator(f"[data-proposal='{ours.pk}'] [data-review-note]")
    assert "tawarkan Rp 200.000" in note.inner_text()
    worker.locator("#resubmit-summary").fill("Ganti unit baru dan voucher Rp 200.000.")
    worker.locator("#resubmit-compensation_amount").fill("200000")
    worker.locator("#form-resubmit button[type=submit]").click()
    worker.wait_for_selector("text=Usulan diajukan ulang ke supervisor.")
    worker.locator(f"[data-proposal='{ours.pk}']").screenshot(
        path=str(artifacts / "approvals-resubmitted.png")
    )

    boss.goto(f"{server}/approvals/")
    card = boss.locator(f"article[data-proposal='{ours.pk}']")
    assert "Rp 200.000" in card.locator("[data-amount]").inner_text()
    card.get_by_role("button", name="Setujui dan tawarkan").click()
    boss.wait_for_selector("text=Usulan disetujui dan ditawarkan ke pelanggan.")
    boss.screenshot(path=str(artifacts / "approvals-approved.png"), full_page=True)

    ours.refresh_from_db()
    assert (ours.status, ours.compensation_amount, ours.approved_by) == (
        "offered",
        200_000,
        supervisor,
    )
    boss_ctx.close()
    worker_ctx.close()
