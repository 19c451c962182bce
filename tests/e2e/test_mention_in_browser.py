"""An agent mentions a colleague in an internal note, picking them from the suggestions;
the colleague, with the inbox open in another browser, sees the notification arrive live."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.notifications.models import Notification
from sigap.tickets import services
from tests.e2e.test_accessibility import serious
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_mention_reaches_the_colleague_live(
    server: str,
    browser: Any,
    artifacts: Path,
    agent: User,
    supervisor: User,
    team: Team,
    customer: Customer,
) -> None:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Voucher tidak bisa dipakai",
        description="Kode voucher dari CS ditolak saat checkout.",
        team=team,
        assignee=agent,
    )
    # Sari, the supervisor, has her inbox open.
    b_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    b = b_ctx.new_page()
    sign_in(b, server, "sari.spv", "rahasia-spv")  # a supervisor starts on her home
    b.goto(f"{server}/inbox/")
    b.wait_for_selector("body[data-live-connected='1']", state="attached", timeout=10_000)
    b.evaluate("window.__sigapNoReload = true")

    # Rina writes an internal note and picks Sari from the suggestions.
    a_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    a = a_ctx.new_page()
    sign_in(a, server, "rina.agen", "rahasia-agen")
    a.wait_for_url(re.compile(r"/inbox/"))
    a.goto(f"{server}/tickets/{ticket.pk}/")
    a.get_by_label("Catatan internal").check()
    body = a.locator("#reply-body")
    body.click()
    body.press_sequentially("Mohon dicek, @Sa")
    a.wait_for_selector("#mention-list li[data-username='sari.spv']", timeout=5_000)
    a.locator("#reply").screenshot(path=str(artifacts / "mention-suggestions.png"))
    assert serious(a) == []  # the suggestions: a listbox the textarea controls
    body.press("Enter")
    assert body.input_value() == "Mohon dicek, @sari.spv "
    body.press_sequentially("vouchernya ditolak sistem.")
    a.locator("#form-reply button[type=submit]").click()
    a.wait_for_selector("text=Catatan internal disimpan.")

    # Sari's badge counts it without a reload; the bell's menu names the ticket.
    b.wait_for_selector("#bell [data-unread]:text-is('1')", timeout=5_000)
    b.locator("#bell").click()
    entry = b.locator("#notif-menu [data-kind='mentioned']")
    entry.wait_for(timeout=5_000)
    text = entry.inner_text()
    assert "Voucher tidak bisa dipakai" in text and "Budi Santoso" in text
    assert ticket.reference in text and "Rina menyebut Anda" in text
    assert b.evaluate("window.__sigapNoReload") is True
    assert serious(b) == []  # the open menu
    b.screenshot(path=str(artifacts / "mention-notification.png"))
    assert Notification.objects.get(kind="mentioned").user == supervisor
    entry.locator("a.notif-link").click()
    b.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/"))
    a_ctx.close()
    b_ctx.close()
