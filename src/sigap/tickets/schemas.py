"""API shapes for tickets, messages, proposals and the timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_noop
from ninja import Schema
from pydantic import Field

from sigap.accounts import brands
from sigap.core.apiutil import NOT_NULL, null_clears
from sigap.core.locale import per_language
from sigap.core.money import format_rupiah
from sigap.core.refs import ticket_reference
from sigap.tickets.models import (
    Attachment,
    Category,
    Channel,
    CompensationType,
    ComplainerGoal,
    ComplainerType,
    Kind,
    Message,
    MessageKind,
    Proposal,
    ProposalStatus,
    ResponseType,
    RootCause,
    Severity,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.transitions import procedure_steps


class Ref(Schema):
    id: int
    name: str


class TicketPointerOut(Schema):
    """Tiket lain yang ditunjuk (nomor dan id)."""

    id: int
    reference: str


class TicketIn(Schema):
    """Tiket baru, untuk staf: semua kolom boleh diisi. Pelanggan memakai
    ``CustomerTicketIn``."""

    customer_id: int
    kind: Kind = Kind.COMPLAINT
    channel: Channel = Channel.PORTAL
    subject: str = Field(min_length=1, max_length=255)
    description: str = Field(min_length=1, max_length=50_000)
    category: Category = Category.NONE
    severity: Severity = Severity.NONE
    priority: int | None = Field(default=None, ge=1, le=4)
    team_id: int | None = None
    assignee_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    complainer_type: ComplainerType = ComplainerType.NONE
    complainer_goal: ComplainerGoal = ComplainerGoal.NONE
    response_type: ResponseType = ResponseType.NONE
    root_cause: RootCause = RootCause.NONE
    brand: str = Field(
        "", max_length=50, description=gettext_noop("Kode merek; kosong: merek bawaan.")
    )
    product: str = Field(
        "",
        max_length=100,
        description=gettext_noop("Produk yang dikeluhkan, sebagaimana bisnis menamainya."),
    )


# What only staff may set when opening a ticket: a customer who sends one gets a 422
# naming it (the channel of a customer's ticket is always the portal).
STAFF_INPUT_FIELDS = (
    "channel",
    "brand",
    "category",
    "severity",
    "priority",
    "team_id",
    "assignee_id",
    "tags",
    "complainer_type",
    "complainer_goal",
    "response_type",
    "root_cause",
    "product",
)


class CustomerTicketIn(Schema):
    """Tiket baru, untuk pelanggan (token pelanggan): hanya kolom ini. Kolom staf lain
    (kanal, kategori, tingkat, prioritas, tim, penanggung jawab, label, penilaian
    pelapor, akar masalah, produk) ditolak dengan 422 yang menyebut kolomnya."""

    customer_id: int
    kind: Kind = Kind.COMPLAINT
    subject: str = Field(min_length=1, max_length=255)
    description: str = Field(min_length=1, max_length=50_000)


class TicketPatch(Schema):
    """Fields left out are not changed. ``null`` clears what may be empty (the
    assessments, the tags, the team, the assignee) and is refused (422) for the subject and
    the priority (``core.apiutil.NOT_NULL``)."""

    version: int | None = Field(
        default=None,
        description=gettext_noop(
            "Wajib: versi tiket yang Anda ubah (dari `version`), atau kirim header "
            "If-Match berisi versi itu. Tanpa keduanya: 422; versi usang: 409."
        ),
    )
    subject: Annotated[str | None, NOT_NULL] = Field(default=None, min_length=1, max_length=255)
    category: Annotated[Category | None, null_clears(Category.NONE)] = None
    severity: Annotated[Severity | None, null_clears(Severity.NONE)] = None
    priority: Annotated[int | None, NOT_NULL] = Field(default=None, ge=1, le=4)
    complainer_type: Annotated[ComplainerType | None, null_clears(ComplainerType.NONE)] = None
    complainer_goal: Annotated[ComplainerGoal | None, null_clears(ComplainerGoal.NONE)] = None
    response_type: Annotated[ResponseType | None, null_clears(ResponseType.NONE)] = None
    root_cause: Annotated[RootCause | None, null_clears(RootCause.NONE)] = None
    product: Annotated[str | None, null_clears("")] = Field(default=None, max_length=100)
    team_id: int | None = None
    assignee_id: int | None = None
    tags: Annotated[list[str] | None, null_clears([])] = Field(default=None, max_length=20)
    reason: str = ""


class TransitionIn(Schema):
    to: Status
    reason: str = ""


class RecordIn(Schema):
    facts: str = Field(min_length=1)


class ConfirmIn(Schema):
    restatement: str = Field(min_length=1)
    customer_confirmed: bool
    customer_response: str = ""


class ApologyIn(Schema):
    recognition: str
    responsibility: str
    remorse: str
    restitution: str
    repetition: str
    send: bool = True


class ReasonIn(Schema):
    reason: str = ""


class CloseIn(Schema):
    thanks: str = ""
    reason: str = ""


class MessageIn(Schema):
    # Default: "inbound" for a customer, "reply" for staff.
    kind: MessageKind | None = None
    body: str = Field(default="", max_length=100_000)


class ProposalIn(Schema):
    summary: str = Field(min_length=1)
    compensation_type: CompensationType = CompensationType.NONE
    compensation_amount: int = Field(default=0, ge=0)


class StepOut(Schema):
    key: str
    label: str
    done: bool


class TicketListOut(Schema):
    """Tiket di daftar, untuk staf."""

    id: int
    reference: str
    kind: str
    channel: str
    brand: str = Field(
        description=gettext_noop("Kode merek tiket (balasan keluar atas nama merek ini).")
    )
    subject: str
    status: str
    status_label: str
    category: str
    severity: str
    priority: int
    customer: Ref
    team: Ref | None
    assignee: Ref | None
    tags: list[str]
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class ContactOut(Schema):
    kind: str
    value: str


class TicketCustomerOut(Schema):
    id: int
    name: str
    kind: str
    loyalty_tier: str
    contacts: list[ContactOut]


class TicketOut(TicketListOut):
    """Tiket, untuk staf: dengan fakta, penilaian pelapor, akar masalah, label, tim dan
    penanggung jawab."""

    description: str
    facts: str
    complainer_type: str
    complainer_goal: str
    response_type: str
    root_cause: str
    product: str
    resolution_reason: str
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    steps: list[StepOut]
    customer_detail: TicketCustomerOut
    merged_into: TicketPointerOut | None = Field(
        None, description=gettext_noop("Tiket ini digabung ke tiket itu (tiket ini ditutup).")
    )


class TicketPage(Schema):
    """Satu halaman daftar tiket, untuk staf."""

    items: list[TicketListOut]
    next_cursor: str | None


class CustomerTicketListOut(Schema):
    """Tiket di daftar, untuk pelanggan (token pelanggan): tanpa penilaian staf
    (kategori, tingkat, prioritas), label, tim dan penanggung jawab."""

    id: int
    reference: str
    kind: str
    channel: str
    brand: str = Field(
        description=gettext_noop("Kode merek tiket (balasan keluar atas nama merek ini).")
    )
    subject: str
    status: str
    status_label: str
    customer: Ref
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class CustomerTicketOut(CustomerTicketListOut):
    """Tiket, untuk pelanggan (token pelanggan): yang juga ditampilkan portal, tanpa fakta,
    penilaian pelapor, jenis respons, akar masalah, kategori, tingkat, prioritas, label,
    tim dan penanggung jawab."""

    description: str
    resolution_reason: str
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    steps: list[StepOut]
    customer_detail: TicketCustomerOut
    merged_into: TicketPointerOut | None = Field(
        None, description=gettext_noop("Tiket ini digabung ke tiket itu (tiket ini ditutup).")
    )


class CustomerTicketPage(Schema):
    """Satu halaman daftar tiket, untuk pelanggan (token pelanggan)."""

    items: list[CustomerTicketListOut]
    next_cursor: str | None


# A customer's token gets the customer's shape, staff the full one. Staff first: a union
# picks the first member that fits, and a customer's dict never fits the staff shape.
TicketOutAny = TicketOut | CustomerTicketOut
TicketPageAny = TicketPage | CustomerTicketPage


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    kind: str
    channel: str
    author: Ref | None
    sender_address: str  # who wrote an inbound message, as the channel named them ("" if none)
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class MentionWarningOut(Schema):
    code: Literal["mention_not_visible", "mention_unknown"] = Field(
        description=gettext_noop(
            "`mention_not_visible`: staf yang disebut tidak dapat melihat tiket ini; "
            "`mention_unknown`: tidak ada staf aktif dengan nama pengguna itu."
        )
    )
    usernames: list[str] = Field(
        description=gettext_noop("Nama pengguna yang disebut tetapi tidak diberi tahu.")
    )
    message: str = Field(
        description=gettext_noop("Peringatan untuk penulis catatan, dalam bahasa aktif.")
    )


class MessageCreatedOut(MessageOut):
    warnings: list[MentionWarningOut] = Field(
        default_factory=list,
        description=gettext_noop(
            "Sebutan @nama pada catatan internal yang tidak memberi tahu siapa pun "
            "(staf yang tidak dapat melihat tiket, atau nama yang tidak dikenal). Catatan tetap "
            "tersimpan; staf lain yang disebut tetap diberi tahu. Kosong untuk pesan lain."
        ),
    )


class ProposalOut(Schema):
    id: int
    ticket_id: int
    summary: str
    compensation_type: str
    compensation_amount: int
    compensation_amount_display: str
    status: str
    status_label: str
    requires_approval: bool
    alternative_to_id: int | None
    approved_by: Ref | None
    approved_at: datetime | None
    answered_at: datetime | None
    rejection_reason: str
    created_at: datetime
    # for the staff only (empty or null for a customer)
    approval_reason: str = Field(
        description=gettext_noop("Mengapa usulan butuh persetujuan supervisor.")
    )
    review_note: str = Field(description=gettext_noop("Catatan keputusan supervisor terakhir."))
    reviewed_by: Ref | None
    reviewed_at: datetime | None
    fulfilment: str = Field(
        description=gettext_noop(
            "Pemberian kompensasi: none (tanpa kompensasi / belum diterima), "
            "pending (belum dicatat), given (diberikan), not_given (belum dapat diberikan)."
        )
    )
    compensation_reference: str
    compensation_note: str
    compensation_recorded_by: Ref | None
    compensation_recorded_at: datetime | None


class ApprovalCaseOut(Schema):
    """What a supervisor decides on: the ticket, its facts, the customer and their history."""

    reference: str
    subject: str
    description: str
    facts: str
    severity: str
    category: str
    team: Ref | None
    customer: Ref
    loyalty_tier: str
    previous_tickets: int = Field(description=gettext_noop("Tiket lain pelanggan ini."))
    past_compensation_count: int = Field(
        description=gettext_noop("Kompensasi yang diterima pelanggan pada tiket lain.")
    )
    past_compensation_total: int


class ApprovalOut(ProposalOut):
    """An entry of the approvals queue: the proposal and its case."""

    case: ApprovalCaseOut
    proposed_by: Ref | None


class DecisionIn(Schema):
    note: str = ""


class FulfilIn(Schema):
    given: bool
    reference: str = Field(default="", max_length=120)
    note: str = ""


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    actor: Ref | None
    field: str
    old_value: Any
    new_value: Any
    data: dict[str, Any]
    public: bool
    created_at: datetime


class ConfirmationOut(Schema):
    id: int
    restatement: str
    customer_confirmed: bool
    customer_response: str
    created_at: datetime


class ApologyOut(Schema):
    id: int
    recognition: str
    responsibility: str
    remorse: str
    restitution: str
    repetition: str
    message_id: int | None
    created_at: datetime


def _ref(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    name = obj.display_name if hasattr(obj, "display_name") else obj.name
    return {"id": obj.pk, "name": name}


# a ticket's status label in the reader's language, made text once per language (a page
# of 25 tickets turned 25 lazy labels into text, ~0.1 ms)
status_labels = per_language(lambda: {str(k): str(v) for k, v in Status.choices})


def _utc(value: datetime | None) -> datetime | None:
    """Times leave the API in UTC, whether read from the database or just computed in the
    business's time zone (a ticket created by this request)."""
    return value.astimezone(UTC) if value is not None else None


def customer_ticket_list_dict(t: Ticket, *, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """``CustomerTicketListOut``: what a customer may see of a ticket in a list.

    The ticket dicts here hold exactly their schema's fields in its order: the API sends
    them as they are (``core.apiutil.json_response``), byte for byte what validating them
    through the schema would send (``tests/test_api_json_output.py``)."""
    return {
        "id": t.pk,
        "reference": t.reference,
        "kind": t.kind,
        "channel": t.channel,
        "brand": brands.info(t.brand_id).slug,
        "subject": t.subject,
        "status": t.status,
        "status_label": (labels or status_labels())[t.status],
        "customer": _ref(t.customer),
        "first_response_due_at": _utc(t.first_response_due_at),
        "resolution_due_at": _utc(t.resolution_due_at),
        "created_at": _utc(t.created_at),
        "updated_at": _utc(t.updated_at),
        "version": t.version,
    }


def customer_ticket_dict(
    t: Ticket, *, contacts: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """``CustomerTicketOut``: what a customer may see of their ticket."""
    data = customer_ticket_list_dict(t)
    data["description"] = t.description
    data.update(_detail_common(t, contacts))
    return data


def ticket_list_dict(
    t: Ticket, *, tags: list[str] | None = None, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """``TicketOut`` of a list (``TicketListOut``): the customer's view plus the staff's
    fields. ``labels``: ``status_labels()``, asked once for a page of them (the active
    language is a context-local read)."""
    return {
        "id": t.pk,
        "reference": t.reference,
        "kind": t.kind,
        "channel": t.channel,
        "brand": brands.info(t.brand_id).slug,
        "subject": t.subject,
        "status": t.status,
        "status_label": (labels or status_labels())[t.status],
        "category": t.category,
        "severity": t.severity,
        "priority": t.priority,
        "customer": _ref(t.customer),
        "team": _ref(t.team),
        "assignee": _ref(t.assignee),
        "tags": sorted(tag.name for tag in t.tags.all()) if tags is None else sorted(tags),
        "first_response_due_at": _utc(t.first_response_due_at),
        "resolution_due_at": _utc(t.resolution_due_at),
        "created_at": _utc(t.created_at),
        "updated_at": _utc(t.updated_at),
        "version": t.version,
    }


def ticket_dict(
    t: Ticket,
    *,
    tags: list[str] | None = None,
    contacts: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``tags`` and ``contacts`` (kind, value) when the caller has them already."""
    data = ticket_list_dict(t, tags=tags)
    data.update(
        description=t.description,
        facts=t.facts,
        complainer_type=t.complainer_type,
        complainer_goal=t.complainer_goal,
        response_type=t.response_type,
        root_cause=t.root_cause,
        product=t.product or "",
    )
    data.update(_detail_common(t, contacts))
    return data


def steps_list(status: str) -> list[dict[str, Any]]:
    """``StepOut`` of each step of the procedure."""
    return [{"key": s.key, "label": s.label, "done": s.done} for s in procedure_steps(status)]


def merged_into_ref(merged_into_id: int | None) -> dict[str, Any] | None:
    if not merged_into_id:
        return None
    return {"id": merged_into_id, "reference": ticket_reference(merged_into_id)}


def _detail_common(t: Ticket, contacts: list[tuple[str, str]] | None) -> dict[str, Any]:
    if contacts is None:
        contacts = [(c.kind, c.value) for c in t.customer.contacts.all()]
    return {
        "resolution_reason": t.resolution_reason,
        "first_responded_at": _utc(t.first_responded_at),
        "resolved_at": _utc(t.resolved_at),
        "closed_at": _utc(t.closed_at),
        "steps": steps_list(t.status),
        "customer_detail": {
            "id": t.customer.pk,
            "name": t.customer.name,
            "kind": t.customer.kind,
            "loyalty_tier": t.customer.loyalty_tier,
            "contacts": [{"kind": kind, "value": value} for kind, value in contacts],
        },
        "merged_into": merged_into_ref(t.merged_into_id),
    }


def attachment_dict(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "url": f"/api/v1/attachments/{a.pk}",
    }


def message_dict(m: Message) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "channel": m.channel,
        "author": _ref(m.author),
        "sender_address": m.sender_address,
        "body": m.body,
        "created_at": m.created_at,
        "attachments": [attachment_dict(a) for a in m.attachments.all()],
    }


def proposal_dict(p: Proposal, *, staff: bool = True) -> dict[str, Any]:
    return {
        "id": p.pk,
        "ticket_id": p.ticket_id,
        "summary": p.summary,
        "compensation_type": p.compensation_type,
        "compensation_amount": p.compensation_amount,
        "compensation_amount_display": format_rupiah(p.compensation_amount),
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "requires_approval": p.requires_approval,
        "alternative_to_id": p.alternative_to_id,
        "approved_by": _ref(p.approved_by),
        "approved_at": p.approved_at,
        "answered_at": p.answered_at,
        "rejection_reason": p.rejection_reason,
        "created_at": p.created_at,
        "fulfilment": fulfilment_state(p),
        "compensation_reference": p.compensation_reference,
    } | (_proposal_staff_fields(p) if staff else _PROPOSAL_STAFF_BLANK)


def approval_dict(p: Proposal) -> dict[str, Any]:
    """A proposal of ``approval.review_queue`` (its annotations) with its case."""
    t = p.ticket
    return proposal_dict(p) | {
        "proposed_by": _ref(p.created_by),
        "case": {
            "reference": t.reference,
            "subject": t.subject,
            "description": t.description,
            "facts": t.facts,
            "severity": t.severity,
            "category": t.category,
            "team": _ref(t.team),
            "customer": _ref(t.customer),
            "loyalty_tier": t.customer.loyalty_tier,
            "previous_tickets": getattr(p, "previous_tickets", 0),
            "past_compensation_count": getattr(p, "past_compensation_count", 0),
            "past_compensation_total": getattr(p, "past_compensation_total", 0),
        },
    }


def fulfilment_state(p: Proposal) -> str:
    if p.status != ProposalStatus.ACCEPTED or p.compensation_type == CompensationType.NONE:
        return "none"
    if p.compensation_given is None:
        return "pending"
    return "given" if p.compensation_given else "not_given"


_PROPOSAL_STAFF_BLANK: dict[str, Any] = {
    "approval_reason": "",
    "review_note": "",
    "reviewed_by": None,
    "reviewed_at": None,
    "compensation_note": "",
    "compensation_recorded_by": None,
    "compensation_recorded_at": None,
}


def _proposal_staff_fields(p: Proposal) -> dict[str, Any]:
    return {
        "approval_reason": p.approval_reason,
        "review_note": p.review_note,
        "reviewed_by": _ref(p.reviewed_by),
        "reviewed_at": p.reviewed_at,
        "compensation_note": p.compensation_note,
        "compensation_recorded_by": _ref(p.compensation_recorded_by),
        "compensation_recorded_at": p.compensation_recorded_at,
    }


def event_dict(e: TimelineEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "kind_label": str(e.get_kind_display()),
        "actor": _ref(e.actor),
        "field": e.field,
        "old_value": e.old_value,
        "new_value": e.new_value,
        "data": e.data,
        "public": e.public,
        "created_at": e.created_at,
    }


# --- merge, split, links (``services/links.py``) ------------------------------------------


class MergeIn(Schema):
    """Gabungkan tiket ini ke tiket lain milik pelanggan yang sama."""

    into_id: int = Field(description=gettext_noop("Tiket yang dipertahankan."))
    notice: str = Field(
        "",
        max_length=5000,
        description=gettext_noop("Pemberitahuan ke pelanggan; kosong: teks baku."),
    )


class SplitIn(Schema):
    """Pisahkan satu pesan pelanggan menjadi tiket baru."""

    message_id: int
    subject: str = Field(max_length=255)


class LinkIn(Schema):
    """Tautkan tiket ini ke tiket lain ("terkait")."""

    ticket_id: int


class LinkOut(Schema):
    kind: str = Field(description=gettext_noop("related, split, atau merged"))
    label: str
    ticket: TicketPointerOut
    subject: str
    status: str


def link_dict(link: Any) -> dict[str, Any]:
    other = link.other
    return {
        "kind": link.kind,
        "label": link.label,
        "ticket": {"id": other.pk, "reference": other.reference},
        "subject": other.subject,
        "status": other.status,
    }
