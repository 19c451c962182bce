"""Search from the inbox in a real browser: a ticket's number opens it; a customer's phone,
typed as people do, lists their tickets first, then the full-text hits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_search_by_number_and_by_phone(
    server: str,
    browser: Any,
    artifacts: Path,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
) -> None:
    def make(who: Customer, subject: str) -> int:
        return services.ticket_create(
            actor=agent,
            customer=who,
            kind="complaint",
            channel="whatsapp",
            subject=subject,
            description=subject,
            team=team,
        ).pk

    own = make(customer, "Refund belum masuk")
    mention = make(other_customer, "Nomor 0812-3456-7890 menelepon soal refund")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/masuk/")
    page.get_by_label("Nama pengguna").fill("rina.agen")
    page.get_by_label("Kata sandi").fill("rahasia-agen")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/inbox/"))

    # "/" focuses the search box; the ticket's number opens its page.
    page.keyboard.press("/")
    page.keyboard.type(f"SGP-{own:06d}")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/tickets/{own}/$"))

    # The customer's phone in another format lists their ticket; the customers box links them.
    page.goto(f"{server}/inbox/")
    page.locator("#id_q").fill("+62 812 3456 7890 refund")
    page.locator("#id_q").press("Enter")
    page.wait_for_selector(f"tr[data-ticket='{own}']")
    rows = page.locator("tr[data-ticket]")
    assert [rows.nth(i).get_attribute("data-ticket") for i in range(rows.count())] == [
        str(own),
        str(mention),
    ]
    assert page.locator(f"[data-customer='{customer.pk}']").inner_text() == "Budi Santoso"
    page.screenshot(path=str(artifacts / "search-by-phone.png"), full_page=True)
    context.close()
