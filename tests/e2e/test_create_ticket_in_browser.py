"""An agent takes a call from someone Sigap does not know: the shortcut opens "Tiket baru",
the phone number finds nobody, the agent adds the caller (an email already taken is
flagged as they type) and opens a phone ticket with an
attachment, and lands on the new ticket's page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket
from tests.e2e.test_accessibility import serious
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_agent_creates_a_phone_ticket_for_a_new_customer(
    server: str, browser: Any, artifacts: Path, agent: User, team: Team, customer: Customer
) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    sign_in(page, server, "rina.agen", "rahasia-agen")
    page.wait_for_url(re.compile(r"/inbox/"))

    page.keyboard.press("c")  # the shortcut, from the inbox
    page.wait_for_url(re.compile(r"/tickets/new/"))
    # The search box has the focus: the caller's number, as the agent hears it.
    page.keyboard.type("0813 7777 6655")
    page.wait_for_selector("#no-customer")
    assert serious(page) == []

    page.get_by_role("button", name="Pakai sebagai nomor pelanggan baru").click()
    assert page.locator("#id_new-phone").input_value() == "0813 7777 6655"
    page.locator("#id_new-name").fill("Wati Lestari")
    # An address that is already a customer's: the warning offers that customer instead.
    page.locator("#id_new-email").fill("BUDI@contoh.id")
    page.wait_for_selector("#dup-taken >> text=Budi Santoso")
    page.locator("#id_new-email").fill("wati@contoh.id")
    page.wait_for_selector("#dup-taken", state="detached")
    assert page.locator("#customer-new").is_checked()
    page.locator("#id_channel").select_option("phone")
    # Typed key by key: the "c" in a field is text, not the shortcut.
    page.locator("#id_subject").press_sequentially("Kompor tidak menyala, cek pemasangan")
    page.locator("#id_description").fill("Kompor yang dipasang kemarin tidak mau menyala.")
    page.locator("#id_attachments").set_input_files(
        files=[{"name": "catatan-telepon.txt", "mimeType": "text/plain", "buffer": b"Pukul 10.05"}]
    )
    page.screenshot(path=str(artifacts / "ticket-new.png"), full_page=True)
    page.get_by_role("button", name="Buat tiket").click()

    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    page.wait_for_selector("text=Kompor tidak menyala, cek pemasangan")
    page.screenshot(path=str(artifacts / "ticket-new-created.png"), full_page=True)
    ctx.close()

    ticket = Ticket.objects.select_related("customer").get()
    assert page.url.endswith(f"/tickets/{ticket.pk}/")
    assert (ticket.channel, ticket.team_id, ticket.created_by_id) == ("phone", team.pk, agent.pk)
    assert ticket.customer.name == "Wati Lestari"
    assert set(ticket.customer.contacts.values_list("value", flat=True)) == {
        "+6281377776655",
        "wati@contoh.id",
    }
    assert ticket.messages.get().attachments.get().filename == "catatan-telepon.txt"
