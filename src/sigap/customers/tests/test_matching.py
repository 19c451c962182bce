"""Finding a customer as staff type them, and what a new record would duplicate."""

from __future__ import annotations

import pytest

from sigap.customers import matching
from sigap.customers.services import ContactIn, customer_create

pytestmark = pytest.mark.django_db


def test_a_number_matches_in_any_format_and_digits_never_match_a_name() -> None:
    budi = customer_create(name="Budi 0812", contacts=[ContactIn("phone", "0812-3456-7890")])
    customer_create(name="Siti", contacts=[ContactIn("email", "siti@contoh.id")])
    for typed in ("0812 3456 7890", "+62 812-3456", "628123456", "(0812) 3456"):
        assert matching.search(typed) == [budi], typed
    assert matching.search("08123") == [budi]
    assert matching.search("0812") == []  # too few digits; and digits never match a name
    assert matching.search("9999 0812") == []


def test_too_short_a_query_finds_nothing() -> None:
    customer_create(name="Budi", contacts=[ContactIn("email", "b@contoh.id")])
    assert matching.search("b") == []


def test_a_taken_contact_is_an_error_and_not_a_similar_record() -> None:
    budi = customer_create(name="Budi", contacts=[ContactIn("email", "budi@contoh.id")])
    check = matching.new_customer_check(name="Budi", phone="", email=" BUDI@contoh.id ")
    assert [m.customer for m in check.taken] == [budi]
    assert check.similar == [] and "email" in check.errors


def test_a_near_contact_with_another_name_is_not_similar() -> None:
    customer_create(name="Budi Santoso", contacts=[ContactIn("phone", "081234567890")])
    other = matching.new_customer_check(name="Wati", phone="081334567890", email="")
    same = matching.new_customer_check(name="Pak Budi  Santoso", phone="081334567890", email="")
    assert other.similar == [] and other.errors == {}
    assert [m.customer.name for m in same.similar] == ["Budi Santoso"]
    assert same.contacts == [ContactIn("phone", "+6281334567890", is_primary=True)]


def test_as_you_type_only_what_is_there_is_checked() -> None:
    assert matching.new_customer_check(name="", phone="", email="", complete=False).errors == {}
    assert set(matching.new_customer_check(name="", phone="", email="").errors) == {"name", "phone"}


def test_contact_pairs_reads_the_contacts_as_the_orm_orders_them() -> None:
    """``selectors.contact_pairs`` and ``customer_with_contacts`` (plain SQL, read on every
    API ticket creation) answer as the ORM does, on either engine: primary first, then by
    kind and id."""
    from sigap.customers.selectors import contact_pairs, customer_with_contacts

    budi = customer_create(
        name="Budi",
        contacts=[
            ContactIn("whatsapp", "6281234567890"),
            ContactIn("email", "budi@contoh.id"),
            ContactIn("phone", "081234567890"),
            ContactIn("email", "budi.kerja@contoh.id"),
        ],
    )
    expected = [(c.kind, c.value) for c in budi.contacts.all()]
    assert contact_pairs(budi.pk) == expected
    assert len(expected) == 4 and contact_pairs(budi.pk + 1000) == []
    with_contacts = customer_with_contacts(budi.pk)  # the customer too, in the same statement
    assert with_contacts is not None
    assert with_contacts[0] == budi and with_contacts[0].name == "Budi"
    assert with_contacts[1] == expected
    assert customer_with_contacts(budi.pk + 1000) is None
