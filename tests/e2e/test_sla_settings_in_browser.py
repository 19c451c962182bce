"""A supervisor opens their team's SLA policy, shortens the P2 first-response target from
one hour to 20 minutes, and the preview ("a ticket from a gold customer on WhatsApp created
now would be due at …") moves to match, in the business time zone; another team's policy
stays closed to them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone

from sigap.accounts.models import Team, User
from sigap.sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from tests.e2e.test_accessibility import serious

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/(inbox|beranda)/"))


def test_a_supervisor_edits_their_teams_target_and_sees_the_preview_change(
    server: str,
    browser: Any,
    artifacts: Path,
    supervisor: User,
    team: Team,
    other_team: Team,
) -> None:
    around = BusinessCalendar.objects.get(name="24 jam")  # due = now + target, any hour
    policy = SlaPolicy.objects.create(
        name="Pengiriman WhatsApp", position=1, team=team, channels=["whatsapp"], calendar=around
    )
    for p in (1, 2, 3, 4):
        SlaTarget.objects.create(
            policy=policy,
            priority=p,
            first_response_minutes=180,
            next_response_minutes=240,
            resolution_minutes=1440,
        )
    theirs = SlaPolicy.objects.create(name="Pembayaran", team=other_team, calendar=around)

    page = browser.new_page(locale="id-ID")
    try:
        sign_in(page, server, "sari.spv", "rahasia-spv")
        page.goto(f"{server}/settings/sla/")
        page.get_by_role("link", name="Pengiriman WhatsApp").click()
        page.wait_for_url(re.compile(rf"/settings/sla/{policy.pk}/$"))
        first = page.locator("[data-preview-first]")
        before = first.inner_text()
        assert before.endswith(" WIB")
        assert page.locator("[data-preview-policy]").inner_text() == "Pengiriman WhatsApp"
        assert (
            "pelanggan Gold lewat WhatsApp (P2)"
            in page.locator("[data-preview-sentence]").inner_text()
        )

        page.get_by_label("P2 Respons pertama (jam)").fill("0")
        page.get_by_label("P2 Respons pertama (menit)").fill("20")
        started = timezone.now()
        page.get_by_role("button", name="Simpan").click()
        page.wait_for_url(re.compile(rf"/settings/sla/{policy.pk}/$"))
        assert "Kebijakan SLA Pengiriman WhatsApp disimpan." in page.content()
        after = first.inner_text()
        assert serious(page) == []  # axe-core: labels of the hour and minute boxes, contrast
        page.screenshot(path=str(artifacts / "sla-preview.png"), full_page=True)

        assert after != before
        # 20 minutes around the clock from the moment of the page, in WIB
        wib = ZoneInfo("Asia/Jakarta")
        expected = {
            formats.date_format(
                (started + timedelta(minutes=20 + m)).astimezone(wib), "l, j F Y H:i"
            )
            + " WIB"
            for m in (0, 1)
        }
        assert after in expected
        target = SlaTarget.objects.get(policy=policy, priority=2)
        assert target.first_response_minutes == 20

        response = page.goto(f"{server}/settings/sla/{theirs.pk}/")
        assert response is not None
        assert response.status == 403

        # on a phone the targets table stacks: nothing wider than the screen
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(f"{server}/settings/sla/{policy.pk}/")
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    finally:
        page.close()
