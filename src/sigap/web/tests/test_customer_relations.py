"""The whole customer in the workspace: the profile edited and audited, the stream on the
customer's page, and organizations with their members and tickets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import SecurityEvent, SecurityKind, User
from sigap.customers.models import Customer, CustomerChange, Organization
from sigap.customers.services import organization_create
from sigap.tickets.models import Message, Ticket
from sigap.web.views.customers import STREAM_FIRST

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _profile_post(customer: Customer, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "version": customer.version,
        "name": customer.name,
        "kind": customer.kind,
        "temperament": customer.temperament,
        "loyalty_tier": customer.loyalty_tier,
        "birthday": "",
        "preferred_channel": "",
        "preferred_language": "",
        "time_zone": "",
        "organization": "",
        "notes": customer.notes,
        "contact-TOTAL_FORMS": "3",
        "contact-INITIAL_FORMS": "2",
        "contact-0-kind": "email",
        "contact-0-value": "budi@contoh.id",
        "contact-0-is_primary": "on",
        "contact-1-kind": "phone",
        "contact-1-value": "+6281234567890",
        "contact-2-kind": "email",
        "contact-2-value": "",
    }
    data.update(overrides)
    return data


def test_an_agent_edits_the_profile_and_each_change_is_recorded(
    agent: User, customer: Customer
) -> None:
    org = organization_create(actor=agent, name="PT Maju Jaya")
    response = client_for(agent).post(
        f"/customers/{customer.pk}/edit/",
        _profile_post(
            customer,
            birthday="1990-03-14",
            preferred_channel="whatsapp",
            preferred_language="en",
            organization=str(org.pk),
            region=" Jawa Barat ",
            **{"contact-2-kind": "whatsapp", "contact-2-value": "0813-1111-2222"},
        ),
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.birthday == date(1990, 3, 14)
    assert (customer.preferred_channel, customer.preferred_language) == ("whatsapp", "en")
    assert customer.organization_id == org.pk
    assert customer.contacts.filter(kind="whatsapp", value="+6281311112222").exists()
    changes = {c.field: (c.old_value, c.new_value, c.actor_name) for c in customer.changes.all()}
    assert changes["birthday"] == (None, "1990-03-14", agent.username)
    assert changes["organization_id"] == (None, org.pk, agent.username)
    assert changes["region"] == ("", "Jawa Barat", agent.username)  # none was NULL: ""
    assert "whatsapp:+6281311112222" in changes["contacts"][1]
    assert "name" not in changes  # unchanged fields are not recorded
    page = client_for(agent).get(f"/customers/{customer.pk}/").content.decode()
    assert "PT Maju Jaya" in page and "14 Maret 1990" in page
    assert "Profil diubah" in page  # the stream shows the change


def test_bad_profile_input_says_why_and_saves_nothing(agent: User, customer: Customer) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    c = client_for(agent)

    future = c.post(f"/customers/{customer.pk}/edit/", _profile_post(customer, birthday=tomorrow))
    bad_email = c.post(
        f"/customers/{customer.pk}/edit/",
        _profile_post(customer, name="Nama Baru", **{"contact-2-value": "budi@"}),
    )

    assert future.status_code == 422
    assert "Tanggal lahir tidak boleh di masa depan." in future.content.decode()
    assert bad_email.status_code == 422
    assert "Alamat email tidak valid" in bad_email.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.birthday, customer.version) == ("Budi Santoso", None, 1)
    assert not CustomerChange.objects.exists()


def test_a_stale_form_is_refused(agent: User, customer: Customer) -> None:
    c = client_for(agent)
    c.post(f"/customers/{customer.pk}/edit/", _profile_post(customer, notes="pertama"))
    stale = c.post(f"/customers/{customer.pk}/edit/", _profile_post(customer, notes="kedua"))

    assert stale.status_code == 409
    assert "sudah diubah orang lain" in stale.content.decode()
    customer.refresh_from_db()
    assert customer.notes == "pertama"


def test_customers_cannot_open_the_staff_profile_pages(
    customer_user: User, customer: Customer
) -> None:
    c = client_for(customer_user)
    for url in (f"/customers/{customer.pk}/edit/", "/organizations/"):
        assert c.get(url).status_code in (302, 403)
    assert c.post(f"/customers/{customer.pk}/edit/", _profile_post(customer)).status_code in (
        302,
        403,
    )
    customer.refresh_from_db()
    assert customer.version == 1


def test_the_stream_pages_on_the_customer_page(
    agent: User, customer: Customer, ticket: Ticket, django_assert_max_num_queries: object
) -> None:
    start = timezone.now() - timedelta(days=10)
    Message.objects.bulk_create(
        Message(
            ticket=ticket,
            kind="inbound",
            channel="whatsapp",
            body=f"pesan nomor {n}",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(45)
    )
    c = client_for(agent)
    with django_assert_max_num_queries(23):  # type: ignore[operator]  # 8: the stream
        page = c.get(f"/customers/{customer.pk}/").content.decode()

    assert page.count('class="stream-item') == STREAM_FIRST  # a screenful; the rest by cursor
    assert "pesan nomor 44" in page and "pesan nomor 10" not in page
    cursor = page.split("?before=")[1].split('"')[0]
    older = c.get(f"/customers/{customer.pk}/stream/?before={cursor}").content.decode()
    assert "pesan nomor 10" in older
    assert c.get(f"/customers/{customer.pk}/stream/?before=rusak").status_code == 422


def test_organizations_group_members_and_their_tickets(
    supervisor: User,
    agent: User,
    customer: Customer,
    other_customer: Customer,
    ticket: Ticket,
    other_ticket: Ticket,
) -> None:
    c = client_for(supervisor)
    created = c.post(
        "/organizations/",
        {"name": "CV Sinar Abadi", "kind": "intermediary", "loyalty_tier": "gold", "notes": ""},
    )
    org = Organization.objects.get(name="CV Sinar Abadi")
    assert created["Location"] == f"/organizations/{org.pk}/"
    for who in ("budi@contoh.id", "siti@contoh.id"):
        c.post(f"/organizations/{org.pk}/members/", {"customer": who})

    page = c.get(f"/organizations/{org.pk}/").content.decode()

    assert "Budi Santoso" in page and "Siti Rahmawati" in page
    assert ticket.reference in page and other_ticket.reference in page
    # an agent sees the organization's tickets their role lets them see, no more
    agents_view = client_for(agent).get(f"/organizations/{org.pk}/").content.decode()
    assert ticket.reference in agents_view and other_ticket.reference not in agents_view
    assert CustomerChange.objects.filter(field="organization_id", new_value=org.pk).count() == 2
    audit = SecurityEvent.objects.get(kind=SecurityKind.SETTINGS_CHANGED)
    assert audit.data["changes"]["name"] == [None, "CV Sinar Abadi"]

    c.post(f"/organizations/{org.pk}/members/", {"remove": str(customer.pk)})
    assert list(org.members.values_list("name", flat=True)) == ["Siti Rahmawati"]


def test_organization_bad_input(supervisor: User) -> None:
    c = client_for(supervisor)
    organization_create(actor=supervisor, name="PT Maju Jaya")

    twin = c.post(
        "/organizations/", {"name": "pt maju jaya", "kind": "business", "loyalty_tier": "regular"}
    )
    missing = c.post(
        f"/organizations/{Organization.objects.get().pk}/members/",
        {"customer": "tidak-ada@contoh.id"},
        follow=True,
    )

    assert twin.status_code == 409
    assert "Organisasi bernama pt maju jaya sudah ada." in twin.content.decode()
    assert Organization.objects.count() == 1
    assert "tidak ditemukan" in missing.content.decode()


def test_loyalty_on_the_customer_page(agent: User, supervisor: User, customer: Customer) -> None:
    from sigap.relations import loyalty
    from sigap.relations.models import RewardPool

    pool = RewardPool.objects.create(name="Maaf 50rb", value=50_000)
    loyalty.generate_codes(pool, 2, prefix="MAAF-")
    url = f"/customers/{customer.pk}/loyalty/"
    c = client_for(agent)

    c.post(
        url,
        {
            "action": "points",
            "points-kind": "manual",
            "points-points": "40",
            "points-reason": "Permintaan maaf",
        },
    )
    c.post(url, {"action": "issue", "issue-pool": str(pool.pk)})
    refused = c.post(
        url,
        {"action": "override", "override-tier": "platinum", "override-reason": "x"},
        follow=True,
    )
    panel = c.get(url).content.decode()

    assert loyalty.balance(customer.pk) == 40
    assert ">40<" in panel and "MAAF-" in panel
    assert "Hanya supervisor" in refused.content.decode()
    client_for(supervisor).post(
        url,
        {"action": "override", "override-tier": "platinum", "override-reason": "Mitra strategis"},
    )
    customer.refresh_from_db()
    assert customer.loyalty_tier == "platinum"
    too_much = c.post(
        url,
        {
            "action": "points",
            "points-kind": "redemption",
            "points-points": "-99",
            "points-reason": "Tukar",
        },
        follow=True,
    )
    assert "Poin tidak cukup" in too_much.content.decode()


def test_loyalty_settings_import_and_roles(
    admin: User, supervisor: User, agent: User, customer: Customer
) -> None:
    from sigap.relations.models import Programme, Voucher

    assert client_for(agent).get("/loyalty/").status_code == 403
    sup = client_for(supervisor)
    refused = sup.post(
        "/loyalty/",
        {"action": "programme", "active": "on", "rupiah_per_point": "1000"},
        follow=True,
    )
    assert "Hanya admin" in refused.content.decode()
    imported = sup.post(
        "/loyalty/",
        {
            "action": "purchases",
            "purchases": "customer,transaction_id,amount\nbudi@contoh.id,T1,50000\nzz@x.id,T2,1\n",
        },
    )
    page = imported.content.decode()
    assert "1 baris ditambahkan" in page and "Baris 3: pelanggan zz@x.id tidak ditemukan" in page
    sup.post(
        "/loyalty/",
        {
            "action": "pool",
            "name": "Ultah",
            "value": "25000",
            "codes": "A1\nA2\nA1",
            "generate": "3",
            "prefix": "U-",
        },
    )
    assert Voucher.objects.filter(pool__name="Ultah").count() == 5

    bad = client_for(admin).post(
        "/loyalty/",
        {
            "action": "programme",
            "active": "on",
            "rupiah_per_point": "1000",
            "expiry_months": "12",
            "window_months": "12",
            "basis": "points",
            "silver_from": "900",
            "gold_from": "500",
            "platinum_from": "1000",
            "hysteresis_percent": "10",
        },
    )
    assert bad.status_code == 422 and "Ambang tingkat harus naik" in bad.content.decode()
    assert Programme.objects.get().silver_from == 500
