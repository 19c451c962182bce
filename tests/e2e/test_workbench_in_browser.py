"""The ticket page as a workbench, in a real browser at 1440x900: the current step's form is
on screen under "Langkah berikutnya", the agent classifies the ticket kompleks, hands it to a
named colleague, and sends a reply that also changes the status, in one click."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_agent_works_a_confirmed_ticket_from_the_workbench(
    server: str, browser: Any, artifacts: Path, agent: User, team: Team, customer: Customer
) -> None:
    colleague = user_create(
        username="budi.agen", password="rahasia-agen", role=Role.AGENT, first_name="Budi"
    )
    team.members.add(colleague)
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Paket belum sampai sejak seminggu",
        description="Pesanan BLJ-2026-104233 belum sampai padahal sudah 7 hari.",
        severity="sederhana",
        team=team,
        assignee=agent,
    )
    services.ticket_record(actor=agent, ticket=ticket, facts="Resi JNE 0123, tertahan di Cakung.")
    services.ticket_confirm(
        actor=agent,
        ticket=Ticket.objects.get(pk=ticket.pk),
        restatement="Paket belum sampai 7 hari.",
        customer_confirmed=True,
    )

    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    a = ctx.new_page()
    a.goto(f"{server}/masuk/")
    a.get_by_label("Nama pengguna").fill("rina.agen")
    a.get_by_label("Kata sandi").fill("rahasia-agen")
    a.get_by_role("button", name="Masuk").click()
    a.wait_for_url(re.compile(r"/inbox/"))
    a.goto(f"{server}/tickets/{ticket.pk}/")

    # The current step (the 5R apology, on a confirmed complaint) is open, under the
    # guidance, and on screen without scrolling; the stepper marks where the ticket is.
    assert a.locator("[aria-current=step]").inner_text().endswith("Selesaikan")
    guidance = a.locator("[data-next-step]").bounding_box()
    first_field = a.locator("#apology-recognition")
    assert first_field.is_visible()
    box = first_field.bounding_box()
    assert guidance and box
    assert guidance["y"] < box["y"] and box["y"] + box["height"] <= 900
    send = a.locator("#form-apology button[type=submit]").bounding_box()
    assert send and send["y"] + send["height"] <= 900  # the whole form, its button too
    assert "Kak Budi" in a.locator("#apology-remorse").input_value()
    a.screenshot(path=str(artifacts / "workbench-first-screen.png"))
    a.locator("[data-next-step] a").click()  # "Langkah berikutnya" leads to the form
    a.wait_for_selector("#apology-recognition:focus")

    # Classify it kompleks through the panel.
    a.locator("#classify-severity").select_option("kompleks")
    a.locator("#form-classify button[type=submit]").click()
    a.wait_for_selector("text=Klasifikasi disimpan.")
    assert "Kompleks" in a.locator(".ticket-head").inner_text()

    # Hand it to a named colleague; the list shows each one's open tickets.
    a.locator("#assign-assignee").select_option(label="Budi (0 tiket terbuka)")
    a.locator("#form-assign button[type=submit]").click()
    a.wait_for_selector("text=Tiket kini menjadi tanggung jawab Budi.")
    assert a.locator("[data-assignee]").inner_text() == "Budi"

    # Reply and wait for the customer, in one submit.
    a.locator("#reply-body").fill("Mohon kirimkan foto resi pengiriman Kakak.")
    a.locator("#reply-then").select_option("waiting_customer")
    a.locator("#form-reply button[type=submit]").click()
    a.wait_for_selector("text=Balasan terkirim. Status: Menunggu pelanggan.")
    assert a.locator(".ticket-head [data-status]").get_attribute("data-status") == (
        "waiting_customer"
    )
    a.screenshot(path=str(artifacts / "workbench.png"), full_page=True)
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.assignee_id, ticket.status) == (
        "kompleks",
        colleague.pk,
        "waiting_customer",
    )
    assert Message.objects.filter(ticket=ticket, kind="reply").count() == 1
    ctx.close()
