"""Ticket endpoints. Each one: authorise through ``access``, call one service or selector,
serialise. Domain errors become HTTP in ``sigap.api``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext, gettext_noop
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from sigap.accounts import brands
from sigap.accounts.access import require_staff
from sigap.accounts.http import request_user
from sigap.accounts.idempotency import in_own_transaction
from sigap.accounts.models import Team, User
from sigap.core.apiutil import ErrorOut, field_errors, json_response, unstorable_fields
from sigap.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from sigap.core.jsonbody import parse_json
from sigap.core.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    decode_cursor,
    encode_cursor,
    page,
    page_segments,
)
from sigap.customers.selectors import contact_pairs, customer_with_contacts
from sigap.tickets import approval, mentions, selectors, services
from sigap.tickets.access import access_ticket, may_see, visible_tickets
from sigap.tickets.attachments import Upload, check_request
from sigap.tickets.models import (
    CUSTOMER_VISIBLE_PROPOSAL_STATUSES,
    Attachment,
    Message,
    MessageKind,
    Proposal,
    Ticket,
)
from sigap.tickets.schemas import (
    STAFF_INPUT_FIELDS,
    ApologyIn,
    ApologyOut,
    ApprovalOut,
    CloseIn,
    ConfirmationOut,
    ConfirmIn,
    CustomerTicketIn,
    DecisionIn,
    EventOut,
    FulfilIn,
    LinkIn,
    LinkOut,
    MergeIn,
    MessageCreatedOut,
    MessageIn,
    MessageOut,
    ProposalIn,
    ProposalOut,
    ReasonIn,
    RecordIn,
    SplitIn,
    TicketIn,
    TicketOut,
    TicketOutAny,
    TicketPageAny,
    TicketPatch,
    TransitionIn,
    approval_dict,
    customer_ticket_dict,
    customer_ticket_list_dict,
    event_dict,
    link_dict,
    message_dict,
    proposal_dict,
    status_labels,
    ticket_dict,
    ticket_list_dict,
)

router = Router(tags=[gettext_noop("tiket")])
QUEUE_LIMIT = 100

# Schemas the OpenAPI document names although no operation parses them (``sigap.api``).
DOCUMENTED_SCHEMAS = [CustomerTicketIn]


def _ticket_out(
    user: User,
    ticket: Ticket,
    *,
    tags: list[str] | None = None,
    contacts: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The ticket as ``user`` may see it: a customer gets ``CustomerTicketOut``."""
    if user.is_customer:
        return customer_ticket_dict(ticket, contacts=contacts)
    return ticket_dict(ticket, tags=tags, contacts=contacts)


def _detail(user: User, ticket_id: int) -> dict[str, Any]:
    found = selectors.ticket_read(user=user, ticket_id=ticket_id)
    return _ticket_out(user, found.ticket, tags=found.tags, contacts=found.contacts)


def _refuse_staff_fields(fields: list[str], message: str) -> None:
    if fields:
        raise ValidationFailed(message, fields={f: [gettext("Hanya untuk staf.")] for f in fields})


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationFailed(
            gettext("Tim tidak ditemukan."), fields={"team_id": [gettext("Tidak ditemukan.")]}
        )
    return team


def _brand(slug: str) -> int | None:
    if not slug:
        return None
    found = brands.by_slug(slug)
    if found is None:
        raise ValidationFailed(
            gettext("Merek tidak ditemukan."), fields={"brand": [gettext("Tidak ditemukan.")]}
        )
    return found.id


def _staff_user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise ValidationFailed(
            gettext("Penanggung jawab tidak ditemukan."),
            fields={"assignee_id": [gettext("Tidak ditemukan.")]},
        )
    return found


# Filters a customer may not use: each would tell the value of a field they do not see.
STAFF_FILTERS = ("category", "severity", "priority", "team", "assignee", "unassigned", "tag")

# The documented request body of ``POST /tickets``: either shape (both parse as ``TicketIn``;
# a customer's token is refused the staff fields in the endpoint).
_TICKET_IN_DOC = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/TicketIn"},
                        {"$ref": "#/components/schemas/CustomerTicketIn"},
                    ],
                    "title": "TicketIn | CustomerTicketIn",
                    "description": gettext_noop("Staf: TicketIn. Pelanggan: CustomerTicketIn."),
                }
            }
        },
        "required": True,
    }
}


# A row id the databases can hold (a larger one is a 422, not an overflow in the driver).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TicketFilterIn(Schema):
    status: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    brand: list[str] = Field(default_factory=list, description=gettext_noop("Kode merek."))
    category: list[str] = Field(default_factory=list)
    severity: list[str] = Field(default_factory=list)
    priority: list[Annotated[int, Field(ge=1, le=4)]] = Field(default_factory=list)
    kind: list[str] = Field(default_factory=list)
    team: list[RowId] = Field(default_factory=list)
    assignee: list[RowId] = Field(default_factory=list)
    unassigned: bool = False
    customer: RowId | None = None
    tag: list[str] = Field(default_factory=list)
    q: str = Field(default="", max_length=200)
    cursor: str | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get(
    "/tickets",
    response=TicketPageAny,
    summary=gettext_noop("Daftar tiket"),
    description=gettext_noop(
        "Token staf mendapat `TicketPage`, token pelanggan `CustomerTicketPage`; "
        "pelanggan tidak boleh menyaring menurut kolom staf (422). `q` mencari nomor tiket "
        "(`SGP-000305`, `#305`, `305`), pelanggan menurut telepon (format apa pun), email, atau "
        "nama (staf), dan teks tiket; urutan hasil: tiket bernomor itu, tiket pelanggan itu, "
        "lalu hasil teks."
    ),
)
def ticket_list(request: HttpRequest, filters: Query[TicketFilterIn]) -> HttpResponse:
    user = request_user(request)
    data = filters.dict()
    if user.is_customer:
        used = [name for name in STAFF_FILTERS if data[name]]
        _refuse_staff_fields(
            used,
            gettext("Pelanggan tidak dapat menyaring menurut %(fields)s.")
            % {"fields": ", ".join(used)},
        )
    cursor, limit = data.pop("cursor"), data.pop("limit")
    wanted = selectors.TicketFilters(**data)
    if selectors.page_by_statement(wanted):
        # The common case, as one statement of a fixed shape with the tags in its rows.
        found = selectors.ticket_page(
            user=user,
            filters=wanted,
            before=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
        )
        next_cursor = encode_cursor(found[limit - 1][0].pk) if len(found) > limit else None
        tagged = found[:limit]
    else:
        if wanted.q.strip():
            # The ticket with that number first, then the customer's tickets (staff: found
            # by phone, email or name), then the full-text hits (ticket_search_for).
            search = selectors.ticket_search_for(user=user, filters=wanted, tags=False)
            rows, next_cursor = page_segments(search.segments, cursor=cursor, limit=limit)
        else:
            qs = selectors.ticket_list_for(user=user, filters=wanted, tags=False)
            rows, next_cursor = page(qs, cursor=cursor, limit=limit)
        names = {} if user.is_customer else selectors.tag_names([t.pk for t in rows])
        tagged = [(t, names.get(t.pk, [])) for t in rows]
    labels = status_labels()
    if user.is_customer:
        items = [customer_ticket_list_dict(t, labels=labels) for t, _ in tagged]
    else:
        items = [ticket_list_dict(t, tags=tags or [], labels=labels) for t, tags in tagged]
    # Sent as built: the dicts hold exactly the page schema's fields (``schemas``).
    return json_response({"items": items, "next_cursor": next_cursor})


@router.post(
    "/tickets",
    response={201: TicketOutAny, 404: ErrorOut},
    summary=gettext_noop("Buat tiket"),
    description=gettext_noop(
        "Staf mengirim `TicketIn` dan mendapat `TicketOut`. Pelanggan mengirim "
        "`CustomerTicketIn` dan mendapat `CustomerTicketOut`; kolom staf dari pelanggan ditolak "
        "(422, `fields` menyebut kolomnya)."
    ),
    openapi_extra=_TICKET_IN_DOC,
)
def ticket_create(request: HttpRequest, payload: TicketIn) -> HttpResponse:
    user = request_user(request)
    if user.is_customer:
        sent = [name for name in STAFF_INPUT_FIELDS if name in payload.model_fields_set]
        _refuse_staff_fields(
            sent,
            gettext("Kolom ini hanya dapat diisi staf: %(fields)s.") % {"fields": ", ".join(sent)},
        )
        customer = getattr(user, "customer", None)
        if customer is None or customer.pk != payload.customer_id:
            raise NotFound(gettext("Pelanggan tidak ditemukan."))
        contacts = contact_pairs(customer.pk)
    else:
        found = customer_with_contacts(payload.customer_id)  # one statement for both
        if found is None:
            raise ValidationFailed(
                gettext("Pelanggan tidak ditemukan."),
                fields={"customer_id": [gettext("Tidak ditemukan.")]},
            )
        customer, contacts = found
    # In the idempotency key's own transaction no savepoint is needed: a failure rolls
    # the whole request back (the key too).
    with transaction.atomic(savepoint=not in_own_transaction(request)):
        ticket = services.ticket_create_within(
            actor=user,
            customer=customer,
            kind=payload.kind,
            channel=payload.channel,
            subject=payload.subject,
            description=payload.description,
            category=payload.category,
            severity=payload.severity,
            priority=payload.priority,
            team=_team(payload.team_id),
            assignee=_staff_user(payload.assignee_id),
            tags=payload.tags,
            complainer_type=payload.complainer_type,
            complainer_goal=payload.complainer_goal,
            response_type=payload.response_type,
            root_cause=payload.root_cause,
            brand_id=_brand(payload.brand),
            product=payload.product,
        )
    # The creator reads back the ticket just written, from memory (the detail's queries
    # would only repeat it), under the same visibility rule as any read.
    if not may_see(user, ticket):
        raise NotFound(gettext("Tiket tidak ditemukan."))
    tags = services.tags_as_created(ticket)
    return json_response(_ticket_out(user, ticket, tags=tags, contacts=contacts), status=201)


@router.get(
    "/tickets/{ticket_id}",
    response=TicketOutAny,
    summary=gettext_noop("Detail tiket"),
    description=gettext_noop(
        "Token staf mendapat `TicketOut`, token pelanggan `CustomerTicketOut`."
    ),
)
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return json_response(_detail(request_user(request), ticket_id))


@router.patch(
    "/tickets/{ticket_id}",
    response=TicketOut,
    summary=gettext_noop("Ubah tiket"),
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": "If-Match",
                "required": False,
                "schema": {"type": "string"},
                "description": gettext_noop(
                    "Versi tiket yang Anda ubah, bila `version` tidak dikirim."
                ),
            }
        ]
    },
)
def ticket_update(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> dict[str, Any]:
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    version = payload.version
    if version is None:
        if_match = request.headers.get("If-Match", "").strip('"W/ ')
        if not if_match.isdigit():
            raise ValidationFailed(
                gettext(
                    "Sertakan versi tiket yang Anda ubah (kolom 'version' atau header If-Match)."
                ),
                fields={"version": [gettext("Wajib diisi.")]},
            )
        version = int(if_match)
    sent = payload.dict(exclude_unset=True)
    sent.pop("version", None)
    reason = sent.pop("reason", "")
    changes: dict[str, Any] = {}
    for key, value in sent.items():
        if key == "team_id":
            changes["team"] = _team(value)
        elif key == "assignee_id":
            changes["assignee"] = _staff_user(value)
        else:
            changes[key] = value
    services.ticket_update(
        actor=user, ticket=ticket, version=version, changes=changes, reason=reason
    )
    return _detail(user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/transition", response=TicketOut, summary=gettext_noop("Ubah status")
)
def ticket_transition(request: HttpRequest, ticket_id: int, payload: TransitionIn) -> Any:
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    services.ticket_transition(actor=user, ticket=ticket, to=payload.to, reason=payload.reason)
    return _detail(user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/record", response=TicketOut, summary=gettext_noop("Catat fakta (Catat)")
)
def ticket_record(request: HttpRequest, ticket_id: int, payload: RecordIn) -> Any:
    user = request_user(request)
    services.ticket_record(actor=user, ticket=access_ticket(user, ticket_id), facts=payload.facts)
    return _detail(user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/confirm",
    response={201: ConfirmationOut},
    summary=gettext_noop("Konfirmasi"),
)
def ticket_confirm(request: HttpRequest, ticket_id: int, payload: ConfirmIn) -> Any:
    user = request_user(request)
    confirmation = services.ticket_confirm(
        actor=user,
        ticket=access_ticket(user, ticket_id),
        restatement=payload.restatement,
        customer_confirmed=payload.customer_confirmed,
        customer_response=payload.customer_response,
    )
    return Status(201, confirmation)


@router.post(
    "/tickets/{ticket_id}/apology", response={201: ApologyOut}, summary=gettext_noop("Maaf (5R)")
)
def ticket_apology(request: HttpRequest, ticket_id: int, payload: ApologyIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    send = data.pop("send")
    apology = services.apology_create(
        actor=user, ticket=access_ticket(user, ticket_id), parts=data, send=send
    )
    return Status(201, apology)


@router.post("/tickets/{ticket_id}/resolve", response=TicketOut, summary=gettext_noop("Selesaikan"))
def ticket_resolve(request: HttpRequest, ticket_id: int, payload: ReasonIn) -> Any:
    user = request_user(request)
    services.ticket_resolve(
        actor=user, ticket=access_ticket(user, ticket_id), reason=payload.reason
    )
    return _detail(user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/close", response=TicketOut, summary=gettext_noop("Tutup (terima kasih)")
)
def ticket_close(request: HttpRequest, ticket_id: int, payload: CloseIn) -> Any:
    user = request_user(request)
    services.ticket_close(
        actor=user,
        ticket=access_ticket(user, ticket_id),
        thanks=payload.thanks,
        reason=payload.reason,
    )
    return _detail(user, ticket_id)


@router.post(
    "/tickets/{ticket_id}/reopen", response=TicketOut, summary=gettext_noop("Buka kembali")
)
def ticket_reopen(request: HttpRequest, ticket_id: int, payload: ReasonIn) -> Any:
    user = request_user(request)
    services.ticket_reopen(actor=user, ticket=access_ticket(user, ticket_id), reason=payload.reason)
    return _detail(user, ticket_id)


# --- messages and attachments ------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/messages", response=list[MessageOut], summary=gettext_noop("Pesan")
)
def message_list(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    return [message_dict(m) for m in selectors.messages_for(user=user, ticket=ticket)]


def _check_request_size(request: HttpRequest) -> None:
    """Refuse an obviously oversized upload before reading it."""
    limit = int(settings.SIGAP_MAX_MESSAGE_ATTACHMENTS_BYTES)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit + 1_048_576:
        raise PayloadTooLarge(
            gettext(
                "Permintaan %(size).1f MB terlalu besar; batas lampiran %(limit).0f MB per pesan."
            )
            % {"size": length / 1_048_576, "limit": limit / 1_048_576}
        )


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: MessageCreatedOut},
    summary=gettext_noop("Kirim pesan, balasan atau catatan (JSON atau multipart dengan lampiran)"),
    description=gettext_noop(
        "Sebutan `@nama_pengguna` dalam catatan internal (`kind=note`) memberi tahu "
        "staf yang dapat melihat tiket; yang tidak memberi tahu siapa pun dikembalikan di "
        "`warnings` (catatan tetap tersimpan)."
    ),
)
def message_create(
    request: HttpRequest,
    ticket_id: int,
    files: list[UploadedFile] = File(None),  # type: ignore[type-arg]  # noqa: B008 - ninja marker
) -> Status[dict[str, Any]]:
    _check_request_size(request)
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    if (request.content_type or "").startswith("multipart/"):
        payload = _validate_message(
            {"kind": request.POST.get("kind") or None, "body": request.POST.get("body", "")}
        )
    else:
        payload = _json_message(request)
    check_request([(f.name or "lampiran", f.size or 0) for f in (files or [])])
    uploads = [Upload(f.name or "lampiran", f.read()) for f in (files or [])]
    kind = payload.kind or (MessageKind.INBOUND if user.is_customer else MessageKind.REPLY)
    message = services.message_add(
        actor=user, ticket=ticket, kind=kind, body=payload.body, uploads=uploads
    )
    message = selectors.messages_for(user=user, ticket=ticket).get(pk=message.pk)
    told_nobody = (
        mentions.warnings(mentions.find(ticket, message.body))
        if kind == MessageKind.NOTE and "@" in message.body
        else []
    )
    return Status(201, {**message_dict(message), "warnings": [asdict(w) for w in told_nobody]})


def _json_message(request: HttpRequest) -> MessageIn:
    return _validate_message(parse_json(request.body or b"{}"))  # InvalidJson: a 400


def _validate_message(raw: Any) -> MessageIn:
    from pydantic import ValidationError as PydanticError

    unstorable = unstorable_fields(raw)
    if unstorable:
        raise ValidationFailed(gettext("Data yang dikirim tidak valid."), fields=unstorable)
    try:
        return MessageIn.model_validate(raw)
    except PydanticError as exc:
        fields = field_errors(exc.errors())  # type: ignore[arg-type]
        raise ValidationFailed(gettext("Data yang dikirim tidak valid."), fields=fields) from exc


@router.get(
    "/attachments/{attachment_id}", summary=gettext_noop("Unduh lampiran"), response={200: None}
)
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    user = request_user(request)
    qs = Attachment.objects.select_related("message").filter(
        pk=attachment_id, ticket__in=visible_tickets(user)
    )
    if user.is_customer:
        qs = qs.exclude(message__kind=MessageKind.NOTE)
    attachment = qs.first()
    if attachment is None:
        raise NotFound(gettext("Lampiran tidak ditemukan."))
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- proposals ------------------------------------------------------------------------------


def _proposal(user: User, proposal_id: int) -> Proposal:
    qs = Proposal.objects.select_related("ticket").filter(
        pk=proposal_id, ticket__in=visible_tickets(user)
    )
    if user.is_customer:
        qs = qs.filter(status__in=CUSTOMER_VISIBLE_PROPOSAL_STATUSES)
    proposal = qs.first()
    if proposal is None:
        raise NotFound(gettext("Usulan tidak ditemukan."))
    return proposal


def _proposal_out(user: User, proposal: Proposal) -> dict[str, Any]:
    fresh = selectors.proposals_for(user=user, ticket=proposal.ticket).get(pk=proposal.pk)
    return proposal_dict(fresh, staff=not user.is_customer)


@router.get(
    "/tickets/{ticket_id}/proposals", response=list[ProposalOut], summary=gettext_noop("Usulan")
)
def proposal_list(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    staff = not user.is_customer
    return [
        proposal_dict(p, staff=staff) for p in selectors.proposals_for(user=user, ticket=ticket)
    ]


class ApprovalsQuery(Schema):
    status: Literal["pending_approval", "changes_requested"] = "pending_approval"


@router.get(
    "/approvals",
    response={200: list[ApprovalOut], 403: ErrorOut},
    summary=gettext_noop("Usulan yang menunggu keputusan saya"),
    description=gettext_noop(
        "Hanya usulan yang boleh diputuskan pemanggil: supervisor untuk tim yang dipimpinnya "
        "(dan tiket tanpa tim), admin untuk semua. Paling lama lebih dulu, paling banyak 100."
    ),  # (QUEUE_LIMIT)
)
def approvals_queue(request: HttpRequest, q: Query[ApprovalsQuery]) -> list[dict[str, Any]]:
    user = request_user(request)
    require_staff(user)
    queue = approval.review_queue(user, q.status).select_related(
        "approved_by", "compensation_recorded_by"
    )
    return [approval_dict(p) for p in queue[:QUEUE_LIMIT]]


@router.get(
    "/approvals/unfulfilled",
    response={200: list[ProposalOut], 403: ErrorOut},
    summary=gettext_noop("Kompensasi yang belum diberikan"),
)
def approvals_unfulfilled(request: HttpRequest) -> list[dict[str, Any]]:
    user = request_user(request)
    require_staff(user)
    rows = approval.unfulfilled(user).select_related(
        "approved_by", "reviewed_by", "compensation_recorded_by"
    )
    return [proposal_dict(p) for p in rows[:QUEUE_LIMIT]]


@router.post(
    "/tickets/{ticket_id}/proposals",
    response={201: ProposalOut},
    summary=gettext_noop("Buat usulan solusi"),
)
def proposal_create(request: HttpRequest, ticket_id: int, payload: ProposalIn) -> Any:
    user = request_user(request)
    require_staff(user)
    proposal = services.proposal_create(
        actor=user,
        ticket=access_ticket(user, ticket_id),
        summary=payload.summary,
        compensation_type=payload.compensation_type,
        compensation_amount=payload.compensation_amount,
    )
    return Status(201, _proposal_out(user, proposal))


@router.post(
    "/proposals/{proposal_id}/approve", response=ProposalOut, summary=gettext_noop("Setujui")
)
def proposal_approve(
    request: HttpRequest, proposal_id: int, payload: DecisionIn | None = None
) -> dict[str, Any]:
    user = request_user(request)
    proposal = services.proposal_approve(
        actor=user, proposal=_proposal(user, proposal_id), note=payload.note if payload else ""
    )
    return _proposal_out(user, proposal)


@router.post(
    "/proposals/{proposal_id}/decline",
    response=ProposalOut,
    summary=gettext_noop("Tolak (supervisor)"),
    description=gettext_noop("Supervisor menolak usulan yang menunggu persetujuan; catatan wajib."),
)
def proposal_decline(request: HttpRequest, proposal_id: int, payload: DecisionIn) -> Any:
    user = request_user(request)
    proposal = services.proposal_decline(
        actor=user, proposal=_proposal(user, proposal_id), note=payload.note
    )
    return _proposal_out(user, proposal)


@router.post(
    "/proposals/{proposal_id}/request-changes",
    response=ProposalOut,
    summary=gettext_noop("Minta perubahan"),
    description=gettext_noop("Supervisor mengembalikan usulan ke agen dengan catatan (wajib)."),
)
def proposal_request_changes(request: HttpRequest, proposal_id: int, payload: DecisionIn) -> Any:
    user = request_user(request)
    proposal = services.proposal_request_changes(
        actor=user, proposal=_proposal(user, proposal_id), note=payload.note
    )
    return _proposal_out(user, proposal)


@router.post(
    "/proposals/{proposal_id}/resubmit",
    response=ProposalOut,
    summary=gettext_noop("Ajukan ulang"),
    description=gettext_noop(
        "Agen mengubah usulan yang dikembalikan supervisor dan mengajukannya lagi."
    ),
)
def proposal_resubmit(request: HttpRequest, proposal_id: int, payload: ProposalIn) -> Any:
    user = request_user(request)
    proposal = services.proposal_resubmit(
        actor=user,
        proposal=_proposal(user, proposal_id),
        summary=payload.summary,
        compensation_type=payload.compensation_type,
        compensation_amount=payload.compensation_amount,
    )
    return _proposal_out(user, proposal)


@router.post(
    "/proposals/{proposal_id}/fulfil",
    response=ProposalOut,
    summary=gettext_noop("Catat pemberian kompensasi"),
    description=gettext_noop(
        "Setelah pelanggan menerima usulan: kompensasi diberikan (kode voucher atau "
        "nomor referensi pengembalian dana) atau belum dapat diberikan (catatan wajib)."
    ),
)
def proposal_fulfil(request: HttpRequest, proposal_id: int, payload: FulfilIn) -> Any:
    user = request_user(request)
    proposal = services.proposal_fulfil(
        actor=user,
        proposal=_proposal(user, proposal_id),
        given=payload.given,
        reference=payload.reference,
        note=payload.note,
    )
    return _proposal_out(user, proposal)


@router.post(
    "/proposals/{proposal_id}/accept", response=ProposalOut, summary=gettext_noop("Terima")
)
def proposal_accept(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    user = request_user(request)
    proposal = services.proposal_accept(actor=user, proposal=_proposal(user, proposal_id))
    return _proposal_out(user, proposal)


@router.post("/proposals/{proposal_id}/reject", response=ProposalOut, summary=gettext_noop("Tolak"))
def proposal_reject(request: HttpRequest, proposal_id: int, payload: ReasonIn) -> Any:
    user = request_user(request)
    proposal = services.proposal_reject(
        actor=user, proposal=_proposal(user, proposal_id), reason=payload.reason
    )
    return _proposal_out(user, proposal)


@router.post(
    "/proposals/{proposal_id}/withdraw", response=ProposalOut, summary=gettext_noop("Tarik")
)
def proposal_withdraw(request: HttpRequest, proposal_id: int, payload: ReasonIn) -> Any:
    user = request_user(request)
    proposal = services.proposal_withdraw(
        actor=user, proposal=_proposal(user, proposal_id), reason=payload.reason
    )
    return _proposal_out(user, proposal)


# --- timeline ---------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/timeline", response=list[EventOut], summary=gettext_noop("Kronologi")
)
def timeline(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    return [event_dict(e) for e in selectors.timeline_for(user=user, ticket=ticket)]


# --- merge, split and links ----------------------------------------------------------------


@router.post(
    "/tickets/{ticket_id}/merge",
    response=TicketOut,
    summary=gettext_noop(
        "Gabungkan ke tiket lain pelanggan yang sama (tiket ini ditutup dan menunjuk ke sana)"
    ),
)
def ticket_merge(request: HttpRequest, ticket_id: int, payload: MergeIn) -> Any:
    user = request_user(request)
    source = access_ticket(user, ticket_id)
    target = access_ticket(user, payload.into_id)
    kept = services.ticket_merge(actor=user, source=source, target=target, notice=payload.notice)
    return _detail(user, kept.pk)


@router.post(
    "/tickets/{ticket_id}/split",
    response={201: TicketOut},
    summary=gettext_noop("Pisahkan satu pesan pelanggan menjadi tiket baru"),
)
def ticket_split(request: HttpRequest, ticket_id: int, payload: SplitIn) -> Any:
    user = request_user(request)
    ticket = access_ticket(user, ticket_id)
    message = Message.objects.filter(pk=payload.message_id, ticket_id=ticket.pk).first()
    if message is None:
        raise NotFound(gettext("Pesan tidak ditemukan."))
    new = services.ticket_split(actor=user, ticket=ticket, message=message, subject=payload.subject)
    return Status(201, _detail(user, new.pk))


@router.get(
    "/tickets/{ticket_id}/links",
    response={200: list[LinkOut], 403: ErrorOut},
    summary=gettext_noop("Tiket terkait (staf)"),
)
def link_list(request: HttpRequest, ticket_id: int) -> list[dict[str, Any]]:
    user = request_user(request)
    require_staff(user)
    ticket = access_ticket(user, ticket_id)
    return [link_dict(link) for link in selectors.links_for(user=user, ticket=ticket)]


@router.post(
    "/tickets/{ticket_id}/links",
    response={201: list[LinkOut]},
    summary=gettext_noop("Tautkan tiket terkait"),
)
def link_create(request: HttpRequest, ticket_id: int, payload: LinkIn) -> Any:
    user = request_user(request)
    require_staff(user)
    ticket = access_ticket(user, ticket_id)
    other = access_ticket(user, payload.ticket_id)
    services.ticket_link(actor=user, ticket=ticket, other=other)
    links = selectors.links_for(user=user, ticket=ticket)
    return Status(201, [link_dict(link) for link in links])


@router.delete(
    "/tickets/{ticket_id}/links/{other_id}",
    response={204: None},
    summary=gettext_noop("Lepas tautan"),
)
def link_delete(request: HttpRequest, ticket_id: int, other_id: int) -> Any:
    user = request_user(request)
    require_staff(user)
    ticket = access_ticket(user, ticket_id)
    other = access_ticket(user, other_id)
    services.ticket_unlink(actor=user, ticket=ticket, other=other)
    return Status(204, None)
