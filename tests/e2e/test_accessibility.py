"""axe-core (the engine behind Lighthouse's accessibility audit) finds no serious or
critical problems on the main pages: labels, contrast, landmarks, names of controls."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_main_pages_have_no_serious_accessibility_problems(
    server: str,
    browser: Any,
    width: int,
    agent: User,
    team: Team,
    customer: Customer,
    customer_user: User,
) -> None:
    ticket = services.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="portal",
        subject="Pesanan datang terlambat",
        description="Sudah lewat seminggu.",
        team=team,
        assignee=agent,
    )
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    page = ctx.new_page()
    page.goto(f"{server}/masuk/")
    problems = {"/masuk/": serious(page)}
    page.goto(f"{server}/portal/daftar/")
    problems["/portal/daftar/"] = serious(page)
    page.goto(f"{server}/portal/masuk/")
    problems["/portal/masuk/"] = serious(page)
    sign_in(page, server, "rina.agen", "rahasia-agen")
    page.wait_for_url(re.compile("/inbox/"))
    problems["/inbox/"] = serious(page)
    page.goto(f"{server}/tickets/{ticket.pk}/")
    page.wait_for_selector("[data-side] #form-classify")  # the side column loads after
    page.locator("#confirm summary").click()  # a step's form, loaded when opened
    page.wait_for_selector("#form-confirm")
    problems["/tickets/N/"] = serious(page)
    ctx.close()
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    page = ctx.new_page()
    sign_in(page, server, "budi@contoh.id", "rahasia-budi")
    page.wait_for_url(re.compile("/portal/"))
    problems["/portal/"] = serious(page)
    page.goto(f"{server}/portal/tiket/{ticket.pk}/")
    problems["/portal/tiket/N/"] = serious(page)
    page.goto(f"{server}/portal/baru/")
    problems["/portal/baru/"] = serious(page)
    # Nothing wider than the screen on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    ctx.close()
    assert {url: p for url, p in problems.items() if p} == {}
    assert not overflow
