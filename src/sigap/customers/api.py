from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from sigap.accounts.access import require_staff
from sigap.accounts.http import request_user
from sigap.accounts.models import User
from sigap.core.apiutil import ErrorOut
from sigap.core.errors import NotFound
from sigap.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from sigap.customers import selectors, services
from sigap.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    customer_dict,
)

router = Router(tags=[gettext_noop("pelanggan")])


class CustomerFilterIn(Schema):
    q: str = Field(default="", max_length=200)
    cursor: str | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _out(user: User, customer_id: int) -> dict[str, Any]:
    customer = selectors.access_customer(user, customer_id)
    return customer_dict(customer, include_notes=user.is_agent_or_above)


@router.get(
    "", response={200: CustomerPage, 403: ErrorOut}, summary=gettext_noop("Daftar pelanggan")
)
def customer_list(request: HttpRequest, filters: Query[CustomerFilterIn]) -> dict[str, Any]:
    user = request_user(request)
    require_staff(user)
    rows, next_cursor = page(
        selectors.customers_for(user=user, q=filters.q), cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [customer_dict(c) for c in rows], "next_cursor": next_cursor}


@router.post("", response={201: CustomerOut}, summary=gettext_noop("Tambah pelanggan"))
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    require_staff(user)
    data = payload.dict()
    contacts = [services.ContactIn(**c) for c in data.pop("contacts")]
    customer = services.customer_create(contacts=contacts, **data)
    return Status(201, _out(user, customer.pk))


@router.get(
    "/me", response={200: CustomerOut, 404: ErrorOut}, summary=gettext_noop("Profil pelanggan saya")
)
def customer_me(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    customer = getattr(user, "customer", None) if user.is_customer else None
    if customer is None:
        raise NotFound(gettext("Akun ini tidak terhubung dengan data pelanggan."))
    return _out(user, customer.pk)


@router.get("/{customer_id}", response=CustomerOut, summary=gettext_noop("Detail pelanggan"))
def customer_detail(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return _out(request_user(request), customer_id)


@router.patch("/{customer_id}", response=CustomerOut, summary=gettext_noop("Ubah pelanggan"))
def customer_update(
    request: HttpRequest, customer_id: int, payload: CustomerPatch
) -> dict[str, Any]:
    user = request_user(request)
    customer = selectors.access_customer(user, customer_id)
    require_staff(user)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    raw_contacts = data.pop("contacts", None)
    contacts = None if raw_contacts is None else [services.ContactIn(**c) for c in raw_contacts]
    services.customer_update(
        customer=customer, version=version, changes=data, contacts=contacts, actor=user
    )
    return _out(user, customer_id)
