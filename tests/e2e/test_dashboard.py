"""The dashboard in chromium: charts and the heat map render, a screenshot is kept as a
test artifact, and the live operations panel updates by itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.metrics import sync
from sigap.metrics.tests.conftest import march  # noqa: F401  (the fixture)
from sigap.tickets import services
from sigap.tickets.models import Ticket
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_dashboard_renders_and_updates_itself(
    server: str,
    browser: Any,
    artifacts: Path,
    supervisor: User,
    team: Team,
    customer: Customer,
    march: dict[str, Ticket],  # noqa: F811
    settings: Any,
) -> None:
    # The panel polls every second here, not every 15 s: the same update, sooner.
    settings.SIGAP_LIVE_OPS_POLL_SECONDS = 1
    sync.sync()
    ctx = browser.new_context(viewport={"width": 1366, "height": 1000})
    page = ctx.new_page()
    sign_in(page, server, supervisor.username, "rahasia-spv")
    page.goto(f"{server}/dasbor/?month=2026-03")
    assert page.locator("[data-card=volume] .big").inner_text() == "5"
    assert page.locator("figure svg").count() >= 3  # category, root cause, trend lines
    assert page.locator("[data-heatmap] td").count() == 7 * 24
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    before = int(page.locator("[data-op=open]").inner_text())
    services.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Kulkas baru tidak dingin",
        description="Kulkas yang saya beli kemarin tidak dingin sama sekali.",
        team=team,
    )
    # (a locator, not wait_for_function: that evaluates a string, which the CSP forbids)
    expect(page.locator("[data-op=open]")).to_have_text(str(before + 1), timeout=25_000)
    assert re.search(r"WhatsApp: 1", page.locator("[data-live-ops]").inner_text())
