"""A supervisor reads the whole customer in a real browser (issue 19): the stream shows a
screenful first and the rest, older page by older page, until every interaction is there
— messages on two channels, a call on no ticket, a survey answer, points —; the call
panel loads after the page and its timer runs for a call started there."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sigap.accounts.models import Team, User
from sigap.connectors.phone import services as calls
from sigap.customers.models import Customer
from sigap.relations import loyalty
from sigap.surveys.models import Survey
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket
from sigap.web.views.customers import STREAM_FIRST

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OLD_MESSAGES = 40  # two screenfuls and more


def _history(supervisor: User, agent: User, team: Team, customer: Customer) -> int:
    """A customer's history on several channels and kinds; the number of stream items."""
    by_mail, by_whatsapp = (
        services.ticket_create(
            actor=None,
            customer=customer,
            kind="complaint",
            channel=channel,
            subject=f"Keluhan lewat {channel}",
            description="Pesanan BLJ-2026-7001 belum datang.",
            team=team,
            assignee=agent,
        )
        for channel in ("email", "whatsapp")
    )
    start = timezone.now() - timedelta(days=60)
    Message.objects.bulk_create(
        Message(
            ticket=by_mail,
            kind="inbound",
            channel="email",
            body=f"Pesan lama nomor {n}",
            created_at=start + timedelta(hours=n),
        )
        for n in range(OLD_MESSAGES)
    )
    call = calls.call_start(actor=agent, customer=customer, direction="outbound")
    calls.call_finish(actor=agent, call=call, outcome="callback", notes="Minta ditelepon sore.")
    now = timezone.now()
    Survey.objects.create(
        kind="csat",
        customer=customer,
        ticket=by_whatsapp,
        sent_via="whatsapp",
        sent_at=now,
        expires_at=now + timedelta(days=7),
        csat=5,
        answered_at=now,
    )
    loyalty.post_points(
        customer=customer,
        kind="manual",
        points=150,
        reason="Terima kasih atas kesabaran Anda.",
        actor=supervisor,
    )
    tickets = Ticket.objects.filter(customer=customer)
    return (
        tickets.count()
        + Message.objects.filter(ticket__in=tickets).count()
        + 3  # the call, the survey answer, the points
    )


def test_a_supervisor_reads_the_whole_customer(
    server: str,
    browser: Any,
    artifacts: Path,
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
) -> None:
    total = _history(supervisor, agent, team, customer)
    assert total > STREAM_FIRST + 20  # at least two older pages

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{server}/masuk/")
    page.get_by_label("Nama pengguna").fill("sari.spv")
    page.get_by_label("Kata sandi").fill("rahasia-spv")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/masuk/" not in url)

    page.goto(f"{server}/customers/{customer.pk}/")
    items = page.locator("#customer-stream .stream-item")
    assert items.count() == STREAM_FIRST  # the first paint: a screenful
    older = page.get_by_role("button", name="Lebih lama")
    while older.count():
        shown = items.count()
        older.click()
        items.nth(shown).wait_for(timeout=10_000)
    assert items.count() == total
    stream = page.locator("#customer-stream").inner_text()
    for seen in (
        "Pesan lama nomor 0",  # the oldest
        "Panggilan keluar",
        "Minta ditelepon sore.",
        "CSAT 5/5",
        "+150 poin",
        "Tiket dibuka",
        "WhatsApp",
    ):
        assert seen in stream, seen
    ids = page.eval_on_selector_all("#customer-stream .stream-item", "els => els.map(e => e.id)")
    assert len(set(ids)) == total  # none twice across the pages

    # The call panel comes after the first paint, with this customer's calls
    panel = page.locator("#calls")
    panel.locator(".call-history").wait_for(timeout=10_000)
    assert "Minta ditelepon sore." in panel.inner_text()
    page.screenshot(path=str(artifacts / "customer-page.png"), full_page=True)
    panel.get_by_role("button", name="Mulai panggilan").click()
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/#calls"))
    timer = page.locator("#calls [data-call-timer]")
    timer.wait_for(timeout=10_000)
    # calls.js runs on the panel it loaded with: the clock moves
    expect(timer).not_to_have_text("0:00", timeout=10_000)
    ctx.close()
