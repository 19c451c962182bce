"""Customers: contact normalisation, uniqueness across customers, optimistic updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from time_machine import TimeMachineFixture

from sigap.core.errors import Conflict, StaleVersion, ValidationFailed
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.services import (
    ContactIn,
    contact_normalize,
    customer_create,
    customer_find_by_contact,
    customer_update,
)

pytestmark = pytest.mark.django_db


def contacts_of(customer: Customer) -> list[tuple[str, str, bool]]:
    return sorted(customer.contacts.values_list("kind", "value", "is_primary"))


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("phone", "0812-3456-7890", "+6281234567890"),
        ("phone", "+62 812 3456 7890", "+6281234567890"),
        ("whatsapp", "6281234567890", "+6281234567890"),
        ("whatsapp", " 0812 3456 7890 ", "+6281234567890"),
        ("phone", "(021) 5551234", "+62215551234"),
        ("phone", "+65 8123 4567", "+6581234567"),
        ("email", "  Budi.Santoso@Contoh.CO.ID ", "budi.santoso@contoh.co.id"),
        ("instagram", "@Budi_Santoso", "budi_santoso"),
        ("telegram", " BudiS ", "budis"),
    ],
)
def test_contacts_are_stored_normalised(kind: str, raw: str, stored: str) -> None:
    customer = customer_create(name="Budi Santoso", contacts=[ContactIn(kind, raw)])

    assert contacts_of(customer) == [(kind, stored, False)]


@pytest.mark.parametrize(
    ("kind", "raw", "fields"),
    [
        ("phone", "bukan nomor", {"phone": ["Nomor tidak valid."]}),
        ("phone", "0000000000", {"phone": ["Nomor tidak valid."]}),
        ("whatsapp", "08123", {"phone": ["Nomor tidak valid."]}),
        ("email", "budi@", {"email": ["Email tidak valid."]}),
        ("email", "budi contoh.id", {"email": ["Email tidak valid."]}),
        ("fax", "021-555", {"contacts": ["Jenis tidak dikenal."]}),
    ],
)
def test_an_invalid_contact_is_rejected_and_no_customer_is_created(
    kind: str, raw: str, fields: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        customer_create(name="Budi Santoso", contacts=[ContactIn(kind, raw)])

    assert exc.value.fields == fields
    assert not Customer.objects.exists()


def test_a_contact_of_another_customer_is_a_conflict() -> None:
    # given Budi with his number
    budi = customer_create(name="Budi", contacts=[ContactIn("phone", "0812-3456-7890")])

    # when Siti registers the same number written differently
    with pytest.raises(Conflict) as exc:
        customer_create(name="Siti", contacts=[ContactIn("phone", "+62 812 3456 7890")])

    # then she is refused and not created
    assert exc.value.message == (
        f"Kontak +6281234567890 sudah terdaftar pada pelanggan lain (#{budi.pk})."
    )
    assert exc.value.fields == {"contacts": ["+6281234567890 sudah dipakai."]}
    assert list(Customer.objects.values_list("name", flat=True)) == ["Budi"]


def test_an_email_differing_only_in_case_is_the_same_contact() -> None:
    customer_create(name="Budi", contacts=[ContactIn("email", "budi@contoh.id")])

    with pytest.raises(Conflict):
        customer_create(name="Budi Palsu", contacts=[ContactIn("email", "BUDI@contoh.id")])


def test_the_same_contact_twice_in_one_request_is_a_conflict() -> None:
    with pytest.raises(Conflict) as exc:
        customer_create(
            name="Budi",
            contacts=[ContactIn("phone", "0812-3456-7890"), ContactIn("phone", "6281234567890")],
        )

    assert exc.value.message == "Kontak yang sama dicantumkan dua kali."
    assert not Customer.objects.exists()


def test_the_same_number_on_phone_and_whatsapp_is_fine() -> None:
    customer = customer_create(
        name="Budi",
        contacts=[
            ContactIn("phone", "0812-3456-7890", is_primary=True),
            ContactIn("whatsapp", "0812-3456-7890"),
        ],
    )

    assert contacts_of(customer) == [
        ("phone", "+6281234567890", True),
        ("whatsapp", "+6281234567890", False),
    ]


def test_a_customer_needs_a_name() -> None:
    with pytest.raises(ValidationFailed) as exc:
        customer_create(name="   ")

    assert exc.value.fields == {"name": ["Wajib diisi."]}


def test_a_customer_is_found_by_any_spelling_of_a_contact() -> None:
    budi = customer_create(name="Budi", contacts=[ContactIn("whatsapp", "0812-3456-7890")])

    assert customer_find_by_contact("whatsapp", "+62 812-3456-7890") == budi
    assert customer_find_by_contact("phone", "0812-3456-7890") is None


def test_contact_normalize_is_the_rule_used_for_storage() -> None:
    assert contact_normalize("email", " A@B.ID ") == "a@b.id"
    assert contact_normalize("x", "@SigapID") == "sigapid"


# --- updates ----------------------------------------------------------------------------------


def test_an_update_bumps_the_version_and_the_timestamp(time_machine: TimeMachineFixture) -> None:
    customer = customer_create(name="Budi", loyalty_tier="regular")
    created = customer.updated_at
    time_machine.move_to(created + timedelta(hours=1), tick=False)

    updated = customer_update(
        customer=customer, version=1, changes={"loyalty_tier": "gold", "name": "  Budi S.  "}
    )

    assert (updated.loyalty_tier, updated.name, updated.version) == ("gold", "Budi S.", 2)
    assert updated.updated_at > created


def test_a_stale_customer_update_is_refused_and_changes_nothing() -> None:
    customer = customer_create(name="Budi", contacts=[ContactIn("email", "budi@contoh.id")])
    customer_update(customer=customer, version=1, changes={"notes": "Suka membandingkan harga."})

    with pytest.raises(StaleVersion) as exc:
        customer_update(
            customer=customer,
            version=1,
            changes={"notes": "Ditimpa."},
            contacts=[ContactIn("email", "lain@contoh.id")],
        )

    assert exc.value.message == "Data pelanggan sudah diubah orang lain. Muat ulang lalu coba lagi."
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.notes, fresh.version) == ("Suka membandingkan harga.", 2)
    assert contacts_of(fresh) == [("email", "budi@contoh.id", False)]


def test_an_update_replaces_the_contacts() -> None:
    customer = customer_create(
        name="Budi",
        contacts=[ContactIn("email", "budi@contoh.id"), ContactIn("phone", "0812-3456-7890")],
    )

    customer_update(
        customer=customer,
        version=1,
        changes={},
        contacts=[ContactIn("email", "Budi@Contoh.id", is_primary=True)],
    )

    assert contacts_of(customer) == [("email", "budi@contoh.id", True)]


def test_an_update_taking_another_customers_contact_changes_nothing() -> None:
    customer_create(name="Siti", contacts=[ContactIn("email", "siti@contoh.id")])
    budi = customer_create(name="Budi", contacts=[ContactIn("email", "budi@contoh.id")])

    with pytest.raises(Conflict):
        customer_update(
            customer=budi,
            version=1,
            changes={"name": "Budi Baru"},
            contacts=[ContactIn("email", "siti@contoh.id")],
        )

    fresh = Customer.objects.get(pk=budi.pk)
    assert (fresh.name, fresh.version) == ("Budi", 1)
    assert contacts_of(fresh) == [("email", "budi@contoh.id", False)]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"user": None}, {"user": ["Tidak dapat diubah."]}),
        ({"version": 9}, {"version": ["Tidak dapat diubah."]}),
        ({"name": "  "}, {"name": ["Wajib diisi."]}),
    ],
)
def test_an_invalid_customer_update_is_refused(
    changes: dict[str, object], fields: dict[str, list[str]]
) -> None:
    customer = customer_create(name="Budi")

    with pytest.raises(ValidationFailed) as exc:
        customer_update(customer=customer, version=1, changes=changes)

    assert exc.value.fields == fields
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.name, fresh.version) == ("Budi", 1)
    assert CustomerContact.objects.count() == 0
