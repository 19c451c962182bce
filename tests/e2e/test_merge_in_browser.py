"""An agent merges two tickets of one customer from the ticket page, in a real browser:
the picker finds the other ticket by its number as they type (no ids), the confirmation
shows what moves, and the kept ticket shows what came in; the customer is told."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_agent_merges_two_tickets_of_one_customer(
    server: str, browser: Any, artifacts: Path, agent: User, team: Team, customer: Customer
) -> None:
    def open_ticket(subject: str, description: str) -> Ticket:
        return services.ticket_create(
            actor=None,
            customer=customer,
            kind="complaint",
            channel="email",
            subject=subject,
            description=description,
            team=team,
            assignee=agent,
        )

    kept = open_ticket("Paket belum sampai sejak seminggu", "Pesanan BLJ-2026-104233 belum sampai.")
    dup = open_ticket("Paket BLJ-2026-104233 mana?", "Sudah lapor kemarin, paket belum datang.")

    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.goto(f"{server}/masuk/")
    page.get_by_label("Nama pengguna").fill("rina.agen")
    page.get_by_label("Kata sandi").fill("rahasia-agen")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/inbox/"))

    page.goto(f"{server}/tickets/{kept.pk}/")
    page.locator("#merge-picker summary").click()
    page.locator("#merge-q").fill(str(dup.pk))  # the number as an agent reads it, no "SGP-"
    candidate = page.locator(f"[data-merge-candidate='{dup.pk}']")
    candidate.wait_for(timeout=10_000)
    candidate.click()

    page.wait_for_url(re.compile(rf"/tickets/{kept.pk}/merge/\?other={dup.pk}"))
    moves = page.locator("[data-moves]").inner_text()
    n = Message.objects.filter(ticket=dup).count()  # the description and the acknowledgement
    assert f"{n} pesan" in moves
    page.screenshot(path=str(artifacts / "merge-confirm.png"), full_page=True)
    page.get_by_role("button", name="Gabungkan dan beri tahu pelanggan").click()

    page.wait_for_url(re.compile(rf"/tickets/{kept.pk}/$"))
    page.wait_for_selector(f"text={dup.reference} digabung ke {kept.reference}")
    page.locator("[data-link='merged']").wait_for()  # the links card lists the merged one
    page.screenshot(path=str(artifacts / "merge-done.png"), full_page=True)

    dup.refresh_from_db()
    assert dup.merged_into_id == kept.pk and dup.status == "closed"
    assert Message.objects.filter(ticket=kept, kind="reply", body__contains=dup.reference).exists()
    page.goto(f"{server}/tickets/{dup.pk}/")
    page.get_by_role("link", name=kept.reference).first.wait_for()
    assert page.locator(f"[data-merged-into='{kept.pk}']").count() == 1
    ctx.close()
