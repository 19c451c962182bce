"""Suggested merges: the rules for "probably the same person"."""

from __future__ import annotations

import pytest

from sigap.customers.duplicates import (
    SAME_EMAIL,
    SAME_NAME,
    SAME_PHONE,
    duplicate_suggestions,
    normalize_name,
)
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.services import ContactIn, customer_create

pytestmark = pytest.mark.django_db


def _customer(name: str, *contacts: tuple[str, str]) -> Customer:
    return customer_create(name=name, contacts=[ContactIn(k, v) for k, v in contacts])


def _pairs() -> dict[tuple[int, int], list[str]]:
    return {(s.keep.pk, s.merge.pk): s.reasons for s in duplicate_suggestions()}


def test_names_ignore_case_accents_spacing_and_honorifics() -> None:
    assert normalize_name("  Bapak  BUDI Santoso ") == "budi santoso"
    assert normalize_name("Kak Budi Santosó.") == "budi santoso"


def test_the_same_phone_in_different_formats_and_kinds() -> None:
    a = _customer("Budi", ("phone", "0812-3456-7890"))
    b = _customer("Pak B", ("whatsapp", "+62 812 3456 7890"))
    c = _customer("Lain", ("email", "lain@contoh.id"))
    CustomerContact.objects.create(customer=c, kind="phone", value="62 812-3456-7890")  # raw
    assert _pairs() == {
        (a.pk, b.pk): [SAME_PHONE],
        (a.pk, c.pk): [SAME_PHONE],
        (b.pk, c.pk): [SAME_PHONE],
    }


def test_the_same_email_case_insensitively() -> None:
    a = _customer("Siti", ("email", "siti@contoh.id"))
    b = _customer("S. Rahma")
    CustomerContact.objects.create(customer=b, kind="email", value="Siti@Contoh.ID")
    assert _pairs() == {(a.pk, b.pk): [SAME_EMAIL]}


def test_the_same_name_with_an_overlapping_partial_contact() -> None:
    a = _customer("Bapak Budi Santoso", ("email", "budisantoso@gmail.com"))
    b = _customer("budi santoso", ("instagram", "@BudiSantoso"))
    c = _customer("Budi Santoso", ("phone", "0857-0000-1111"))  # nothing in common
    d = _customer("Dewi Lestari", ("x", "budisantoso"))  # same handle, another name
    assert _pairs() == {(a.pk, b.pk): [SAME_NAME]}
    assert c.pk and d.pk


def test_merged_records_are_not_suggested(supervisor: object) -> None:
    a = _customer("Budi", ("phone", "0812-3456-7890"))
    b = _customer("Budi", ("whatsapp", "0812-3456-7890"))
    Customer.objects.filter(pk=b.pk).update(merged_into=a)
    assert _pairs() == {}
