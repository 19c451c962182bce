"""Every write to a call: the agent's timer (start, finish) and the PBX's events.

A finished call is written to its ticket's timeline as a ``call_logged`` event whose
``data["handle_seconds"]`` is the talk time (AHT counts it, see ``docs/metrics.md``).
The event is written once per call; if a late PBX event changes the talk time, or the
agent wraps up a call the PBX already ended, another ``call_logged`` event for the same
``data["call_id"]`` follows, and the latest one per call is the one that counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from sigap.accounts.access import require_staff
from sigap.accounts.models import Team, User
from sigap.connectors.phone.models import AgentExtension, Call, Direction, Outcome
from sigap.core.errors import Conflict, PermissionDenied, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.customers.models import ContactKind, Customer
from sigap.customers.services import ContactIn, customer_create, customer_find_by_contact
from sigap.tickets import events
from sigap.tickets import services as ticket_services
from sigap.tickets.models import OPEN_STATUSES, Channel, EventKind, Kind, Ticket

ATTACH_WINDOW = timedelta(hours=24)  # a new call joins the caller's open phone ticket


def _talk_seconds(call: Call) -> int:
    if call.ended_at is None or call.answered_at is None:
        return 0
    return max(0, int((call.ended_at - call.answered_at).total_seconds()))


def _log(call: Call, actor: User | None) -> None:
    """Write the call to its ticket's timeline, unless the same figures already are."""
    if call.ticket is None or call.ended_at is None:
        return
    handle = call.duration if call.outcome != Outcome.NO_ANSWER else 0
    first = call.logged_seconds is None
    data: dict[str, object] = {
        "call_id": call.pk,
        "direction": call.direction,
        "outcome": call.outcome,
        "duration_seconds": call.duration,
    }
    if handle:
        data["handle_seconds"] = handle
    if call.notes:
        data["notes"] = call.notes
    if call.transferred_to_team_id:
        data["transferred_to_team_id"] = call.transferred_to_team_id
    if not first:
        data["amends"] = True
    events.sla_event(  # the generic internal-event writer (public=False)
        call.ticket,
        EventKind.CALL_LOGGED,
        data=data,
        actor=actor or call.agent,
        at=call.ended_at if first else timezone.now(),
    )
    call.logged_seconds = handle
    call.save(update_fields=["logged_seconds"])


# --- the agent's timer ----------------------------------------------------------------------


@transaction.atomic
def call_start(
    *, actor: User, customer: Customer, ticket: Ticket | None = None, direction: str
) -> Call:
    """The agent presses "Mulai": the server's clock starts the call."""
    require_staff(actor)
    if direction not in Direction.values:
        raise ValidationFailed(
            gettext("Arah panggilan tidak dikenal."),
            fields={"direction": [gettext("Pilih masuk atau keluar.")]},
        )
    if ticket is not None and ticket.customer_id != customer.pk:
        raise ValidationFailed(gettext("Tiket ini milik pelanggan lain."))
    if customer.merged_into_id is not None:
        raise Conflict(gettext("Pelanggan ini sudah digabung ke pelanggan lain."))
    open_call = Call.objects.filter(agent=actor, ended_at__isnull=True, external_id="").first()
    if open_call is not None:
        raise Conflict(
            gettext(
                "Anda masih dalam panggilan #%(call)s. Selesaikan dulu sebelum memulai yang baru."
            )
            % {"call": open_call.pk}
        )
    now = timezone.now()
    return Call.objects.create(
        ticket=ticket,
        customer=customer,
        agent=actor,
        direction=direction,
        started_at=now,
        answered_at=now,  # the agent is on the line from the moment they press start
    )


@transaction.atomic
def call_finish(
    *,
    actor: User,
    call: Call,
    outcome: str,
    notes: str = "",
    team: Team | None = None,
    reason: str = "",
) -> Call:
    """The agent presses "Selesai": the server's clock ends the call (unless the PBX
    already did); the outcome and notes are recorded, a transfer moves the ticket."""
    require_staff(actor)
    call = Call.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=call.pk)
    if call.agent_id not in (None, actor.pk) and not actor.is_supervisor_or_admin:
        raise PermissionDenied(gettext("Panggilan ini dicatat oleh agen lain."))
    if outcome not in Outcome.values or not outcome:
        raise ValidationFailed(
            gettext("Pilih hasil panggilan."), fields={"outcome": [gettext("Wajib dipilih.")]}
        )
    if call.outcome and not (call.external_id and call.outcome == Outcome.NO_ANSWER):
        raise Conflict(gettext("Panggilan #%(call)s sudah selesai dicatat.") % {"call": call.pk})
    notes = notes.strip()
    if outcome == Outcome.TRANSFERRED:
        if team is None:
            raise ValidationFailed(
                gettext("Pilih departemen tujuan pengalihan."),
                fields={"team": [gettext("Wajib dipilih.")]},
            )
        if call.ticket is None:
            raise ValidationFailed(
                gettext("Pengalihan ke departemen hanya bisa dari panggilan yang terkait tiket."),
                fields={"team": [gettext("Catat panggilan dari halaman tiket.")]},
            )
    elif team is not None:
        raise ValidationFailed(
            gettext("Departemen hanya dipilih untuk hasil 'Dialihkan'."),
            fields={"team": [gettext("Kosongkan, atau pilih hasil 'Dialihkan'.")]},
        )
    if call.ended_at is None:
        call.ended_at = timezone.now()
    if outcome == Outcome.NO_ANSWER and not call.external_id:
        call.answered_at = None  # the agent's own call was not picked up: no talk time
    call.duration = _talk_seconds(call)
    call.outcome = outcome
    call.notes = notes
    call.agent = call.agent or actor
    call.transferred_to_team = team
    call.save(
        update_fields=[
            "ended_at", "answered_at", "duration", "outcome", "notes", "agent",
            "transferred_to_team",
        ]
    )  # fmt: skip
    if call.ticket is not None and team is not None:
        ticket_services.ticket_transfer(
            actor=actor,
            ticket=call.ticket,
            team=team,
            reason=reason.strip()
            or notes
            or gettext("Dialihkan lewat telepon (panggilan #%(n)s).") % {"n": call.pk},
        )
        call.ticket.refresh_from_db()
    _log(call, actor)
    return call


# --- the PBX ------------------------------------------------------------------------------


class PbxEventKind:
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"
    RECORDING = "recording"
    ALL = ("ringing", "answered", "ended", "recording")


@dataclass(frozen=True)
class PbxEvent:
    """One event from the PBX, already validated (``pbx.parse_event``)."""

    event: str
    call_id: str
    direction: str
    customer_number: str  # E.164: the caller (inbound) or the one called (outbound)
    from_number: str
    to_number: str
    agent: str  # an extension or a username, "" when none
    at: datetime | None
    recording_url: str = ""


@dataclass(frozen=True)
class PbxResult:
    call: Call
    created: bool
    changed: bool


def _agent_for(ref: str) -> User | None:
    if not ref:
        return None
    ext = AgentExtension.objects.select_related("user").filter(extension=ref).first()
    user = ext.user if ext else User.objects.filter(username=ref).first()
    if user is None or not user.is_active or not user.is_agent_or_above:
        return None
    return user


def _caller(number: str) -> Customer:
    # the PBX's caller id, checked in ``pbx._number``: verified, not refused here again
    customer = customer_find_by_contact(
        ContactKind.PHONE, number, verified=True
    ) or customer_find_by_contact(ContactKind.WHATSAPP, number, verified=True)
    while customer is not None and customer.merged_into_id is not None:
        customer = customer.merged_into
    if customer is not None:
        return customer
    return customer_create(
        name=said_in_default_language(gettext_lazy("Penelepon %(number)s"), number=number),
        contacts=[ContactIn("phone", number, verified=True)],
    )


def _phone_ticket(customer: Customer, event: PbxEvent, now: datetime) -> Ticket:
    recent = (
        Ticket.objects.filter(
            customer=customer,
            channel=Channel.PHONE,
            status__in=OPEN_STATUSES,
            created_at__gte=now - ATTACH_WINDOW,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if recent is not None:
        return recent
    inbound = event.direction == Direction.INBOUND
    subject = (
        gettext("Panggilan masuk dari %(number)s") % {"number": event.customer_number}
        if inbound
        else gettext("Panggilan keluar ke %(number)s") % {"number": event.customer_number}
    )
    return ticket_services.ticket_create(
        actor=None,
        customer=customer,
        kind=Kind.INQUIRY,
        channel=Channel.PHONE,
        subject=subject,
        description=said_in_default_language(
            gettext_lazy("%(subject)s. Rincian masalah dicatat agen selama panggilan."),
            subject=subject,
        ),
    )


def _create_call(event: PbxEvent) -> tuple[Call, bool]:
    """The call row for this PBX call id, created (with its customer and ticket) on the
    first event."""
    call = Call.objects.select_for_update().filter(external_id=event.call_id).first()
    if call is not None:
        return call, False
    now = timezone.now()
    customer = _caller(event.customer_number)
    ticket = _phone_ticket(customer, event, now)
    call = Call.objects.create(
        external_id=event.call_id,
        customer=customer,
        ticket=ticket,
        agent=_agent_for(event.agent),
        direction=event.direction,
        from_number=event.from_number,
        to_number=event.to_number,
        started_at=event.at or now,
    )
    return call, True


def _earliest(current: datetime | None, at: datetime | None) -> datetime | None:
    if at is None:
        return current
    return at if current is None or at < current else current


def pbx_event_apply(event: PbxEvent) -> PbxResult:
    """Create or update the call for one PBX event. Idempotent (the same event twice
    changes nothing the second time) and order-independent: each event sets its own
    timestamp, so "ended" before "answered" ends with the same row.

    Two first events of one new call delivered at once both try to create it: the loser
    hits the unique call id (or the caller's unique contact), rolls back everything it
    wrote, and runs again against the winner's rows."""
    try:
        with transaction.atomic():
            return _apply(event)
    except (IntegrityError, Conflict):
        with transaction.atomic():
            return _apply(event)


def _apply(event: PbxEvent) -> PbxResult:
    call, created = _create_call(event)
    before = (
        call.started_at, call.answered_at, call.ended_at, call.recording_url, call.agent_id,
        call.outcome, call.duration,
    )  # fmt: skip
    if event.agent and (call.agent_id is None or event.event == PbxEventKind.ANSWERED):
        call.agent = _agent_for(event.agent) or call.agent  # who answered, not the queue
    if event.event != PbxEventKind.RECORDING:
        call.started_at = _earliest(call.started_at, event.at) or call.started_at
    if event.event == PbxEventKind.ANSWERED:
        call.answered_at = _earliest(call.answered_at, event.at)
    elif event.event == PbxEventKind.ENDED:
        call.ended_at = event.at  # the PBX's hang-up time wins over an agent's "Selesai"
    elif event.event == PbxEventKind.RECORDING:
        call.recording_url = event.recording_url
    if call.ended_at is not None:
        call.duration = _talk_seconds(call)
        if call.answered_at is None and not call.outcome:
            call.outcome = Outcome.NO_ANSWER
        elif call.answered_at is not None and call.outcome == Outcome.NO_ANSWER:
            call.outcome = Outcome.NONE  # answered after all ("answered" arrived late)
    after = (
        call.started_at, call.answered_at, call.ended_at, call.recording_url, call.agent_id,
        call.outcome, call.duration,
    )  # fmt: skip
    changed = created or before != after
    if changed:
        call.save()
        handle = call.duration if call.outcome != Outcome.NO_ANSWER else 0
        if call.ended_at is not None and call.logged_seconds != handle:
            _log(call, None)
    return PbxResult(call=call, created=created, changed=changed)
