"""The whole customer over the API: the stream, organizations, the points ledger and
purchases, and vouchers. Staff only (an API token or a staff session)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from sigap.accounts.access import require_staff
from sigap.accounts.http import request_user
from sigap.accounts.models import User
from sigap.core.apiutil import ErrorOut
from sigap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sigap.customers import services as customer_services
from sigap.customers.models import Customer, LoyaltyTier, Organization, OrganizationKind
from sigap.customers.selectors import access_customer
from sigap.relations import loyalty
from sigap.relations.models import PointsEntry, RewardPool
from sigap.relations.stream import customer_stream

router = Router(tags=[gettext_noop("hubungan pelanggan")])


def _staff(request: HttpRequest) -> User:
    user = request_user(request)
    require_staff(user)
    return user


# --- the stream -----------------------------------------------------------------------------


class StreamItemOut(Schema):
    at: datetime
    source: str
    id: int
    kind: str
    ticket_id: int | None
    ticket_reference: str
    title: str
    text: str
    data: dict[str, Any]


class StreamOut(Schema):
    items: list[StreamItemOut]
    next_cursor: str | None


class StreamIn(Schema):
    before: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=30, ge=1, le=100)


@router.get(
    "/customers/{customer_id}/stream",
    response={200: StreamOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary=gettext_noop("Riwayat interaksi pelanggan"),
)
def stream(request: HttpRequest, customer_id: int, q: Query[StreamIn]) -> dict[str, Any]:
    """Everything with this customer, newest first: messages, tickets, calls, surveys,
    proposals, points, vouchers and profile changes; ``next_cursor`` for the older page."""
    user = _staff(request)
    customer = access_customer(user, customer_id)
    page = customer_stream(user, customer.pk, before=q.before, limit=q.limit)
    return {
        "items": [
            {
                "at": i.at,
                "source": i.source,
                "id": i.id,
                "kind": i.kind,
                "ticket_id": i.ticket_id,
                "ticket_reference": i.ticket_reference,
                "title": i.title,
                "text": i.text,
                "data": i.data,
            }
            for i in page.items
        ],
        "next_cursor": page.next_cursor,
    }


# --- personal data (UU PDP) ------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/export",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut},
    summary=gettext_noop("Ekspor data pribadi pelanggan (UU PDP)"),
)
def customer_export(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Everything Sigap holds about the customer as JSON: profile, contacts, profile
    changes, tickets with their messages and proposals, surveys, calls, loyalty points
    and vouchers, consents. Supervisors and admins; recorded in the security audit log."""
    user = _staff(request)
    customer = access_customer(user, customer_id)
    return customer_services.customer_export(user, customer)


class EraseIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class EraseOut(Schema):
    customer_id: int
    erased_at: datetime


@router.post(
    "/customers/{customer_id}/erase",
    response={200: EraseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary=gettext_noop("Hapus data pribadi pelanggan (UU PDP)"),
)
def customer_erase(request: HttpRequest, customer_id: int, payload: EraseIn) -> dict[str, Any]:
    """Erases the customer's personal data (admins only): 409 when it already was."""
    user = _staff(request)
    customer = access_customer(user, customer_id)
    customer = customer_services.customer_erase(user, customer, payload.reason)
    return {"customer_id": customer.pk, "erased_at": customer.erased_at}


# --- organizations --------------------------------------------------------------------------


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: OrganizationKind = OrganizationKind.BUSINESS
    loyalty_tier: LoyaltyTier = LoyaltyTier.REGULAR
    account_owner_id: int | None = None
    shared_visibility: bool = False
    notes: str = ""


class OrganizationPatch(Schema):
    version: int
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganizationKind | None = None
    loyalty_tier: LoyaltyTier | None = None
    account_owner_id: int | None = None
    shared_visibility: bool | None = None
    notes: str | None = None


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    loyalty_tier: str
    account_owner_id: int | None
    shared_visibility: bool
    notes: str
    member_ids: list[int]
    version: int


def _organization_out(o: Organization) -> dict[str, Any]:
    return {
        "id": o.pk,
        "name": o.name,
        "kind": o.kind,
        "loyalty_tier": o.loyalty_tier,
        "account_owner_id": o.account_owner_id,
        "shared_visibility": o.shared_visibility,
        "notes": o.notes,
        "member_ids": list(o.members.order_by("pk").values_list("pk", flat=True)),
        "version": o.version,
    }


def _organization(organization_id: int) -> Organization:
    found = Organization.objects.filter(pk=organization_id).first()
    if found is None:
        raise NotFound(gettext("Organisasi tidak ditemukan."))
    return found


@router.get("/organizations", response={200: list[OrganizationOut], 403: ErrorOut})
def organization_list(request: HttpRequest) -> list[dict[str, Any]]:
    _staff(request)
    return [
        _organization_out(o)
        for o in Organization.objects.prefetch_related("members").order_by("name")[:500]
    ]


@router.post("/organizations", response={201: OrganizationOut, 403: ErrorOut, 409: ErrorOut})
def organization_create(request: HttpRequest, payload: OrganizationIn) -> Status[dict[str, Any]]:
    user = _staff(request)
    organization = customer_services.organization_create(actor=user, **payload.dict())
    return Status(201, _organization_out(organization))


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, 404: ErrorOut, 403: ErrorOut},
)
def organization_detail(request: HttpRequest, organization_id: int) -> dict[str, Any]:
    _staff(request)
    return _organization_out(_organization(organization_id))


@router.patch(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 403: ErrorOut},
)
def organization_update(
    request: HttpRequest, organization_id: int, payload: OrganizationPatch
) -> dict[str, Any]:
    user = _staff(request)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    organization = customer_services.organization_update(
        actor=user, organization=_organization(organization_id), version=version, changes=data
    )
    return _organization_out(organization)


# --- points ---------------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    at: datetime
    kind: str
    points: int
    spend: int
    reason: str
    external_id: str
    expires_at: datetime | None


class PointsOut(Schema):
    customer_id: int
    balance: int
    loyalty_tier: str
    computed_tier: str
    entries: list[EntryOut]


class PointsIn(Schema):
    kind: Literal["manual", "adjustment", "redemption"] = "manual"
    points: int
    reason: str = Field(min_length=1, max_length=300)


def _points_out(customer: Customer) -> dict[str, Any]:
    customer.refresh_from_db()
    entries = PointsEntry.objects.filter(customer_id=customer.pk).order_by("-at", "-pk")[:50]
    return {
        "customer_id": customer.pk,
        "balance": loyalty.balance(customer.pk),
        "loyalty_tier": customer.loyalty_tier,
        "computed_tier": loyalty.computed_tier(customer),
        "entries": [
            {
                "id": e.pk,
                "at": e.at,
                "kind": e.kind,
                "points": e.points,
                "spend": e.spend,
                "reason": e.reason,
                "external_id": e.external_id,
                "expires_at": e.expires_at,
            }
            for e in entries
        ],
    }


@router.get(
    "/customers/{customer_id}/points", response={200: PointsOut, 404: ErrorOut, 403: ErrorOut}
)
def points(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The balance, the tier (and the one the programme computes) and the newest 50
    ledger entries."""
    user = _staff(request)
    return _points_out(access_customer(user, customer_id))


@router.post(
    "/customers/{customer_id}/points",
    response={201: PointsOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 403: ErrorOut},
)
def points_post(
    request: HttpRequest, customer_id: int, payload: PointsIn
) -> Status[dict[str, Any]]:
    """A manual award, a correction or a redemption, with its reason."""
    user = _staff(request)
    customer = access_customer(user, customer_id)
    loyalty.post_points(
        customer=customer,
        kind=payload.kind,
        points=payload.points,
        reason=payload.reason,
        actor=user,
    )
    return Status(201, _points_out(customer))


class PurchaseIn(Schema):
    customer: str = Field(
        min_length=1, max_length=254, description=gettext_noop("number, email or phone")
    )
    transaction_id: str = Field(min_length=1, max_length=100)
    amount: int = Field(gt=0, description=gettext_noop("Rupiah"))
    at: datetime | None = None


class PurchaseOut(Schema):
    entry_id: int
    customer_id: int
    points: int
    created: bool


@router.post(
    "/loyalty/purchases",
    response={
        200: PurchaseOut,
        201: PurchaseOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        403: ErrorOut,
    },
    summary=gettext_noop("Catat pembelian (poin)"),
)
def purchase(request: HttpRequest, payload: PurchaseIn) -> Status[dict[str, Any]]:
    """Posted by the business's systems: 201 the first time, 200 with the same entry when
    the ``transaction_id`` was posted before."""
    user = _staff(request)
    customer = customer_services.customer_by_reference(payload.customer)
    if customer is None:
        raise NotFound(gettext("Pelanggan %(who)s tidak ditemukan.") % {"who": payload.customer})
    entry, created = loyalty.post_purchase(
        customer=customer,
        external_id=payload.transaction_id,
        amount=payload.amount,
        at=payload.at,
        actor=user,
    )
    body = {
        "entry_id": entry.pk,
        "customer_id": entry.customer_id,
        "points": entry.points,
        "created": created,
    }
    return Status(201 if created else 200, body)


class ImportIn(Schema):
    csv: str = Field(min_length=1, max_length=5_000_000)


class ImportErrorOut(Schema):
    line: int
    reason: str


class ImportOut(Schema):
    added: int
    already: int
    errors: list[ImportErrorOut]


@router.post("/loyalty/purchases/import", response={200: ImportOut, 422: ErrorOut, 403: ErrorOut})
def purchase_import(request: HttpRequest, payload: ImportIn) -> dict[str, Any]:
    """Purchases as CSV (``customer,transaction_id,amount[,at]``): the good rows are
    posted, each bad row reported with its line and reason; importing again adds nothing."""
    user = _staff(request)
    report = loyalty.import_purchases(payload.csv, actor=user)
    return {
        "added": report.added,
        "already": report.already,
        "errors": [{"line": line, "reason": reason} for line, reason in report.errors],
    }


# --- vouchers -------------------------------------------------------------------------------


class VoucherIssueIn(Schema):
    pool: str = Field(min_length=1, max_length=120)
    customer_id: int
    reason: Literal["compensation", "birthday", "manual"] = "manual"
    key: str = Field(default="", max_length=64)


class VoucherOut(Schema):
    code: str
    pool: str
    customer_id: int | None
    issued_at: datetime | None
    redeemed_at: datetime | None


@router.post(
    "/loyalty/vouchers/issue",
    response={200: VoucherOut, 201: VoucherOut, 404: ErrorOut, 409: ErrorOut, 403: ErrorOut},
)
def voucher_issue(request: HttpRequest, payload: VoucherIssueIn) -> Status[dict[str, Any]]:
    user = _staff(request)
    pool = RewardPool.objects.filter(name=payload.pool).first()
    if pool is None:
        raise NotFound(
            gettext("Kumpulan voucher %(pool)s tidak ditemukan.") % {"pool": payload.pool}
        )
    customer = access_customer(user, payload.customer_id)
    voucher, created = loyalty.issue_voucher(
        pool=pool, customer=customer, reason=payload.reason, key=payload.key
    )
    return Status(201 if created else 200, _voucher_out(voucher))


@router.post(
    "/loyalty/vouchers/{code}/redeem",
    response={200: VoucherOut, 404: ErrorOut, 409: ErrorOut, 403: ErrorOut},
)
def voucher_redeem(request: HttpRequest, code: str) -> dict[str, Any]:
    _staff(request)
    return _voucher_out(loyalty.redeem(code))


def _voucher_out(v: Any) -> dict[str, Any]:
    return {
        "code": v.code,
        "pool": v.pool.name,
        "customer_id": v.issued_to_id,
        "issued_at": v.issued_at,
        "redeemed_at": v.redeemed_at,
    }


# --- reward pools ---------------------------------------------------------------------------


class PoolOut(Schema):
    id: int
    name: str
    value: int
    description: str
    valid_until: date | None
    free: int
    issued: int
    redeemed: int


class PoolIn(Schema):
    name: str = Field(min_length=1, max_length=120, pattern=r"\S")
    value: int = Field(default=0, ge=0, le=1_000_000_000_000, description=gettext_noop("Rupiah"))
    description: str = Field(default="", max_length=300)
    valid_until: date | None = None


class CodesIn(Schema):
    codes: str = Field(
        default="",
        max_length=5_000_000,
        description=gettext_noop("satu kode per baris (atau kolom 1 CSV)"),
    )
    generate: int = Field(
        default=0, ge=0, le=100_000, description=gettext_noop("buat kode acak sebanyak ini")
    )
    prefix: str = Field(default="", max_length=20, pattern=r"^[A-Za-z0-9-]*$")


class CodesOut(Schema):
    added: int
    already: int
    generated: int
    errors: list[ImportErrorOut]


def _supervisor(request: HttpRequest) -> User:
    user = _staff(request)
    if not user.is_supervisor_or_admin:
        raise PermissionDenied(gettext("Hanya supervisor dan admin yang mengelola voucher."))
    return user


def _pools() -> QuerySet[RewardPool]:
    return RewardPool.objects.annotate(
        free=Count("vouchers", filter=Q(vouchers__issued_to__isnull=True)),
        issued=Count("vouchers", filter=Q(vouchers__issued_to__isnull=False)),
        redeemed=Count("vouchers", filter=Q(vouchers__redeemed_at__isnull=False)),
    ).order_by("name")


def _pool_out(pool: Any) -> dict[str, Any]:
    return {
        "id": pool.pk,
        "name": pool.name,
        "value": pool.value,
        "description": pool.description,
        "valid_until": pool.valid_until,
        "free": pool.free,
        "issued": pool.issued,
        "redeemed": pool.redeemed,
    }


@router.get("/loyalty/pools", response={200: list[PoolOut], 403: ErrorOut})
def pool_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The voucher pools with how many codes are free, issued and redeemed."""
    _staff(request)
    return [_pool_out(p) for p in _pools()[:500]]


@router.post("/loyalty/pools", response={201: PoolOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut})
def pool_create(request: HttpRequest, payload: PoolIn) -> Status[dict[str, Any]]:
    """A new, empty pool (supervisors and admins); its codes with ``/codes``."""
    _supervisor(request)
    name = payload.name.strip()
    try:
        with transaction.atomic():
            pool = RewardPool.objects.create(
                name=name,
                value=payload.value,
                description=payload.description.strip(),
                valid_until=payload.valid_until,
            )
    except IntegrityError:  # the name is unique
        raise Conflict(
            gettext("Kumpulan voucher %(name)s sudah ada.") % {"name": name},
            fields={"name": [gettext("Sudah dipakai.")]},
        ) from None
    return Status(201, _pool_out(_pools().get(pk=pool.pk)))


@router.post(
    "/loyalty/pools/{pool_id}/codes",
    response={200: CodesOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def pool_codes(request: HttpRequest, pool_id: int, payload: CodesIn) -> dict[str, Any]:
    """Add codes to a pool: imported (a code already known, in any pool, is counted in
    ``already`` and not added; a bad one is reported with its line) and/or generated."""
    _supervisor(request)
    pool = RewardPool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(gettext("Kumpulan voucher tidak ditemukan."))
    if not payload.codes.strip() and not payload.generate:
        raise ValidationFailed(
            gettext("Kirim kode atau jumlah kode yang dibuat."),
            fields={"codes": [gettext("Wajib bila generate 0.")]},
        )
    report = loyalty.import_codes(pool, payload.codes) if payload.codes.strip() else None
    generated = (
        loyalty.generate_codes(pool, payload.generate, payload.prefix) if payload.generate else 0
    )
    return {
        "added": report.added if report else 0,
        "already": report.already if report else 0,
        "generated": generated,
        "errors": [
            {"line": line, "reason": reason} for line, reason in (report.errors if report else [])
        ],
    }
