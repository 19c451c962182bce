"""A supervisor drafts a proactive notice to the gold customers, previews who will get it
(the one who opted out is not among them), saves and queues it; the minute job sends it:
each customer who agreed receives one email, the one who opted out receives nothing, and
the campaign's page counts what was sent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import campaigns, consent
from sigap.relations.models import Campaign, ConsentSource
from tests.e2e.test_accessibility import serious
from tests.e2e.test_sla_settings_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_supervisor_sends_a_notice_to_a_segment_and_the_opted_out_customer_gets_nothing(
    server: str,
    browser: Any,
    artifacts: Path,
    supervisor: User,
    customer: Customer,  # Budi, gold
) -> None:
    rina = customer_create(
        name="Rina Gold", loyalty_tier="gold", contacts=[ContactIn("email", "rina@contoh.id")]
    )
    siti = customer_create(
        name="Siti Gold", loyalty_tier="gold", contacts=[ContactIn("email", "siti@contoh.id")]
    )
    silver = customer_create(
        name="Sani Silver", loyalty_tier="silver", contacts=[ContactIn("email", "sani@contoh.id")]
    )
    for c in (customer, rina, siti, silver):
        consent.consent_set(customer=c, purpose="service", granted=True, source=ConsentSource.AGENT)
    consent.opt_out(customer=siti, source=ConsentSource.UNSUBSCRIBE_LINK)
    mail.outbox = []

    page = browser.new_page(locale="id-ID")
    try:
        sign_in(page, server, "sari.spv", "rahasia-spv")
        page.goto(f"{server}/campaigns/")
        page.get_by_role("link", name="Kampanye baru").click()
        page.get_by_label("Nama kampanye").fill("Gangguan pembayaran GoPay")
        page.get_by_label("Saluran", exact=True).select_option("email")
        page.get_by_label("Subjek email").fill("Pemberitahuan gangguan")
        page.get_by_label(re.compile(r"^Isi pesan")).fill(
            "Halo {nama}, pembayaran GoPay sedang terganggu. Kami sedang memperbaikinya."
        )
        page.get_by_label("Gold").check()
        page.get_by_role("button", name="Pratinjau").click()
        page.wait_for_selector("#preview-count")
        assert page.locator("#preview-count").inner_text() == "2 pelanggan akan menerima pesan ini."
        shown = page.locator("#preview-first").inner_text()
        assert "Budi Santoso" in shown and "Rina Gold" in shown
        assert "Siti" not in shown and "Sani" not in shown
        assert serious(page) == []
        page.screenshot(path=str(artifacts / "campaign-preview.png"), full_page=True)

        page.get_by_role("button", name="Simpan draf").click()
        campaign = Campaign.objects.get()
        page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
        page.get_by_role("button", name="Antrekan untuk dikirim").click()
        page.wait_for_selector("text=Kampanye diantrekan untuk 2 pelanggan.")

        campaigns.send_due()  # the minute job
        page.reload()
        assert page.locator('[data-count="sent"]').inner_text() == "2"
        assert page.locator("#campaign-status").inner_text() == "Selesai"
        page.screenshot(path=str(artifacts / "campaign-sent.png"), full_page=True)
    finally:
        page.close()

    assert sorted(m.to[0] for m in mail.outbox) == ["budi@contoh.id", "rina@contoh.id"]
    assert mail.outbox[0].body.startswith("Halo ")
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
