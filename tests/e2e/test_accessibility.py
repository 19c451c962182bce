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


NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"

# How far each view's count stands from its name ("Tiket saya 8", not "Tiket saya8").
COUNT_GAPS = """Array.from(document.querySelectorAll('.views > ul a')).map(a => {
  const name = document.createRange();
  name.selectNodeContents(a.firstChild);
  const count = a.querySelector('.count').getBoundingClientRect();
  return count.left - name.getBoundingClientRect().right;
})"""


@pytest.mark.parametrize("width", [390, 1440])
def test_inbox_ticket_portal_and_dashboard_at_phone_and_desktop_width(
    server: str,
    browser: Any,
    width: int,
    agent: User,
    supervisor: User,
    team: Team,
    customer: Customer,
    customer_user: User,
) -> None:
    """WCAG 2.2 AA on the pages people live in: axe finds nothing serious or critical at a
    phone's 390 px and a desktop's 1440 px; on the phone nothing scrolls sideways, the
    inbox's first screen reaches a ticket, and a view's count does not touch its name."""
    tickets = [
        services.ticket_create(
            actor=None,
            customer=customer,
            kind="complaint",
            channel="portal",
            subject=f"Pesanan datang terlambat {n}",
            description="Sudah lewat seminggu.",
            team=team,
            assignee=agent,
        )
        for n in range(3)
    ]
    phone = width == 390
    problems: dict[str, list[str]] = {}
    sideways: list[str] = []

    def check(page: Any, name: str) -> None:
        problems[name] = serious(page)
        if phone and not page.evaluate(NO_SIDEWAYS_SCROLL):
            sideways.append(name)

    viewport = {"width": width, "height": 844 if phone else 900}
    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    sign_in(page, server, "rina.agen", "rahasia-agen")
    page.wait_for_url(re.compile("/inbox/"))
    check(page, "/inbox/")
    first_row = page.locator("table.tickets tbody tr").first.bounding_box()
    assert first_row is not None and first_row["y"] < viewport["height"], "no ticket on screen"
    gaps = page.evaluate(COUNT_GAPS)
    assert len(gaps) >= 3 and min(gaps) >= 4, gaps
    page.goto(f"{server}/tickets/{tickets[0].pk}/")
    page.wait_for_selector("[data-side] #form-classify")  # the side column loads after
    check(page, "/tickets/N/")
    ctx.close()

    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    sign_in(page, server, "budi@contoh.id", "rahasia-budi")
    page.wait_for_url(re.compile("/portal/"))
    page.goto(f"{server}/portal/tiket/{tickets[0].pk}/")
    check(page, "/portal/tiket/N/")
    ctx.close()

    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    sign_in(page, server, "sari.spv", "rahasia-spv")
    page.wait_for_load_state()
    page.goto(f"{server}/dasbor/")
    page.wait_for_selector("[data-heatmap]")
    check(page, "/dasbor/")
    ctx.close()

    assert {url: p for url, p in problems.items() if p} == {}
    assert sideways == [], "these pages scroll sideways at 390 px"


def test_the_focus_ring_stands_out_on_white(server: str, browser: Any, agent: User) -> None:
    """WCAG 2.2 (1.4.11): the keyboard focus indicator has at least 3:1 against white."""
    page = browser.new_page()
    page.goto(f"{server}/masuk/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    colour = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()"
    )
    page.close()
    style, width, rgb = colour
    assert style == "solid" and float(width.removesuffix("px")) >= 2
    red, green, blue = (int(x) for x in re.findall(r"\d+", rgb)[:3])

    def luminance(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * luminance(red) + 0.7152 * luminance(green) + 0.0722 * luminance(blue)
    assert (1.05 / (lum + 0.05)) >= 3, rgb
