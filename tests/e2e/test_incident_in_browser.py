"""A supervisor confirms a detected incident, links one more ticket by its number and sends
one answer to all: the email customer's tickets get one mail each (real SMTP on loopback),
the WhatsApp customer one message (the fake Graph API), each in the customer's own name."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.connectors.tests.conftest import (  # noqa: F401 (fixtures)
    APP_SECRET,
    fake_api,
    load,
    whatsapp,
)
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_email_out import Inbox, smtp  # noqa: F401
from sigap.connectors.whatsapp.inbound import sign
from sigap.customers.models import Customer
from sigap.relations.models import Incident, IncidentStatus, IncidentTicket
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/(inbox|beranda)/"))


def _ticket(agent: User, team: Team, customer: Customer, channel: str, text: str) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel=channel,
        subject=text,
        description=text,
        team=team,
    )


def test_confirm_link_and_answer_all_in_the_browser(
    server: str,
    browser: Any,
    artifacts: Path,
    smtp: Inbox,  # noqa: F811
    whatsapp: FakeApi,  # noqa: F811
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,  # Budi: the WhatsApp message comes from his phone number
    other_customer: Customer,
) -> None:
    # the customer writes on WhatsApp (a signed webhook, as Meta posts it): the reply
    # window is open
    body = json.dumps(load("whatsapp_text.json")).encode()
    hook = Client().post(
        "/hooks/whatsapp/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
    )
    assert hook.status_code == 200
    on_whatsapp = Ticket.objects.get(channel="whatsapp")
    by_email = _ticket(agent, team, other_customer, "email", "Pembayaran GoPay gagal")
    later = _ticket(agent, team, other_customer, "email", "GoPay error waktu checkout")
    now = timezone.now()
    incident = Incident.objects.create(  # what the detector writes (relations.incidents)
        title="Dugaan insiden: 2 tiket tentang 'gagal bayar gopay' sejak 10:05",
        status=IncidentStatus.SUGGESTED,
        keywords=["gagal", "bayar", "gopay"],
        label="gagal bayar gopay",
        since=now,
        detected_count=2,
        created_at=now,
    )
    for t in (on_whatsapp, by_email):
        IncidentTicket.objects.create(incident=incident, ticket=t, how="detected", linked_at=now)

    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    sign_in(page, server, "sari.spv", "rahasia-spv")
    page.goto(f"{server}/incidents/")
    card = page.locator(f"article[data-incident='{incident.pk}']")
    assert "gagal bayar gopay" in card.inner_text()
    card.get_by_role("button", name="Konfirmasi insiden").click()
    page.wait_for_selector("text=Insiden dikonfirmasi.")

    page.get_by_label("Nomor tiket").fill(later.reference)
    page.get_by_role("button", name="Tautkan").click()
    page.wait_for_selector(f"text=Tiket {later.reference} ditautkan.")
    assert page.locator("#incident-tickets tbody tr").count() == 3

    page.locator("#answer-body").fill(
        "Halo Kak {nama_depan}, pembayaran GoPay sedang gangguan ({nomor_tiket})."
    )
    page.get_by_role("button", name="Kirim ke semua tiket").click()
    page.wait_for_selector("text=Jawaban dikirim ke setiap tiket")
    page.screenshot(path=str(artifacts / "incident-answered.png"), full_page=True)
    ctx.close()

    (sent,) = whatsapp.to("/messages")
    assert sent.json()["text"]["body"] == (
        f"Halo Kak {on_whatsapp.customer.name.split()[0]}, pembayaran GoPay sedang gangguan "
        f"({on_whatsapp.reference})."
    )
    mails = sorted(
        (m["To"], m.get_body(preferencelist=("plain",)).get_content()) for m in smtp.messages
    )
    assert len(mails) == 2
    for (to, body), ticket in zip(
        mails, sorted((by_email, later), key=lambda t: t.pk), strict=True
    ):
        assert "siti@contoh.id" in to
        assert f"Halo Kak Siti, pembayaran GoPay sedang gangguan ({ticket.reference})." in body
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN and incident.owner == supervisor
