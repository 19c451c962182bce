"""The complaint procedure (Simak, Catat, Konfirmasi, Selesaikan): record, confirm, apologise,
resolve, close, escalate, reopen, and the worker's time-based steps."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sigap.accounts.access import require_staff
from sigap.accounts.models import User
from sigap.core.errors import (
    Conflict,
    TransitionNotAllowed,
    ValidationFailed,
)
from sigap.core.locale import said_in_default_language
from sigap.notifications.models import NotificationKind
from sigap.notifications.services import notify_many
from sigap.tickets import escalation, events
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    Apology,
    Confirmation,
    EventKind,
    Kind,
    MessageKind,
    ProposalStatus,
    Status,
    Ticket,
)
from sigap.tickets.search import index_ticket
from sigap.tickets.services._common import S, _lock, _set_status, _touch
from sigap.tickets.services.messages import _message_create


@transaction.atomic
def ticket_transition(*, actor: User, ticket: Ticket, to: str, reason: str = "") -> Ticket:
    """Generic status change through the transition table (used by the API and bulk UI)."""
    require_staff(actor)
    ticket = _lock(ticket)
    target = Status(to)
    if target == S.RESOLVED:
        return ticket_resolve(actor=actor, ticket=ticket, reason=reason)
    if ticket.status == S.RESOLVED and target == S.IN_PROGRESS:
        return ticket_reopen(actor=actor, ticket=ticket, reason=reason)
    if target == S.RECORDED:
        raise TransitionNotAllowed(_("Gunakan langkah 'Catat' untuk mencatat fakta dan kronologi."))
    if target == S.CONFIRMED:
        raise TransitionNotAllowed(_("Gunakan langkah 'Konfirmasi' untuk mencatat konfirmasi."))
    _set_status(ticket, actor, target, reason)
    return ticket


@transaction.atomic
def ticket_record(*, actor: User, ticket: Ticket, facts: str) -> Ticket:
    """Catat: record the customer's data and the chronology."""
    require_staff(actor)
    facts = facts.strip()
    if not facts:
        raise ValidationFailed(
            _("Catatan fakta wajib diisi."), fields={"facts": [_("Wajib diisi.")]}
        )
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(_("Tiket %(ref)s sudah selesai atau ditutup.") % {"ref": ticket.reference})
    events.recorded_event(ticket, actor, facts)
    _touch(ticket, facts=facts)
    if ticket.status == S.NEW:
        _set_status(ticket, actor, S.RECORDED)
    index_ticket(ticket.pk)
    return ticket


@transaction.atomic
def ticket_confirm(
    *,
    actor: User,
    ticket: Ticket,
    restatement: str,
    customer_confirmed: bool,
    customer_response: str = "",
) -> Confirmation:
    """Konfirmasi: restate the core problem; move on only once the customer agrees."""
    require_staff(actor)
    restatement = restatement.strip()
    if not restatement:
        raise ValidationFailed(
            _("Pernyataan ulang masalah wajib diisi."),
            fields={"restatement": [_("Wajib diisi.")]},
        )
    ticket = _lock(ticket)
    if ticket.status == S.NEW:
        raise TransitionNotAllowed(_("Catat fakta dan kronologi dulu sebelum konfirmasi."))
    if not ticket.is_open:
        raise Conflict(_("Tiket %(ref)s sudah selesai atau ditutup.") % {"ref": ticket.reference})
    confirmation = Confirmation.objects.create(
        ticket=ticket,
        restatement=restatement,
        customer_confirmed=customer_confirmed,
        customer_response=customer_response.strip(),
        recorded_by=actor,
    )
    events.confirmation_event(
        ticket, actor, restatement, customer_confirmed, confirmation.customer_response
    )
    if customer_confirmed and ticket.status == S.RECORDED:
        _set_status(ticket, actor, S.CONFIRMED)
    else:
        _touch(ticket)
    return confirmation


APOLOGY_PARTS = ("recognition", "responsibility", "remorse", "restitution", "repetition")


@transaction.atomic
def apology_create(
    *, actor: User, ticket: Ticket, parts: dict[str, str], send: bool = True
) -> Apology:
    """Record an apology with the 5 R; by default it is also sent as a public reply."""
    require_staff(actor)
    missing = [p for p in APOLOGY_PARTS if not parts.get(p, "").strip()]
    if missing:
        raise ValidationFailed(
            _("Permintaan maaf harus memuat kelima unsur 5R."),
            fields={p: [_("Wajib diisi.")] for p in missing},
        )
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(_("Tiket %(ref)s sudah selesai atau ditutup.") % {"ref": ticket.reference})
    message = None
    if send:
        body = "\n\n".join(parts[p].strip() for p in APOLOGY_PARTS)
        message = _message_create(ticket, actor, MessageKind.REPLY, body, ticket.channel)
    apology = Apology.objects.create(
        ticket=ticket, author=actor, message=message, **{p: parts[p].strip() for p in APOLOGY_PARTS}
    )
    events.apology_event(ticket, actor, apology.pk)
    if message is not None:
        index_ticket(ticket.pk)
    return apology


@transaction.atomic
def ticket_resolve(*, actor: User, ticket: Ticket, reason: str = "") -> Ticket:
    """Selesaikan. A complaint needs an accepted proposal or a recorded reason."""
    require_staff(actor)
    ticket = _lock(ticket)
    reason = reason.strip()
    if ticket.kind == Kind.COMPLAINT:
        accepted = ticket.proposals.filter(status=ProposalStatus.ACCEPTED).exists()
        if not accepted and not reason:
            raise TransitionNotAllowed(
                _(
                    "Keluhan hanya dapat diselesaikan dengan usulan yang diterima pelanggan "
                    "atau dengan alasan yang dicatat."
                )
            )
    if ticket.proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).exists():
        raise TransitionNotAllowed(_("Masih ada usulan yang belum dijawab pelanggan."))
    if ticket.status in (S.CONFIRMED,):
        _set_status(ticket, actor, S.IN_PROGRESS)
    _set_status(ticket, actor, S.RESOLVED, reason)
    if reason:
        _touch(ticket, resolution_reason=reason)
    return ticket


@transaction.atomic
def ticket_close(*, actor: User, ticket: Ticket, thanks: str = "", reason: str = "") -> Ticket:
    """Thank the customer (a public reply) and close. Unresolved tickets need a reason."""
    require_staff(actor)
    ticket = _lock(ticket)
    thanks = thanks.strip()
    if thanks:
        _message_create(ticket, actor, MessageKind.REPLY, thanks, ticket.channel)
    _set_status(ticket, actor, S.CLOSED, reason.strip())
    # An offer nobody answered cannot outlive the ticket.
    for proposal in ticket.proposals.select_for_update().filter(status__in=OPEN_PROPOSAL_STATUSES):
        was_offered = proposal.status == ProposalStatus.OFFERED
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.save(update_fields=["status"])
        events.proposal_event(
            proposal,
            actor,
            EventKind.PROPOSAL_WITHDRAWN,
            public=was_offered,
            reason=gettext_noop("Tiket ditutup."),
        )
    if thanks:
        index_ticket(ticket.pk)
    return ticket


@transaction.atomic
def ticket_escalate(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    """Escalate by hand, one level up the configured chain (``tickets.escalation``)."""
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Sebutkan alasan eskalasi."), fields={"reason": [_("Wajib diisi.")]}
        )
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(_("Tiket %(ref)s sudah selesai atau ditutup.") % {"ref": ticket.reference})
    step = escalation.next_step(ticket.escalation_level)
    if step is None:
        raise Conflict(
            _("Tiket %(ref)s sudah di tingkat eskalasi tertinggi.") % {"ref": ticket.reference}
        )
    why = _("Tiket %(ref)s dieskalasi: %(reason)s") % {"ref": ticket.reference, "reason": reason}
    escalate_to(ticket, actor, step, reason, why)
    return ticket


def escalate_to(
    ticket: Ticket,
    actor: User,
    step: escalation.Step,
    reason: str,
    note: str,
    *,
    formal: bool = False,
) -> list[int]:
    """Move a locked, open ticket to ``step`` of the chain: the (internal) ``escalated``
    event, the reassignment the level asks for, and a notification to its recipients
    (pushed to their open pages after the commit). ``formal``: a customer's teguran
    resmi. Returns the recipients."""
    level = step.level
    to = escalation.recipients(ticket, step)
    if level > ticket.escalation_level:
        _touch(ticket, escalation_level=level)
    data = {"level": level, "to": to, "reason": reason, "manual": True}
    if formal:
        data["formal"] = True
    events.sla_event(ticket, EventKind.ESCALATED, actor=actor, data=data)
    escalation.reassign(
        ticket,
        step,
        to,
        actor,
        said_in_default_language(
            gettext_lazy("Eskalasi tingkat %(level)s: %(reason)s"), level=level, reason=reason
        ),
    )
    notify_many([(u, ticket.pk, NotificationKind.ESCALATED, note) for u in to if u != actor.pk])
    return to


@transaction.atomic
def ticket_reopen(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    require_staff(actor)
    if not reason.strip():
        raise ValidationFailed(
            _("Sebutkan alasan membuka kembali."), fields={"reason": [_("Wajib.")]}
        )
    ticket = _lock(ticket)
    _set_status(ticket, actor, S.IN_PROGRESS, reason.strip())
    return ticket


@transaction.atomic
def ticket_auto_close(*, ticket: Ticket, reason: str) -> bool:
    """Close a resolved ticket nobody reopened. False when it changed in the meantime."""
    ticket = _lock(ticket)
    if ticket.status != S.RESOLVED:
        return False
    _set_status(ticket, None, S.CLOSED, reason)
    return True


@transaction.atomic
def ticket_remind_customer(*, ticket: Ticket, body: str, before: datetime) -> bool:
    """Remind a customer we are waiting for (once per wait). False when not due."""
    ticket = _lock(ticket)
    paused = ticket.sla_paused_at
    if (
        ticket.status != S.WAITING_CUSTOMER
        or ticket.customer_reminded_at is not None
        or paused is None
        or paused > before
    ):
        return False
    _message_create(ticket, None, MessageKind.REPLY, body, ticket.channel)
    _touch(ticket, customer_reminded_at=timezone.now())
    index_ticket(ticket.pk)
    return True
