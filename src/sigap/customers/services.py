from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sigap.accounts.models import User
from sigap.core.errors import Conflict, StaleVersion, ValidationFailed
from sigap.core.phone import normalize_phone
from sigap.customers.models import ContactKind, Customer, CustomerContact

PHONE_KINDS = frozenset({ContactKind.PHONE, ContactKind.WHATSAPP})


@dataclass(frozen=True)
class ContactIn:
    kind: str
    value: str
    is_primary: bool = False


def contact_normalize(kind: str, value: str) -> str:
    if kind not in ContactKind.values:
        raise ValidationFailed(
            f"Jenis kontak tidak dikenal: {kind!r}.", fields={"contacts": ["Jenis tidak dikenal."]}
        )
    if kind in PHONE_KINDS:
        return normalize_phone(value)
    if kind == ContactKind.EMAIL:
        email = value.strip().lower()
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                f"Alamat email tidak valid: {value!r}.", fields={"email": ["Email tidak valid."]}
            ) from exc
        return email
    return value.strip().lstrip("@").lower()


def _add_contacts(customer: Customer, contacts: Iterable[ContactIn]) -> None:
    rows = [
        CustomerContact(
            customer=customer,
            kind=c.kind,
            value=contact_normalize(c.kind, c.value),
            is_primary=c.is_primary,
        )
        for c in contacts
    ]
    for row in rows:
        owner = (
            CustomerContact.objects.filter(kind=row.kind, value=row.value)
            .values_list("customer_id", flat=True)
            .first()
        )
        if owner is not None and owner != customer.pk:
            raise Conflict(
                f"Kontak {row.value} sudah terdaftar pada pelanggan lain (#{owner}).",
                fields={"contacts": [f"{row.value} sudah dipakai."]},
            )
    try:
        with transaction.atomic():
            CustomerContact.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise Conflict("Kontak yang sama dicantumkan dua kali.") from exc


@transaction.atomic
def customer_create(
    *,
    name: str,
    kind: str = "external",
    temperament: str = "",
    loyalty_tier: str = "regular",
    notes: str = "",
    contacts: Iterable[ContactIn] = (),
    user: User | None = None,
    time_zone: str = "",
) -> Customer:
    name = name.strip()
    if not name:
        raise ValidationFailed("Nama pelanggan wajib diisi.", fields={"name": ["Wajib diisi."]})
    customer = Customer.objects.create(
        name=name,
        kind=kind,
        temperament=temperament,
        loyalty_tier=loyalty_tier,
        notes=notes,
        user=user,
        time_zone=time_zone,
    )
    _add_contacts(customer, contacts)
    return customer


UPDATABLE_FIELDS = frozenset({"name", "kind", "temperament", "loyalty_tier", "notes", "time_zone"})


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    version: int,
    changes: dict[str, Any],
    contacts: Iterable[ContactIn] | None = None,
) -> Customer:
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            "Kolom tidak dapat diubah.", fields={f: ["Tidak dapat diubah."] for f in unknown}
        )
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise ValidationFailed("Nama pelanggan wajib diisi.", fields={"name": ["Wajib diisi."]})
    # ``update()`` skips ``auto_now``; set it here so the row says when it last changed.
    updated = Customer.objects.filter(pk=customer.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise StaleVersion(
            "Data pelanggan sudah diubah orang lain. Muat ulang lalu coba lagi.",
        )
    if contacts is not None:
        CustomerContact.objects.filter(customer=customer).delete()
        _add_contacts(customer, contacts)
    customer.refresh_from_db()
    return customer


def customer_find_by_contact(kind: str, value: str) -> Customer | None:
    normalized = contact_normalize(kind, value)
    contact = (
        CustomerContact.objects.select_related("customer")
        .filter(kind=kind, value=normalized)
        .first()
    )
    return contact.customer if contact else None
