"""Incidents over the API: the list, one record with its impact, timeline, tickets and
answers; open, confirm, dismiss, edit, record a step, link and unlink tickets, answer every
linked ticket, resolve (which closes the tickets together). Supervisors and admins, as on
the incident pages (``incidents.require_supervisor``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from sigap.accounts.http import request_user
from sigap.accounts.models import User
from sigap.core.apiutil import ErrorOut
from sigap.core.errors import NotFound, ValidationFailed
from sigap.relations import incidents
from sigap.relations.models import Incident, IncidentTicket, SendStatus
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import Category, Ticket

router = Router(tags=["insiden"])

TICKETS_SHOWN = 500


def _supervisor(request: HttpRequest) -> User:
    user = request_user(request)
    incidents.require_supervisor(user)
    return user


def _incident(incident_id: int) -> Incident:
    found = Incident.objects.filter(pk=incident_id).first()
    if found is None:
        raise NotFound(gettext("Insiden tidak ditemukan."))
    return found


def _ticket(user: User, ticket_id: int) -> Ticket:
    found = visible_tickets(user).filter(pk=ticket_id).first()
    if found is None:
        raise NotFound(gettext("Tiket tidak ditemukan."))
    return found


def _owner(owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id).first()
    if owner is None or not owner.is_active or not owner.is_agent_or_above:
        raise ValidationFailed(
            gettext("Penanggung jawab harus petugas yang aktif."),
            fields={"owner_id": [gettext("Bukan petugas aktif.")]},
        )
    return owner


# --- schemas --------------------------------------------------------------------------------


class ChannelCountOut(Schema):
    channel: str
    tickets: int


class RegionCountOut(Schema):
    region: str = Field(description=gettext_noop('"" : wilayah pelanggan belum dicatat'))
    customers: int


class ImpactOut(Schema):
    tickets: int
    customers: int
    open_tickets: int
    channels: list[ChannelCountOut]
    regions: list[RegionCountOut]


class IncidentOut(Schema):
    id: int
    title: str
    status: str
    category: str
    keywords: list[str]
    label: str
    since: datetime
    detected_count: int
    expected_count: float
    owner_id: int | None
    cause: str
    follow_up: str
    confirmed_at: datetime | None
    resolved_at: datetime | None
    dismissed_at: datetime | None
    tickets_closed_at: datetime | None
    version: int
    tickets: int


class ActionOut(Schema):
    id: int
    at: datetime
    kind: str
    text: str
    actor_id: int | None


class LinkedTicketOut(Schema):
    id: int
    reference: str
    status: str
    channel: str
    customer_id: int
    how: str
    linked_at: datetime


class AnswerOut(Schema):
    id: int
    body: str
    created_at: datetime
    finished_at: datetime | None
    sent: int
    failed: int


class IncidentDetailOut(IncidentOut):
    impact: ImpactOut
    actions: list[ActionOut]
    linked: list[LinkedTicketOut]
    answers: list[AnswerOut]


class IncidentListIn(Schema):
    status: Literal["suggested", "open", "resolved", "dismissed"] | None = None
    limit: int = Field(default=50, ge=1, le=100)


class IncidentIn(Schema):
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    keywords: str = Field(
        default="", max_length=200, description=gettext_noop("kata kunci; kosong: judul")
    )
    category: Category = Category.NONE
    owner_id: int | None = None
    cause: str = Field(default="", max_length=5000)


class IncidentPatch(Schema):
    version: int = Field(
        description=gettext_noop("Wajib: versi yang dibaca (409 bila sudah berubah).")
    )
    title: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"\S")
    owner_id: int | None = None
    cause: str | None = Field(default=None, max_length=5000)
    follow_up: str | None = Field(default=None, max_length=5000)


class ConfirmIn(Schema):
    title: str = Field(default="", max_length=200)
    owner_id: int | None = None


class DismissIn(Schema):
    reason: str = Field(default="", max_length=2000)


class StepIn(Schema):
    text: str = Field(min_length=1, max_length=5000, pattern=r"\S")


class LinkIn(Schema):
    ticket_id: int


class AnswerIn(Schema):
    body: str = Field(
        min_length=1,
        max_length=10_000,
        pattern=r"\S",
        description=gettext_noop("Boleh memakai placeholder templat ({nama_pelanggan} …)"),
    )


class AnswerQueuedOut(Schema):
    answer_id: int
    tickets: int


class ResolveIn(Schema):
    cause: str = Field(
        default="", max_length=5000, description=gettext_noop("wajib bila belum dicatat")
    )


# --- out --------------------------------------------------------------------------------------


def _out(incident: Incident, tickets: int) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "category": incident.category,
        "keywords": list(incident.keywords),
        "label": incident.label,
        "since": incident.since,
        "detected_count": incident.detected_count,
        "expected_count": incident.expected_count,
        "owner_id": incident.owner_id,
        "cause": incident.cause,
        "follow_up": incident.follow_up,
        "confirmed_at": incident.confirmed_at,
        "resolved_at": incident.resolved_at,
        "dismissed_at": incident.dismissed_at,
        "tickets_closed_at": incident.tickets_closed_at,
        "version": incident.version,
        "tickets": tickets,
    }


def _detail(incident: Incident) -> dict[str, Any]:
    incident.refresh_from_db()
    found = incidents.impact(incident)
    links = IncidentTicket.objects.filter(incident=incident)
    channels = (
        links.values_list("ticket__channel")
        .annotate(n=Count("ticket_id"))
        .order_by("-n", "ticket__channel")
    )
    linked = links.select_related("ticket").order_by("-linked_at", "-pk")[:TICKETS_SHOWN]
    answers = incident.answers.annotate(
        sent=Count("sends", filter=Q(sends__status=SendStatus.SENT)),
        failed=Count("sends", filter=Q(sends__status=SendStatus.FAILED)),
    )
    return {
        **_out(incident, found.tickets),
        "impact": {
            "tickets": found.tickets,
            "customers": found.customers,
            "open_tickets": found.open_tickets,
            "channels": [{"channel": c, "tickets": n} for c, n in channels],
            "regions": [{"region": r, "customers": n} for r, n in found.regions],
        },
        "actions": [
            {"id": a.pk, "at": a.at, "kind": a.kind, "text": a.text, "actor_id": a.actor_id}
            for a in incident.actions.order_by("at", "id")
        ],
        "linked": [
            {
                "id": link.ticket_id,
                "reference": link.ticket.reference,
                "status": link.ticket.status,
                "channel": link.ticket.channel,
                "customer_id": link.ticket.customer_id,
                "how": link.how,
                "linked_at": link.linked_at,
            }
            for link in linked
        ],
        "answers": [
            {
                "id": a.pk,
                "body": a.body,
                "created_at": a.created_at,
                "finished_at": a.finished_at,
                "sent": a.sent,
                "failed": a.failed,
            }
            for a in answers.order_by("created_at", "id")
        ],
    }


# --- operations -------------------------------------------------------------------------------


@router.get("/incidents", response={200: list[IncidentOut], 403: ErrorOut, 422: ErrorOut})
def incident_list(request: HttpRequest, q: Query[IncidentListIn]) -> list[dict[str, Any]]:
    """The newest incidents first (suggested, open, resolved, dismissed)."""
    _supervisor(request)
    rows = Incident.objects.annotate(n=Count("links")).order_by("-since", "-id")
    if q.status:
        rows = rows.filter(status=q.status)
    return [_out(i, i.n) for i in rows[: q.limit]]


@router.post("/incidents", response={201: IncidentDetailOut, 403: ErrorOut, 422: ErrorOut})
def incident_open(request: HttpRequest, payload: IncidentIn) -> Status[dict[str, Any]]:
    """Open an incident by hand (new tickets with its keywords are linked while it is open)."""
    user = _supervisor(request)
    incident = incidents.incident_open(
        actor=user,
        title=payload.title,
        keywords=payload.keywords,
        category=payload.category,
        owner=_owner(payload.owner_id),
        cause=payload.cause,
    )
    return Status(201, _detail(incident))


@router.get(
    "/incidents/{incident_id}",
    response={200: IncidentDetailOut, 403: ErrorOut, 404: ErrorOut},
)
def incident_detail(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    """One incident: impact (tickets, customers, channels), its timeline, the newest 500
    linked tickets and its answers with how many were sent or failed."""
    _supervisor(request)
    return _detail(_incident(incident_id))


@router.patch(
    "/incidents/{incident_id}",
    response={200: IncidentDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def incident_update(
    request: HttpRequest, incident_id: int, payload: IncidentPatch
) -> dict[str, Any]:
    """Title, owner, cause, follow-up (only the fields sent); ``version`` as read."""
    user = _supervisor(request)
    incident = _incident(incident_id)
    sent = payload.dict(exclude_unset=True)
    owner = _owner(payload.owner_id) if "owner_id" in sent else incident.owner
    incident = incidents.incident_update(
        actor=user,
        incident=incident,
        version=payload.version,
        title=payload.title if payload.title is not None else incident.title,
        owner=owner,
        cause=payload.cause if payload.cause is not None else incident.cause,
        follow_up=payload.follow_up if payload.follow_up is not None else incident.follow_up,
    )
    return _detail(incident)


@router.post(
    "/incidents/{incident_id}/confirm",
    response={200: IncidentDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def incident_confirm(request: HttpRequest, incident_id: int, payload: ConfirmIn) -> dict[str, Any]:
    """A suggested incident is real: open, with an owner (the caller by default)."""
    user = _supervisor(request)
    incident = incidents.incident_confirm(
        actor=user,
        incident=_incident(incident_id),
        title=payload.title,
        owner=_owner(payload.owner_id),
    )
    return _detail(incident)


@router.post(
    "/incidents/{incident_id}/dismiss",
    response={200: IncidentDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def incident_dismiss(request: HttpRequest, incident_id: int, payload: DismissIn) -> dict[str, Any]:
    """Not an incident: its tickets are free again; the detector keeps quiet about it."""
    user = _supervisor(request)
    incident = incidents.incident_dismiss(
        actor=user, incident=_incident(incident_id), reason=payload.reason
    )
    return _detail(incident)


@router.post(
    "/incidents/{incident_id}/steps",
    response={201: ActionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def incident_step(
    request: HttpRequest, incident_id: int, payload: StepIn
) -> Status[dict[str, Any]]:
    """A step taken, with its time (the report's "langkah yang diambil")."""
    user = _supervisor(request)
    action = incidents.incident_step(actor=user, incident=_incident(incident_id), text=payload.text)
    body = {
        "id": action.pk,
        "at": action.at,
        "kind": action.kind,
        "text": action.text,
        "actor_id": action.actor_id,
    }
    return Status(201, body)


@router.post(
    "/incidents/{incident_id}/tickets",
    response={200: IncidentDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def incident_link(request: HttpRequest, incident_id: int, payload: LinkIn) -> dict[str, Any]:
    """Link a ticket (one incident per ticket; linking it again changes nothing)."""
    user = _supervisor(request)
    incident = _incident(incident_id)
    incidents.incident_link(actor=user, incident=incident, ticket=_ticket(user, payload.ticket_id))
    return _detail(incident)


@router.delete(
    "/incidents/{incident_id}/tickets/{ticket_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
)
def incident_unlink(request: HttpRequest, incident_id: int, ticket_id: int) -> Status[None]:
    user = _supervisor(request)
    incidents.incident_unlink(
        actor=user, incident=_incident(incident_id), ticket=_ticket(user, ticket_id)
    )
    return Status(204, None)


@router.post(
    "/incidents/{incident_id}/answers",
    response={202: AnswerQueuedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def incident_answer(
    request: HttpRequest, incident_id: int, payload: AnswerIn
) -> Status[dict[str, Any]]:
    """One message to every ticket linked now, each on its own channel and in each
    customer's name; sent by the worker (each ticket once, also after a crash)."""
    user = _supervisor(request)
    incident = _incident(incident_id)
    answer = incidents.incident_answer(actor=user, incident=incident, body=payload.body)
    return Status(202, {"answer_id": answer.pk, "tickets": incident.links.count()})


@router.post(
    "/incidents/{incident_id}/resolve",
    response={200: IncidentDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def incident_resolve(request: HttpRequest, incident_id: int, payload: ResolveIn) -> dict[str, Any]:
    """The incident is over (its cause recorded): its open tickets are closed together
    after the commit, and each customer is asked for a rating."""
    user = _supervisor(request)
    incident = incidents.incident_resolve(
        actor=user, incident=_incident(incident_id), cause=payload.cause
    )
    return _detail(incident)
