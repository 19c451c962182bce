"""The customer's side in a real browser: while writing a complaint the customer is
offered a help-centre article, opens it, and files the complaint anyway; later the
promised deadline has passed, the portal says so with an apology and a new estimate,
and the customer makes a formal escalation that the supervisor sees arrive live."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.kb.models import SuggestionOpen
from sigap.kb.services import ArticleIn, CategoryIn, article_create, category_create
from sigap.notifications.models import Notification
from sigap.tickets.models import EventKind, MissedDeadline, Ticket, TimelineEvent
from tests.e2e.test_accessibility import serious
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_customer_is_offered_an_article_files_anyway_then_escalates_a_missed_deadline(
    server: str,
    browser: Any,
    artifacts: Path,
    supervisor: User,
    customer: Customer,
    customer_user: User,
) -> None:
    shipping = category_create(actor=None, data=CategoryIn(name="Pengiriman", slug="kirim"))
    article_create(
        actor=None,
        slug="paket-terlambat",
        content=ArticleIn(
            category=shipping,
            title="Paket belum sampai melewati estimasi",
            body="Jika paket belum sampai melewati estimasi, cek halaman Lacak Paket.",
            status="published",
        ),
    )

    # The supervisor has her inbox open (the bell counts her unread notifications).
    s_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    s = s_ctx.new_page()
    sign_in(s, server, "sari.spv", "rahasia-spv")
    s.wait_for_url(re.compile(r"/beranda/"))
    s.goto(f"{server}/inbox/")  # a page with the live connection
    s.wait_for_selector("body[data-live-connected='1']", state="attached", timeout=10_000)
    s.evaluate("window.__sigapNoReload = true")
    assert s.locator("#bell [data-unread]").inner_text().strip() == ""

    # The customer signs in to the portal and starts a complaint.
    c_ctx = browser.new_context(viewport={"width": 390, "height": 844})
    c = c_ctx.new_page()
    c.goto(f"{server}/portal/masuk/")
    c.get_by_label("Email").fill("budi@contoh.id")
    c.get_by_label("Kata sandi").fill("rahasia-budi")
    c.get_by_role("button", name="Masuk").click()
    c.wait_for_url(re.compile(r"/portal/$"))
    c.goto(f"{server}/portal/baru/")
    c.get_by_label("Judul singkat").press_sequentially("Paket saya belum nyampe")
    offered = c.locator("[data-suggestion='paket-terlambat'] a")
    offered.wait_for(timeout=5_000)
    assert "<mark>" in offered.inner_html()
    assert serious(c) == []  # the form with its suggestions
    c.screenshot(path=str(artifacts / "portal-suggestions.png"), full_page=True)
    with c_ctx.expect_page() as opened:
        offered.click()
    article = opened.value
    article.wait_for_load_state()
    assert "/bantuan/artikel/paket-terlambat/" in article.url
    assert "Apakah artikel ini membantu?" in article.content()
    article.close()
    assert SuggestionOpen.objects.get().filed_at is None

    # Not answered: the customer files the complaint anyway.
    c.get_by_label("Ceritakan masalahnya").fill("Resi JNE 0123 tidak bergerak sejak 9 hari.")
    c.get_by_role("button", name="Kirim").click()
    c.wait_for_url(re.compile(r"/portal/tiket/\d+/$"))
    ticket = Ticket.objects.get(subject="Paket saya belum nyampe")
    assert SuggestionOpen.objects.get().ticket_id == ticket.pk
    status = c.locator("[data-status]").inner_text()
    assert status == "Sudah kami terima" and "Simak" not in c.content()
    assert c.locator("#escalate").count() == 0  # nothing has passed yet

    # The first-response deadline passes with nobody answering.
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=timezone.now() - timedelta(hours=3)
    )
    c.reload()
    c.wait_for_selector("[data-overdue]")
    assert "Mohon maaf, kami melewati tenggat" in c.locator("[data-overdue]").inner_text()
    assert "Perkiraan baru:" in c.locator("[data-deadline]").inner_text()
    assert "Maaf, kami melewati tenggat" in c.locator(".timeline").inner_text()
    c.reload()  # seen twice: apologised once
    assert MissedDeadline.objects.filter(ticket=ticket).count() == 1
    assert TimelineEvent.objects.filter(ticket=ticket, kind=EventKind.OVERDUE_APOLOGY).count() == 1

    # The formal escalation, in the customer's words.
    words = "Sudah lewat tenggat tanpa kabar. Mohon atasan menangani keluhan saya."
    c.get_by_label("Teguran Anda").fill(words)
    assert serious(c) == []
    c.screenshot(path=str(artifacts / "portal-overdue.png"), full_page=True)
    c.get_by_role("button", name="Kirim teguran resmi").click()
    c.wait_for_selector("text=Teguran resmi Anda sudah kami teruskan ke supervisor.")
    assert c.locator("#escalate").count() == 0
    assert words in c.locator(".timeline").inner_text()

    # The supervisor's bell counts it without a reload.
    s.wait_for_selector("#bell [data-unread]:text-is('1')", timeout=5_000)
    assert s.evaluate("window.__sigapNoReload") is True
    note = Notification.objects.get(user=supervisor)
    assert note.kind == "escalated" and "Teguran resmi" in note.text
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    s_ctx.close()
    c_ctx.close()
