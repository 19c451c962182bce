"""The proactive contact pages: supervisors and admins only, a draft with its preview, queue
and cancel, the counts, bounded queries, and the public unsubscribe page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import campaigns, consent
from sigap.relations.campaigns import Segment
from sigap.relations.models import Campaign, CampaignRecipient, Consent, ConsentSource, Purpose

pytestmark = pytest.mark.django_db


def client_for(user: User | None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def agree(*customers: Customer) -> None:
    for c in customers:
        consent.consent_set(
            customer=c, purpose=Purpose.SERVICE, granted=True, source=ConsentSource.AGENT
        )


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Gangguan GoPay",
        "purpose": "service",
        "channel": "email",
        "subject": "Pemberitahuan gangguan",
        "body": "Halo {nama}, pembayaran GoPay sedang terganggu.",
        "rate_per_minute": "60",
        "action": "save",
    }
    data.update(overrides)
    return data


def a_campaign(**kw: Any) -> Campaign:
    return campaigns.campaign_create(
        actor=None,
        name=kw.pop("name", "Gangguan"),
        purpose="service",
        channel="email",
        segment=kw.pop("segment", Segment()),
        subject="Gangguan",
        body="Halo {nama}",
        **kw,
    )


@pytest.mark.parametrize(
    "url", ["/campaigns/", "/campaigns/new/", "/campaigns/{id}/", "/campaigns/{id}/action/"]
)
def test_agents_get_403_customers_and_strangers_nothing(
    url: str, agent: User, customer_user: User, customer: Customer
) -> None:
    agree(customer)
    campaign = a_campaign()
    path = url.format(id=campaign.pk)
    post = url.endswith("action/")

    def call(c: Client) -> Any:
        return c.post(path, {"action": "queue"}) if post else c.get(path)

    assert call(client_for(agent)).status_code == 403
    assert call(client_for(customer_user)).status_code in (302, 403)
    assert call(client_for(None)).status_code == 302
    assert CampaignRecipient.objects.count() == 0  # nothing queued by a denied request
    assert Campaign.objects.get().status == "draft"


def test_a_supervisor_previews_saves_queues_and_the_opted_out_receive_nothing(
    supervisor: User, customer: Customer, other_customer: Customer
) -> None:
    third = customer_create(name="Rina Wati", contacts=[ContactIn("email", "rina@contoh.id")])
    agree(customer, other_customer, third)
    consent.opt_out(customer=other_customer, source=ConsentSource.UNSUBSCRIBE_LINK)
    c = client_for(supervisor)

    shown = c.post("/campaigns/new/", form(action="preview"))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "2 pelanggan akan menerima pesan ini." in html
    assert "Budi Santoso" in html and "Rina Wati" in html and "Siti" not in html
    assert Campaign.objects.count() == 0  # a preview saves nothing

    saved = c.post("/campaigns/new/", form())
    campaign = Campaign.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.created_by == supervisor and campaign.status == "draft"
    page = c.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "2 pelanggan akan menerima pesan ini." in page

    c.post(f"/campaigns/{campaign.pk}/action/", {"action": "queue"})
    campaigns.send_due()

    assert sorted(m.to[0] for m in mail.outbox) == ["budi@contoh.id", "rina@contoh.id"]
    page = c.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-count="sent">2<' in page
    again = c.post(f"/campaigns/{campaign.pk}/action/", {"action": "queue"}, follow=True)
    assert "sudah diantrekan" in again.content.decode()
    assert CampaignRecipient.objects.count() == 2


def test_bad_input_is_refused_with_the_field_and_nothing_saved(supervisor: User) -> None:
    c = client_for(supervisor)
    no_body = c.post("/campaigns/new/", form(body="", subject=""))
    assert no_body.status_code == 422
    assert "Isi pesan wajib diisi." in no_body.content.decode()
    bad_ids = c.post("/campaigns/new/", form(customer_ids="12, dua"))
    assert bad_ids.status_code == 422
    assert "Nomor pelanggan tidak valid: dua." in bad_ids.content.decode()
    whatsapp = c.post("/campaigns/new/", form(channel="whatsapp"))
    assert "WhatsApp memerlukan templat yang disetujui Meta." in whatsapp.content.decode()
    assert Campaign.objects.count() == 0


def test_pages_have_bounded_queries(admin: User, django_assert_max_num_queries: Any) -> None:
    people = [
        customer_create(name=f"P {i}", contacts=[ContactIn("email", f"p{i}@contoh.id")])
        for i in range(30)
    ]
    agree(*people)
    for i in range(5):
        campaigns.campaign_queue(campaign=a_campaign(name=f"K {i}"))
    campaigns.send_due()
    draft = a_campaign(name="Draf")
    c = client_for(admin)
    queued = Campaign.objects.exclude(pk=draft.pk).first()
    assert queued is not None
    with django_assert_max_num_queries(12):
        assert c.get("/campaigns/").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(f"/campaigns/{queued.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(f"/campaigns/{draft.pk}/").status_code == 200
    with django_assert_max_num_queries(14):
        assert c.post("/campaigns/new/", form(action="preview")).status_code == 200


def test_the_unsubscribe_page_asks_then_records(customer: Customer) -> None:
    agree(customer)
    token = consent.unsubscribe_token(customer.pk, Purpose.SERVICE)
    c = Client(enforce_csrf_checks=True)

    asked = c.get(f"/berhenti/{token}/")
    assert asked.status_code == 200 and "Ya, berhenti berlangganan" in asked.content.decode()
    assert consent.consented(customer.pk, Purpose.SERVICE)
    done = c.post(f"/berhenti/{token}/")  # one-click, as mail clients post it
    assert done.status_code == 200 and 'id="unsubscribed"' in done.content.decode()
    assert not consent.consented(customer.pk, Purpose.SERVICE)
    assert c.get("/berhenti/palsu/").status_code == 404


def test_staff_record_a_customers_consent_and_customers_cannot(
    agent: User, customer_user: User, customer: Customer, django_assert_max_num_queries: Any
) -> None:
    c = client_for(agent)
    url = f"/customers/{customer.pk}/consent/"
    with django_assert_max_num_queries(14):  # the session, the user, the customer, 1 for consent
        shown = c.get(url)
    assert shown.status_code == 200 and shown.content.decode().count("Belum dicatat") == 2

    c.post(url, {"purpose": "service", "granted": "1"})
    row = Consent.objects.get(customer=customer)
    assert (row.purpose, row.granted, row.source, row.actor) == ("service", True, "agent", agent)
    assert "Tidak bersedia" not in c.get(url).content.decode()
    c.post(url, {"purpose": "service", "granted": "0"})
    assert not consent.consented(customer.pk, "service")

    bad = c.post(url, {"purpose": "promo", "granted": "1"}, follow=True)
    assert "Pilih tujuan dan jawaban pelanggan." in bad.content.decode()
    assert Consent.objects.count() == 1
    page = c.get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="{url}"' in page

    denied = client_for(customer_user).post(url, {"purpose": "marketing", "granted": "1"})
    assert denied.status_code in (302, 403)
    assert client_for(agent).get("/customers/999999/consent/").status_code == 404
    assert not Consent.objects.filter(purpose="marketing").exists()


def test_a_campaign_on_a_channel_not_set_up_says_it_waits(supervisor: User) -> None:
    campaign = campaigns.campaign_create(
        actor=None,
        name="Telegram",
        purpose="service",
        channel="telegram",
        segment=Segment(),
        body="Halo {nama}",
    )
    page = client_for(supervisor).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'id="channel-not-ready"' in page
    assert "Saluran Telegram belum dikonfigurasi" in page
