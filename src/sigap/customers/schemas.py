from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from sigap.core.apiutil import NOT_NULL, null_clears
from sigap.customers.models import (
    ContactKind,
    Customer,
    CustomerKind,
    Language,
    LoyaltyTier,
    Temperament,
)


class ContactSchema(Schema):
    kind: ContactKind
    value: str = Field(min_length=1, max_length=254)
    is_primary: bool = False


CustomerTimeZone = Literal["", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]


class CustomerIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: CustomerKind = CustomerKind.EXTERNAL
    temperament: Temperament = Temperament.UNKNOWN
    loyalty_tier: LoyaltyTier = LoyaltyTier.REGULAR
    notes: str = ""
    time_zone: CustomerTimeZone = ""
    contacts: list[ContactSchema] = Field(default_factory=list, max_length=20)


class CustomerPatch(Schema):
    """Fields left out are not changed; ``null`` clears notes and the time zone and is
    refused (422) for the others (``core.apiutil.NOT_NULL``)."""

    version: int
    name: Annotated[str | None, NOT_NULL] = Field(default=None, min_length=1, max_length=200)
    kind: Annotated[CustomerKind | None, NOT_NULL] = None
    temperament: Annotated[Temperament | None, NOT_NULL] = None
    loyalty_tier: Annotated[LoyaltyTier | None, NOT_NULL] = None
    notes: Annotated[str | None, null_clears("")] = None
    time_zone: Annotated[CustomerTimeZone | None, null_clears("")] = None
    birthday: date | None = None
    preferred_channel: Annotated[ContactKind | Literal[""] | None, null_clears("")] = None
    preferred_language: Annotated[Language | None, null_clears("")] = None
    organization_id: int | None = None
    region: Annotated[str | None, null_clears("")] = Field(default=None, max_length=100)
    contacts: list[ContactSchema] | None = Field(default=None, max_length=20)


class CustomerOut(Schema):
    id: int
    name: str
    kind: str
    temperament: str
    loyalty_tier: str
    notes: str
    time_zone: str
    birthday: date | None
    preferred_channel: str
    preferred_language: str
    organization_id: int | None
    region: str
    contacts: list[ContactSchema]
    version: int
    created_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


def customer_dict(c: Customer, *, include_notes: bool = True) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "temperament": c.temperament if include_notes else "",
        "loyalty_tier": c.loyalty_tier,
        "notes": c.notes if include_notes else "",
        "time_zone": c.time_zone,
        "birthday": c.birthday,
        "preferred_channel": c.preferred_channel,
        "preferred_language": c.preferred_language,
        "organization_id": c.organization_id,
        "region": c.region or "",
        "contacts": [
            {"kind": x.kind, "value": x.value, "is_primary": x.is_primary} for x in c.contacts.all()
        ],
        "version": c.version,
        "created_at": c.created_at,
    }
