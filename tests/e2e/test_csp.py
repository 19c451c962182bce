"""In a real browser, the Content-Security-Policy blocks nothing Sigap itself needs: no
violation on the main pages, and the language menu (no inline handler any more) still
switches the page to English."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sigap.accounts.models import User
from sigap.tickets.models import Ticket
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_the_main_pages_run_under_the_policy(
    server: str, browser: Any, agent: User, ticket: Ticket
) -> None:
    ctx = browser.new_context()
    ctx.add_init_script(WATCH)
    page = ctx.new_page()
    sign_in(page, server, "rina.agen", "rahasia-agen")
    page.wait_for_url(re.compile("/inbox/"))
    page.wait_for_selector("body[data-live-connected='1']", state="attached", timeout=10_000)
    seen = {"/inbox/": page.evaluate("window.__csp")}
    page.goto(f"{server}/tickets/{ticket.pk}/")
    seen["/tickets/N/"] = page.evaluate("window.__csp")
    page.goto(f"{server}/api/v1/docs")
    # The title is drawn once the document has arrived; the (empty, hidden) info box before.
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    seen["/api/v1/docs"] = page.evaluate("window.__csp")
    page.goto(f"{server}/inbox/")
    page.select_option("#lang-select", "en")
    page.wait_for_load_state("load")
    page.wait_for_selector("html[lang='en']", state="attached", timeout=10_000)
    seen["language"] = page.evaluate("window.__csp")
    ctx.close()
    assert {url: v for url, v in seen.items() if v} == {}
