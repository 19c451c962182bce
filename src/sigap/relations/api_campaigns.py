"""Proactive contact over the API: campaigns (drafted from a segment or an incident's
customers, previewed, scheduled, cancelled, with their counts) for supervisors and admins,
as on the campaign pages; and each customer's consent per purpose, for the staff who may
see the customer (as on the customer page)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from sigap.accounts import brands
from sigap.accounts.access import require_staff
from sigap.accounts.http import request_user
from sigap.accounts.models import User
from sigap.connectors.models import WhatsAppTemplate
from sigap.core.apiutil import ErrorOut
from sigap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sigap.customers.models import LoyaltyTier
from sigap.customers.selectors import access_customer
from sigap.relations import campaigns, consent
from sigap.relations.campaigns import Segment
from sigap.relations.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Consent,
    ConsentSource,
    Incident,
    Purpose,
)
from sigap.tickets.models import Channel, Ticket

router = Router(tags=["kontak proaktif"])


def _supervisor(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_active or not user.is_supervisor_or_admin:
        raise PermissionDenied(gettext("Kampanye hanya dapat dikelola supervisor dan admin."))
    return user


def _campaign(campaign_id: int) -> Campaign:
    found = Campaign.objects.filter(pk=campaign_id).first()
    if found is None:
        raise NotFound(gettext("Kampanye tidak ditemukan."))
    return found


# --- schemas ----------------------------------------------------------------------------------


class SegmentIn(Schema):
    tiers: list[LoyaltyTier] = Field(default_factory=list, max_length=4)
    organization_id: int | None = None
    ticket_channel: Channel | Literal[""] = ""
    tag: str = Field(default="", max_length=50)
    contact_after: date | None = Field(
        default=None, description=gettext_noop("tiket dibuka sejak tanggal ini")
    )
    contact_before: date | None = Field(
        default=None, description=gettext_noop("tidak ada tiket sejak ini")
    )
    customer_ids: list[int] = Field(default_factory=list, max_length=100_000)
    regions: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list,
        max_length=50,
        description=gettext_noop("wilayah pelanggan (salah satu)"),
    )
    products: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50, description=gettext_noop("produk salah satu tiketnya")
    )
    incident_id: int | None = Field(
        default=None, description=gettext_noop("pelanggan yang tiketnya tertaut ke insiden ini")
    )
    brand_id: int | None = Field(
        default=None,
        description=gettext_noop(
            "pelanggan yang pernah punya tiket merek ini; kosong dengan templat WhatsApp "
            "sebuah merek: merek templat itu"
        ),
    )


class CampaignIn(Schema):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    purpose: Purpose
    channel: CampaignChannel
    segment: SegmentIn = Field(default_factory=SegmentIn)
    template_id: int | None = Field(
        default=None, description=gettext_noop("WhatsApp: templat disetujui")
    )
    template_params: list[str] = Field(default_factory=list, max_length=20)
    subject: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=10_000)
    send_at: datetime | None = None
    rate_per_minute: int = Field(default=60, ge=1, le=10_000)


class PreviewIn(Schema):
    purpose: Purpose
    channel: CampaignChannel
    segment: SegmentIn = Field(default_factory=SegmentIn)
    template_id: int | None = Field(
        default=None, description=gettext_noop("WhatsApp: templat disetujui")
    )


class CountsOut(Schema):
    total: int
    queued: int
    sent: int
    delivered: int
    read: int
    replied: int
    failed: int
    skipped: int
    uncertain: int


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    purpose: str
    channel: str
    status: str
    segment: dict[str, Any]
    template_id: int | None
    template_params: list[str]
    subject: str
    body: str
    send_at: datetime | None
    rate_per_minute: int
    recipients_total: int
    created_by_id: int | None
    created_at: datetime
    queued_at: datetime | None
    finished_at: datetime | None
    counts: CountsOut | None


class PreviewCustomerOut(Schema):
    id: int
    name: str


class PreviewOut(Schema):
    count: int
    first: list[PreviewCustomerOut]


class CampaignListIn(Schema):
    status: Literal["draft", "queued", "done", "cancelled"] | None = None
    limit: int = Field(default=50, ge=1, le=100)


class ScheduleIn(Schema):
    send_at: datetime | None = Field(default=None, description=gettext_noop("kosong: segera"))


class ConsentOut(Schema):
    purpose: str
    granted: bool | None = Field(
        description=gettext_noop("null: belum pernah dicatat (tidak dihubungi)")
    )
    source: str
    at: datetime | None
    actor_id: int | None


class ConsentIn(Schema):
    granted: bool
    source: Literal["agent", "customer", "import"] = "agent"


# --- helpers ----------------------------------------------------------------------------------


def _segment(data: SegmentIn) -> Segment:
    ids = list(dict.fromkeys(data.customer_ids))
    if data.incident_id is not None:
        if ids:
            raise ValidationFailed(
                gettext("Pilih pelanggan sebuah insiden atau daftar pelanggan, bukan keduanya."),
                fields={"segment.customer_ids": [gettext("Kosongkan bila memakai insiden.")]},
            )
        if not Incident.objects.filter(pk=data.incident_id).exists():
            raise ValidationFailed(
                gettext("Insiden tidak ditemukan."),
                fields={"segment.incident_id": [gettext("Tidak ada.")]},
            )
        ids = sorted(
            set(
                Ticket.objects.filter(incident_link__incident_id=data.incident_id).values_list(
                    "customer_id", flat=True
                )
            )
        )
        if not ids:
            raise ValidationFailed(
                gettext("Insiden ini belum punya tiket tertaut."),
                fields={"segment.incident_id": [gettext("Tanpa pelanggan.")]},
            )
    if data.brand_id is not None and data.brand_id not in {b.id for b in brands.all_brands()}:
        raise ValidationFailed(
            gettext("Merek tidak ditemukan."), fields={"segment.brand_id": [gettext("Tidak ada.")]}
        )
    return Segment(
        tiers=[str(t) for t in data.tiers],
        organization_id=data.organization_id,
        ticket_channel=str(data.ticket_channel),
        tag=data.tag.strip(),
        contact_after=data.contact_after.isoformat() if data.contact_after else "",
        contact_before=data.contact_before.isoformat() if data.contact_before else "",
        customer_ids=ids,
        regions=[r.strip() for r in data.regions if r.strip()],
        products=[p.strip() for p in data.products if p.strip()],
        brand_id=data.brand_id,
    )


def _template(template_id: int | None) -> WhatsAppTemplate | None:
    if template_id is None:
        return None
    found = WhatsAppTemplate.objects.filter(pk=template_id).first()
    if found is None:
        raise ValidationFailed(
            gettext("Templat WhatsApp tidak ditemukan."),
            fields={"template_id": [gettext("Tidak ada.")]},
        )
    return found


def _out(campaign: Campaign, *, counts: bool) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "kind": campaign.kind,
        "purpose": campaign.purpose,
        "channel": campaign.channel,
        "status": campaign.status,
        "segment": campaign.segment,
        "template_id": campaign.template_id,
        "template_params": list(campaign.template_params),
        "subject": campaign.subject,
        "body": campaign.body,
        "send_at": campaign.send_at,
        "rate_per_minute": campaign.rate_per_minute,
        "recipients_total": campaign.recipients_total,
        "created_by_id": campaign.created_by_id,
        "created_at": campaign.created_at,
        "queued_at": campaign.queued_at,
        "finished_at": campaign.finished_at,
        "counts": vars(campaigns.counts_for(campaign)) if counts else None,
    }


def _preview(found: campaigns.Preview) -> dict[str, Any]:
    return {"count": found.count, "first": [{"id": c.pk, "name": c.name} for c in found.first]}


# --- campaigns --------------------------------------------------------------------------------


@router.get("/campaigns", response={200: list[CampaignOut], 403: ErrorOut, 422: ErrorOut})
def campaign_list(request: HttpRequest, q: Query[CampaignListIn]) -> list[dict[str, Any]]:
    """The newest campaigns first (without their counts: read one for them)."""
    _supervisor(request)
    rows = Campaign.objects.order_by("-created_at", "-id")
    if q.status:
        rows = rows.filter(status=q.status)
    return [_out(c, counts=False) for c in rows[: q.limit]]


@router.post("/campaigns", response={201: CampaignOut, 403: ErrorOut, 422: ErrorOut})
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    """A draft (nothing is sent until it is scheduled). ``segment.incident_id``: the
    customers of that incident's tickets."""
    user = _supervisor(request)
    campaign = campaigns.campaign_create(
        actor=user,
        name=payload.name,
        purpose=payload.purpose,
        channel=payload.channel,
        segment=_segment(payload.segment),
        template=_template(payload.template_id),
        template_params=payload.template_params,
        subject=payload.subject,
        body=payload.body,
        send_at=payload.send_at,
        rate_per_minute=payload.rate_per_minute,
    )
    return Status(201, _out(campaign, counts=True))


@router.post("/campaigns/preview", response={200: PreviewOut, 403: ErrorOut, 422: ErrorOut})
def campaign_preview(request: HttpRequest, payload: PreviewIn) -> dict[str, Any]:
    """Who a campaign would reach (with consent for the purpose and an address on the
    channel): how many, and the first 20 by name. Nothing is saved."""
    _supervisor(request)
    found = campaigns.preview(
        _segment(payload.segment),
        purpose=payload.purpose,
        channel=payload.channel,
        template=_template(payload.template_id),
    )
    return _preview(found)


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut})
def campaign_detail(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """One campaign with its counts: queued, sent, delivered, read, replied, failed,
    skipped, uncertain."""
    _supervisor(request)
    return _out(_campaign(campaign_id), counts=True)


@router.get(
    "/campaigns/{campaign_id}/preview",
    response={200: PreviewOut, 403: ErrorOut, 404: ErrorOut},
)
def campaign_recipients_preview(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Who the campaign's segment reaches now (for a draft: who would get it)."""
    _supervisor(request)
    campaign = _campaign(campaign_id)
    found = campaigns.preview(
        Segment.of(campaign.segment), purpose=campaign.purpose, channel=campaign.channel
    )
    return _preview(found)


@router.post(
    "/campaigns/{campaign_id}/schedule",
    response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def campaign_schedule(
    request: HttpRequest, campaign_id: int, payload: ScheduleIn
) -> dict[str, Any]:
    """Queue a draft: its recipients are drawn now, sent from ``send_at`` (or the draft's,
    or now) at its rate. A second call is a 409."""
    _supervisor(request)
    campaign = _campaign(campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(gettext("Kampanye ini sudah diantrekan atau dibatalkan."))
    if payload.send_at is not None:
        campaign.send_at = payload.send_at
    campaigns.campaign_queue(campaign=campaign)
    campaign.refresh_from_db()
    return _out(campaign, counts=True)


@router.post(
    "/campaigns/{campaign_id}/cancel",
    response={200: CampaignOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def campaign_cancel(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Stop a draft or a queued campaign: what is not sent yet is skipped."""
    _supervisor(request)
    campaign = _campaign(campaign_id)
    campaigns.campaign_cancel(campaign=campaign)
    return _out(campaign, counts=True)


# --- consent ----------------------------------------------------------------------------------


def _consents(customer_id: int) -> list[dict[str, Any]]:
    recorded = {c.purpose: c for c in Consent.objects.filter(customer_id=customer_id)}
    out = []
    for purpose in Purpose.values:
        row = recorded.get(purpose)
        out.append(
            {
                "purpose": purpose,
                "granted": row.granted if row else None,
                "source": row.source if row else "",
                "at": row.at if row else None,
                "actor_id": row.actor_id if row else None,
            }
        )
    return out


@router.get(
    "/customers/{customer_id}/consent",
    response={200: list[ConsentOut], 403: ErrorOut, 404: ErrorOut},
)
def consent_list(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    """The customer's word per purpose (``service``, ``marketing``): no row, no contact."""
    user = request_user(request)
    require_staff(user)
    return _consents(access_customer(user, customer_id).pk)


@router.put(
    "/customers/{customer_id}/consent/{purpose}",
    response={200: ConsentOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def consent_put(
    request: HttpRequest, customer_id: int, purpose: Purpose, payload: ConsentIn
) -> dict[str, Any]:
    """Record what the customer agreed to (or withdrew) for one purpose; recorded in the
    customer's audit. Setting the same answer again changes only its source and time."""
    user = request_user(request)
    require_staff(user)
    customer = access_customer(user, customer_id)
    consent.consent_set(
        customer=customer,
        purpose=purpose,
        granted=payload.granted,
        source=ConsentSource(payload.source),
        actor=user,
    )
    [row] = [c for c in _consents(customer.pk) if c["purpose"] == purpose]
    return row
