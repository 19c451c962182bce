"""A campaign's audience limited to a brand (issue 17): the customers who have a ticket of
that brand (the default brand's: also tickets from before brands); a campaign with a
brand's WhatsApp template reaches that brand's customers unless its segment names a brand.
The brand is chosen on the page only when the business has several."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.api_client import Api

from sigap.accounts import brands
from sigap.accounts.models import Brand, User
from sigap.connectors.models import WhatsAppTemplate
from sigap.core.errors import ValidationFailed
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import campaigns, consent
from sigap.relations.campaigns import Segment
from sigap.relations.models import ConsentSource, Purpose
from sigap.tickets import services as tickets
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand_b(db: None) -> Brand:
    return Brand.objects.create(name="Kopi Senja", slug="kopi-senja")


def customer_with_ticket(
    name: str, phone: str, brand_id: int | None, *, old: bool = False
) -> Customer:
    """A customer who agreed to service notices, with a WhatsApp number and one ticket of
    ``brand_id`` (``old``: a ticket from before brands, no brand)."""
    customer = customer_create(name=name, contacts=[ContactIn("whatsapp", phone)])
    consent.consent_set(
        customer=customer, purpose=Purpose.SERVICE, granted=True, source=ConsentSource.AGENT
    )
    ticket = tickets.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject="Tanya",
        description="Tanya",
        brand_id=brand_id,
    )
    if old:
        Ticket.objects.filter(pk=ticket.pk).update(brand=None)
    return customer


@pytest.fixture
def people(brand_b: Brand) -> dict[str, Customer]:
    return {
        "b": customer_with_ticket("Ani Kopi", "+6281234500001", brand_b.pk),
        "default": customer_with_ticket("Budi Utama", "+6281234500002", None),
        "old": customer_with_ticket("Citra Lama", "+6281234500003", None, old=True),
    }


def reached(segment: Segment, template: WhatsAppTemplate | None = None) -> set[str]:
    found = campaigns.preview(segment, purpose="service", channel="whatsapp", template=template)
    assert found.count == len(found.first)
    return {c.name for c in found.first}


def test_an_audience_limited_to_a_brand(brand_b: Brand, people: dict[str, Customer]) -> None:
    assert reached(Segment()) == {"Ani Kopi", "Budi Utama", "Citra Lama"}
    assert reached(Segment(brand_id=brand_b.pk)) == {"Ani Kopi"}
    # the default brand's: also the customer whose ticket is older than brands
    assert reached(Segment(brand_id=brands.default_id())) == {"Budi Utama", "Citra Lama"}


def test_a_brands_template_defaults_to_that_brands_audience(
    brand_b: Brand, people: dict[str, Customer]
) -> None:
    b_template = WhatsAppTemplate.objects.create(
        name="gangguan", body="Halo {{1}}", approved=True, brand=brand_b
    )
    default_template = WhatsAppTemplate.objects.create(
        name="gangguan", body="Halo {{1}}", approved=True
    )
    assert reached(Segment(), b_template) == {"Ani Kopi"}
    assert reached(Segment(), default_template) == {"Ani Kopi", "Budi Utama", "Citra Lama"}
    # a segment naming the template's own brand is that brand's audience; naming another
    # brand is refused: its customers would get a message from a number they never wrote to
    default_id = brands.default_id()
    assert reached(Segment(brand_id=brand_b.pk), b_template) == {"Ani Kopi"}
    assert reached(Segment(brand_id=default_id), default_template) == {"Budi Utama", "Citra Lama"}
    for template, other in ((b_template, default_id), (default_template, brand_b.pk)):
        with pytest.raises(ValidationFailed) as refused:
            reached(Segment(brand_id=other), template)
        assert "nomor WhatsApp merek lain" in refused.value.message

    def create(template: WhatsAppTemplate, segment: Segment) -> int:
        campaign = campaigns.campaign_create(
            actor=None,
            name="Gangguan",
            purpose="service",
            channel="whatsapp",
            segment=segment,
            template=template,
            template_params=["{nama}"],
        )
        assert campaign.segment.get("brand_id") == (
            segment.brand_id or template.brand_id
        )  # stored: the audience does not change when a template is edited later
        return campaigns.campaign_queue(campaign=campaign)

    assert create(b_template, Segment()) == 1
    assert create(default_template, Segment()) == 3
    with pytest.raises(ValidationFailed):
        create(b_template, Segment(brand_id=default_id))


def test_the_brand_is_chosen_on_the_page_only_with_several_brands(
    supervisor: User, people: dict[str, Customer], brand_b: Brand
) -> None:
    c = Client()
    c.force_login(supervisor)
    assert 'name="brand"' in c.get("/campaigns/new/").content.decode()
    form = {
        "name": "Gangguan",
        "purpose": "service",
        "channel": "whatsapp",
        "rate_per_minute": "60",
        "action": "preview",
    }
    page = c.post("/campaigns/new/", {**form, "brand": str(brand_b.pk)}).content.decode()
    assert "1 pelanggan akan menerima pesan ini." in page and "Ani Kopi" in page
    b_template = WhatsAppTemplate.objects.create(
        name="promo_kopi", body="Halo {{1}}", approved=True, brand=brand_b
    )
    page = c.post("/campaigns/new/", {**form, "template": str(b_template.pk)}).content.decode()
    assert "1 pelanggan akan menerima pesan ini." in page

    brand_b.is_active = False
    brand_b.save()
    assert 'name="brand"' not in c.get("/campaigns/new/").content.decode()
    page = c.post("/campaigns/new/", {**form, "brand": str(brand_b.pk)}).content.decode()
    assert "3 pelanggan akan menerima pesan ini." in page  # no chooser, no brand


def test_the_api_limits_to_a_brand_and_refuses_an_unknown_one(
    supervisor: User, people: dict[str, Customer], brand_b: Brand
) -> None:
    api = Api(supervisor)
    body = {"purpose": "service", "channel": "whatsapp"}
    found = api.post("/campaigns/preview", {**body, "segment": {"brand_id": brand_b.pk}})
    assert found.status_code == 200 and found.json()["count"] == 1
    b_template = WhatsAppTemplate.objects.create(
        name="promo_kopi", body="Halo {{1}}", approved=True, brand=brand_b
    )
    found = api.post("/campaigns/preview", {**body, "template_id": b_template.pk})
    assert found.status_code == 200 and found.json()["count"] == 1
    refused = api.post("/campaigns/preview", {**body, "segment": {"brand_id": 999_999}})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"segment.brand_id": ["Tidak ada."]}
