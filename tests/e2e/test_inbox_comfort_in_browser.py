"""An agent's inbox comforts in a real browser: the customer and agent filters found by
name as they type, the filters kept as a named view that is still there after a reload,
and a macro that replies, sets the status, adds a label and assigns in one click."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import CannedResponse, Message, Ticket
from sigap.web.models import SavedView

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_typeahead_filters_a_saved_view_and_a_macro(
    server: str,
    browser: Any,
    artifacts: Path,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
) -> None:
    ayu = user_create(
        username="ayu.agen",
        password="rahasia-agen",
        role="agent",
        first_name="Ayu",
        last_name="Lestari",
    )
    team.members.add(ayu)

    def make(who: Customer, owner: User, subject: str) -> Ticket:
        return services.ticket_create(
            actor=agent,
            customer=who,
            kind="inquiry",
            channel="email",
            subject=subject,
            description=subject,
            team=team,
            assignee=owner,
        )

    wanted = make(customer, ayu, "Resi pesanan Budi belum ada")
    make(customer, agent, "Budi tanya ongkir")  # Budi's, but Rina's
    make(other_customer, ayu, "Siti tanya retur")  # Ayu's, but Siti's
    wanted = services.ticket_transition(actor=agent, ticket=wanted, to="in_progress")
    macro = CannedResponse.objects.create(
        title="Minta resi",
        body="Halo {nama_depan}, mohon kirim nomor resinya.",
        set_status="waiting_customer",
        add_tags="butuh-resi",
        set_assignee=agent,
    )

    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.goto(f"{server}/masuk/")
    page.get_by_label("Nama pengguna").fill("rina.agen")
    page.get_by_label("Kata sandi").fill("rahasia-agen")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/inbox/"))
    page.locator("[data-view='team']").click()
    page.wait_for_url(re.compile(r"view=team"))
    rows = page.locator("tr[data-ticket]")

    def pick(kind: str, typed: str, name: str) -> None:
        """Type in a search-as-you-type filter and follow the name it offers."""
        more = page.locator("details.more-filters")
        if not more.evaluate("d => d.open"):
            more.locator("summary").click()
        page.locator(f"#lk-{kind}").fill(typed)
        page.locator(f"#lk-{kind}-results a", has_text=name).click()
        page.locator(f"[data-chosen='{kind}']", has_text=name).wait_for()

    pick("customer", "budi", "Budi Santoso")
    pick("agent", "ayu", "Ayu Lestari")
    assert "view=team" in page.url
    assert [rows.nth(i).get_attribute("data-ticket") for i in range(rows.count())] == [
        str(wanted.pk)
    ]
    page.screenshot(path=str(artifacts / "inbox-typeahead-filters.png"), full_page=True)

    # Keep it as a named view.
    page.locator("details.saved-new summary").click()
    page.locator("#saved-name").fill("Budi oleh Ayu")
    page.locator("#form-saved-view").get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"saved=\d+"))
    view = SavedView.objects.get(owner=agent)
    assert view.name == "Budi oleh Ayu"

    # After a reload of the plain inbox the view is listed; opening it filters again.
    page.goto(f"{server}/inbox/")
    link = page.locator(f"[data-saved-view='{view.pk}']")
    assert link.inner_text() == "Budi oleh Ayu"
    assert page.locator("[data-chosen]").count() == 0  # no filter until it is opened
    link.click()
    page.wait_for_url(re.compile(rf"saved={view.pk}"))
    assert link.get_attribute("aria-current") == "page"
    assert page.locator("[data-chosen='customer']").inner_text().startswith("Budi Santoso")
    assert page.locator("[data-chosen='agent']").inner_text().startswith("Ayu Lestari")
    assert [rows.nth(i).get_attribute("data-ticket") for i in range(rows.count())] == [
        str(wanted.pk)
    ]
    page.screenshot(path=str(artifacts / "inbox-saved-view.png"), full_page=True)

    # The macro: the reply, the status, the label and the owner in one click.
    rows.first.locator("a.ticket-link").click()
    page.wait_for_url(re.compile(rf"/tickets/{wanted.pk}/"))
    page.locator("#macro-select").select_option(str(macro.pk))
    page.get_by_role("button", name="Terapkan makro").click()
    page.wait_for_url(re.compile(rf"/tickets/{wanted.pk}/#reply$"))
    assert "Makro “Minta resi” diterapkan" in page.locator(".flash").inner_text()
    assert page.locator("[data-status]").inner_text() == "Menunggu pelanggan"
    labels = page.locator("#classify").get_by_label("Label", exact=True)
    assert labels.input_value() == "butuh-resi"
    assert page.locator("[data-assignee]").inner_text() == "Rina"
    page.screenshot(path=str(artifacts / "ticket-after-macro.png"), full_page=True)
    ctx.close()

    done = Ticket.objects.get(pk=wanted.pk)
    assert (done.status, done.assignee_id) == ("waiting_customer", agent.pk)
    assert list(done.tags.values_list("name", flat=True)) == ["butuh-resi"]
    reply = Message.objects.get(ticket=done, kind="reply")
    assert reply.body == "Halo Budi, mohon kirim nomor resinya." and reply.author_id == agent.pk
