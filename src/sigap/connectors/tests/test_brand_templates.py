"""WhatsApp message templates per connection (issue 17): a brand's own number belongs to
its own WhatsApp Business Account, whose templates are not the default account's. Each
connection syncs and lists its own templates (the fake Graph API on loopback answers
with the documented ``message_templates`` payload); a brand's ticket is offered and sent
only its connection's templates, through its number; a campaign with a brand's template
leaves through that brand's number; each connection has its own proposal template."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import Brand, User
from sigap.connectors import conf
from sigap.connectors import services as channel_services
from sigap.connectors.models import WhatsAppTemplate
from sigap.connectors.tests.conftest import APP_SECRET, PHONE_NUMBER_ID
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_brand_connections import (
    B_PHONE_NUMBER_ID,
    B_SECRET,
    B_TOKEN,
    post_signed,
    ticket_of,
    to_number,
    whatsapp_b,
)
from sigap.connectors.whatsapp import outbound
from sigap.core.errors import NotFound, ValidationFailed
from sigap.customers.models import Customer
from sigap.relations import campaigns, consent
from sigap.relations.campaigns import Segment
from sigap.relations.models import CampaignRecipient, ConsentSource, Purpose
from sigap.tickets import services as tickets

pytestmark = pytest.mark.django_db

DEFAULT_WABA = "102290129340398"
B_WABA = "301234567890123"  # brand B's connection (test_brand_connections.whatsapp_b)
PROPOSAL_BODY = "Halo {{1}}, tiket {{2}}: {{3}} ({{4}})"


@pytest.fixture
def brand_b(admin: User) -> Brand:
    return Brand.objects.create(name="Kopi Senja", slug="kopi-senja", sender_name="Kopi Senja")


@pytest.fixture
def two_numbers(whatsapp: FakeApi, settings: Any, admin: User, brand_b: Brand) -> FakeApi:
    """The default number (the server's settings, its business account) and brand B's own."""
    settings.SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID = DEFAULT_WABA
    whatsapp_b(admin, brand_b)
    return whatsapp


def templates_page(*items: tuple[str, str, str]) -> dict[str, Any]:
    """The documented answer of ``GET /<WABA id>/message_templates``."""
    return {
        "data": [
            {
                "name": name,
                "components": [{"type": "BODY", "text": text}],
                "language": "id",
                "status": status,
                "category": "UTILITY",
                "id": str(1234567890 + n),
            }
            for n, (name, text, status) in enumerate(items)
        ],
        "paging": {"cursors": {"before": "QVFH", "after": "QVFI"}},
    }


def rows(brand: Brand | None) -> list[tuple[str, str, bool]]:
    return list(
        WhatsAppTemplate.objects.filter(brand=brand)
        .order_by("name")
        .values_list("name", "body", "approved")
    )


def test_each_connection_syncs_and_lists_its_own_business_accounts_templates(
    two_numbers: FakeApi, admin: User, brand_b: Brand, client: Client
) -> None:
    two_numbers.script(
        f"/{DEFAULT_WABA}/message_templates",
        200,
        templates_page(("sapaan", "Halo {{1}} dari Belanjaku", "APPROVED")),
    )
    two_numbers.script(
        f"/{B_WABA}/message_templates",
        200,
        templates_page(
            ("sapaan", "Halo {{1}} dari Kopi Senja", "APPROVED"),
            ("promo_kopi", "Diskon {{1}}", "PENDING"),
        ),
    )
    synced_default = channel_services.whatsapp_templates_sync(actor=admin)
    synced_b = channel_services.whatsapp_templates_sync(actor=admin, brand=brand_b)

    assert (synced_default.created, synced_b.created, synced_b.approved) == (1, 2, 1)
    # the same name in both accounts: two templates, each its connection's
    assert rows(None) == [("sapaan", "Halo {{1}} dari Belanjaku", True)]
    assert rows(brand_b) == [
        ("promo_kopi", "Diskon {{1}}", False),
        ("sapaan", "Halo {{1}} dari Kopi Senja", True),
    ]
    read_default, read_b = two_numbers.to("/message_templates")
    assert read_default.path == f"/v21.0/{DEFAULT_WABA}/message_templates"
    assert read_default.headers["Authorization"] == "Bearer EAAG-token-uji"
    assert read_b.path == f"/v21.0/{B_WABA}/message_templates"
    assert read_b.headers["Authorization"] == f"Bearer {B_TOKEN}"

    # syncing B again changes none of the default account's templates
    two_numbers.script(
        f"/{B_WABA}/message_templates",
        200,
        templates_page(("sapaan", "Halo {{1}} dari Kopi Senja", "APPROVED")),
    )
    again = channel_services.whatsapp_templates_sync(actor=admin, brand=brand_b)
    assert (again.created, again.updated) == (0, 0)
    assert rows(None) == [("sapaan", "Halo {{1}} dari Belanjaku", True)]

    # each connection's settings page lists its own
    client.force_login(admin)
    page_b = client.get(f"/settings/channels/whatsapp/brands/{brand_b.pk}/").content.decode()
    assert page_b.count("data-template=") == 2 and "dari Kopi Senja" in page_b
    assert "dari Belanjaku" not in page_b
    page = client.get("/settings/channels/whatsapp/").content.decode()
    assert page.count("data-template=") == 1 and "dari Kopi Senja" not in page


def test_a_template_another_sync_inserted_meanwhile_is_updated_not_a_500(
    two_numbers: FakeApi, admin: User, brand_b: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two admins press "sync" at once: the other sync inserted the template after this one
    read the list (seen here as a list that misses it); this one takes that row."""
    two_numbers.script(
        f"/{B_WABA}/message_templates",
        200,
        templates_page(("sapaan", "Halo {{1}} dari Kopi Senja", "APPROVED")),
    )
    WhatsAppTemplate.objects.create(name="sapaan", body="lama", approved=False, brand=brand_b)
    monkeypatch.setattr(
        type(WhatsAppTemplate.objects),
        "select_for_update",
        lambda self, **kw: WhatsAppTemplate.objects.none(),
    )
    synced = channel_services.whatsapp_templates_sync(actor=admin, brand=brand_b)
    assert (synced.created, synced.updated) == (0, 1)
    assert rows(brand_b) == [("sapaan", "Halo {{1}} dari Kopi Senja", True)]


def test_a_brand_without_its_own_number_cannot_sync(admin: User, brand_b: Brand) -> None:
    with pytest.raises(ValidationFailed):
        channel_services.whatsapp_templates_sync(actor=admin, brand=brand_b)
    assert not WhatsAppTemplate.objects.exists()


def test_a_brands_ticket_is_offered_and_sent_only_its_connections_templates(
    two_numbers: FakeApi,
    client: Client,
    agent: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    default_t = WhatsAppTemplate.objects.create(name="sapaan", body="Halo {{1}}", approved=True)
    b_t = WhatsAppTemplate.objects.create(
        name="sapaan", body="Halo {{1}} dari Kopi Senja", approved=True, brand=brand_b
    )
    old = str(int(time.time()) - 26 * 3600)  # both windows closed
    to_b = to_number(B_PHONE_NUMBER_ID, wamid="wamid.B7", sender="6281298765432")
    to_b["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = old
    to_a = to_number(PHONE_NUMBER_ID, wamid="wamid.A7", sender="6281234567890")
    to_a["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = old
    assert post_signed(client, capture, "/hooks/whatsapp/", to_b, B_SECRET).status_code == 200
    assert post_signed(client, capture, "/hooks/whatsapp/", to_a, APP_SECRET).status_code == 200
    ticket_b, ticket_a = ticket_of("wamid.B7"), ticket_of("wamid.A7")

    with conf.using_brand("whatsapp", ticket_b.brand_id):
        notice_b = outbound.window_notice(ticket_b)
    notice_a = outbound.window_notice(ticket_a)
    assert notice_b is not None and notice_b.templates == [b_t]
    assert notice_a is not None and notice_a.templates == [default_t]

    # the default account's template is not brand B's number's to send
    with pytest.raises(ValidationFailed):
        outbound.template_send(actor=agent, ticket=ticket_b, template_id=default_t.pk, params=["X"])
    with capture(execute=True):
        outbound.template_send(actor=agent, ticket=ticket_b, template_id=b_t.pk, params=["Rina"])
    (sent,) = two_numbers.to("/messages")
    assert sent.path == f"/v21.0/{B_PHONE_NUMBER_ID}/messages"
    assert sent.headers["Authorization"] == f"Bearer {B_TOKEN}"
    assert sent.json()["template"]["name"] == "sapaan"


def brand_ticket(customer: Customer, brand: Brand) -> None:
    tickets.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject="Kopi",
        description="Kopi",
        brand_id=brand.pk,
    )


def test_a_campaign_with_a_brands_template_leaves_through_that_brands_number(
    two_numbers: FakeApi, brand_b: Brand, customer: Customer
) -> None:
    consent.consent_set(
        customer=customer, purpose=Purpose.SERVICE, granted=True, source=ConsentSource.AGENT
    )
    brand_ticket(customer, brand_b)  # a brand's template reaches that brand's customers
    b_t = WhatsAppTemplate.objects.create(
        name="gangguan",
        body="Halo {{1}}, mesin kopi kami diperbaiki.",
        approved=True,
        brand=brand_b,
    )
    default_t = WhatsAppTemplate.objects.create(
        name="gangguan", body="Halo {{1}}, pembayaran terganggu.", approved=True
    )
    sent_by: dict[str, Any] = {}
    for label, template in (("b", b_t), ("default", default_t)):
        campaign = campaigns.campaign_create(
            actor=None,
            name=f"Gangguan {label}",
            purpose="service",
            channel="whatsapp",
            segment=Segment(),
            template=template,
            template_params=["{nama}"],
        )
        assert campaigns.campaign_queue(campaign=campaign) == 1
        campaigns.send_due()
        assert CampaignRecipient.objects.get(campaign=campaign).state == "sent"
        sent_by[label] = two_numbers.to("/messages")[-1]
    assert sent_by["b"].path == f"/v21.0/{B_PHONE_NUMBER_ID}/messages"
    assert sent_by["b"].headers["Authorization"] == f"Bearer {B_TOKEN}"
    assert sent_by["default"].path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert sent_by["default"].headers["Authorization"] == "Bearer EAAG-token-uji"


def test_a_campaign_whose_brand_number_was_disconnected_fails_without_another_number(
    two_numbers: FakeApi, admin: User, brand_b: Brand, customer: Customer
) -> None:
    consent.consent_set(
        customer=customer, purpose=Purpose.SERVICE, granted=True, source=ConsentSource.AGENT
    )
    brand_ticket(customer, brand_b)  # a brand's template reaches that brand's customers
    b_t = WhatsAppTemplate.objects.create(
        name="gangguan", body="Halo {{1}}", approved=True, brand=brand_b
    )
    campaign = campaigns.campaign_create(
        actor=None,
        name="Gangguan",
        purpose="service",
        channel="whatsapp",
        segment=Segment(),
        template=b_t,
        template_params=["{nama}"],
    )
    campaigns.campaign_queue(campaign=campaign)
    channel_services.channel_disconnect(actor=admin, provider="whatsapp", brand=brand_b)
    campaigns.send_due()
    assert CampaignRecipient.objects.get(campaign=campaign).state == "failed"
    assert two_numbers.to("/messages") == []


def test_each_connection_has_its_own_proposal_template(
    two_numbers: FakeApi, admin: User, brand_b: Brand
) -> None:
    default_t = WhatsAppTemplate.objects.create(name="usulan", body=PROPOSAL_BODY, approved=True)
    b_t = WhatsAppTemplate.objects.create(
        name="usulan", body=PROPOSAL_BODY, approved=True, brand=brand_b
    )
    # another connection's template cannot be chosen
    with pytest.raises(NotFound):
        channel_services.whatsapp_template_for_proposals(actor=admin, template_id=b_t.pk)
    channel_services.whatsapp_template_for_proposals(actor=admin, template_id=default_t.pk)
    channel_services.whatsapp_template_for_proposals(actor=admin, template_id=b_t.pk, brand=brand_b)
    assert outbound.proposal_template() == default_t
    assert outbound.proposal_template(brand_b.pk) == b_t
    with conf.using_brand("whatsapp", brand_b.pk):
        assert outbound.proposal_template_ready()
    # clearing B's leaves the default connection's
    channel_services.whatsapp_template_for_proposals(actor=admin, template_id=None, brand=brand_b)
    assert outbound.proposal_template(brand_b.pk) is None
    assert outbound.proposal_template() == default_t


def test_the_brands_connection_page_syncs_its_templates_and_campaigns_name_the_brand(
    two_numbers: FakeApi, admin: User, supervisor: User, brand_b: Brand, client: Client
) -> None:
    two_numbers.script(
        f"/{B_WABA}/message_templates",
        200,
        templates_page(("promo_kopi", "Diskon {{1}} untuk pencinta kopi", "APPROVED")),
    )
    client.force_login(admin)
    page = client.post(
        f"/settings/channels/whatsapp/brands/{brand_b.pk}/", {"action": "sync"}, follow=True
    ).content.decode()
    assert "Templat disinkronkan: 1 baru, 0 diubah, 1 disetujui." in page
    assert rows(brand_b) == [("promo_kopi", "Diskon {{1}} untuk pencinta kopi", True)]
    assert rows(None) == [] and two_numbers.to(f"/{DEFAULT_WABA}/message_templates") == []

    client.force_login(supervisor)
    form = client.get("/campaigns/new/").content.decode()
    assert "promo_kopi (id) — Kopi Senja" in form
