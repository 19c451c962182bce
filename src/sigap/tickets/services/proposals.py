"""Resolution proposals: offered, approved by a supervisor when the approval rule says so
(``tickets.approval``), accepted, rejected (then an alternative), withdrawn. The
supervisor's other answers (decline, ask for changes), the resubmission and the
compensation's fulfilment are in ``services.approvals``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.accounts.access import require_staff
from sigap.accounts.models import User
from sigap.core.errors import (
    Conflict,
    TransitionNotAllowed,
    ValidationFailed,
)
from sigap.tickets import approval, events, hooks
from sigap.tickets.access import require_supervisor_for
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    CompensationType,
    EventKind,
    Proposal,
    ProposalStatus,
    Ticket,
)
from sigap.tickets.services._common import S, _choice, _lock, _set_status, _touch

PROPOSAL_STATUSES_FOR_TICKET = frozenset({S.CONFIRMED, S.IN_PROGRESS, S.WAITING_CUSTOMER})


def _lock_proposal(proposal: Proposal) -> tuple[Proposal, Ticket]:
    ticket = _lock(proposal.ticket)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.ticket = ticket
    return proposal, ticket


def _offer(ticket: Ticket, actor: User) -> None:
    if ticket.status != S.WAITING_CUSTOMER:
        _set_status(ticket, actor, S.WAITING_CUSTOMER, gettext_noop("Usulan solusi ditawarkan."))
    else:
        _touch(ticket)


def _resume(ticket: Ticket, actor: User, reason: str) -> None:
    """Back to work after the customer answered; the ticket may already be in progress
    (the customer wrote a message after the offer, which resumed it)."""
    if ticket.status != S.IN_PROGRESS:
        _set_status(ticket, actor, S.IN_PROGRESS, reason)
    else:
        _touch(ticket)


def check_proposal_input(summary: str, compensation_type: str, compensation_amount: int) -> str:
    """Validate a proposal's text and compensation; returns the stripped summary."""
    summary = summary.strip()
    _choice(compensation_type, CompensationType.values, "compensation_type")
    errors: dict[str, list[str]] = {}
    if not summary:
        errors["summary"] = [_("Wajib diisi.")]
    if compensation_amount < 0:
        errors["compensation_amount"] = [_("Tidak boleh negatif.")]
    if compensation_type in (CompensationType.NONE,) and compensation_amount:
        errors["compensation_amount"] = [_("Isi jenis kompensasi bila ada nilainya.")]
    if compensation_type in (CompensationType.REFUND, CompensationType.VOUCHER) and not (
        compensation_amount
    ):
        errors["compensation_amount"] = [_("Nilai pengembalian dana/voucher wajib diisi.")]
    if errors:
        raise ValidationFailed(_("Usulan solusi belum lengkap."), fields=errors)
    return summary


@transaction.atomic
def proposal_create(
    *,
    actor: User,
    ticket: Ticket,
    summary: str,
    compensation_type: str = CompensationType.NONE,
    compensation_amount: int = 0,
) -> Proposal:
    """Offer a solution. It waits for a supervisor's approval when the team's approval
    rule says so (``tickets.approval``: by severity and/or compensation amount)."""
    require_staff(actor)
    summary = check_proposal_input(summary, compensation_type, compensation_amount)
    ticket = _lock(ticket)
    if ticket.status not in PROPOSAL_STATUSES_FOR_TICKET:
        raise TransitionNotAllowed(
            _(
                "Usulan solusi hanya dapat dibuat setelah masalah dikonfirmasi ke pelanggan "
                "dan sebelum tiket selesai."
            )
        )
    if ticket.proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).exists():
        raise Conflict(_("Masih ada usulan yang belum dijawab. Tarik dulu usulan itu."))
    rejected = (
        ticket.proposals.filter(status=ProposalStatus.REJECTED, alternative__isnull=True)
        .order_by("-id")
        .first()
    )
    why = approval.approval_reasons(ticket, compensation_amount)
    needs_approval = bool(why)
    proposal = Proposal.objects.create(
        ticket=ticket,
        summary=summary,
        compensation_type=compensation_type,
        compensation_amount=compensation_amount,
        status=ProposalStatus.PENDING_APPROVAL if needs_approval else ProposalStatus.OFFERED,
        requires_approval=needs_approval,
        approval_reason="; ".join(why),
        alternative_to=rejected,
        created_by=actor,
    )
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_CREATED, public=not needs_approval)
    if needs_approval:
        approval_requested(proposal)
        _touch(ticket)
        if ticket.status == S.CONFIRMED:
            _set_status(
                ticket,
                actor,
                S.IN_PROGRESS,
                gettext_noop("Usulan menunggu persetujuan supervisor."),
            )
    else:
        _offer(ticket, actor)
        _offered(proposal, ticket)
    return proposal


@transaction.atomic
def proposal_approve(*, actor: User, proposal: Proposal, note: str = "") -> Proposal:
    """The supervisor approves (with an optional note): the proposal goes to the customer.
    Declining and asking for changes are in ``services.approvals``."""
    note = note.strip()
    proposal, ticket = _lock_proposal(proposal)
    require_supervisor_for(actor, ticket)
    if proposal.status != ProposalStatus.PENDING_APPROVAL:
        raise TransitionNotAllowed(_("Usulan ini tidak sedang menunggu persetujuan."))
    now = timezone.now()
    proposal.status = ProposalStatus.OFFERED
    proposal.approved_by = proposal.reviewed_by = actor
    proposal.approved_at = proposal.reviewed_at = now
    proposal.review_note = note
    proposal.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        ]
    )
    # the note is the supervisor's word to the agent: on the internal timeline only
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_APPROVED, public=True)
    if note:
        events.proposal_note_event(proposal, actor, note)
    _decided(proposal, "approved", note=note, actor=actor)
    _offer(ticket, actor)
    _offered(proposal, ticket)
    return proposal


def _offered(proposal: Proposal, ticket: Ticket) -> None:
    """The customer can answer now: the channels deliver the offer (``ProposalOffered``)."""
    hooks.publish(
        hooks.ProposalOffered(proposal_id=proposal.pk, ticket_id=ticket.pk, channel=ticket.channel)
    )


def _decided(
    proposal: Proposal, decision: str, *, note: str = "", actor: User | None = None
) -> None:
    hooks.publish(
        hooks.ProposalDecided(
            proposal_id=proposal.pk,
            ticket_id=proposal.ticket_id,
            decision=decision,
            note=note,
            actor_id=actor.pk if actor else None,
        )
    )


def approval_requested(proposal: Proposal, *, resubmitted: bool = False) -> None:
    hooks.publish(
        hooks.ApprovalRequested(
            proposal_id=proposal.pk,
            ticket_id=proposal.ticket_id,
            team_id=proposal.ticket.team_id,
            reason=proposal.approval_reason,
            resubmitted=resubmitted,
        )
    )


def _answer_check(actor: User, proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.OFFERED:
        raise TransitionNotAllowed(
            _("Usulan ini tidak sedang ditawarkan kepada pelanggan (status: %(status)s).")
            % {"status": proposal.get_status_display()}
        )


@transaction.atomic
def proposal_accept(*, actor: User, proposal: Proposal) -> Proposal:
    """The customer accepts (themselves, or recorded by an agent, e.g. on the phone)."""
    proposal, ticket = _lock_proposal(proposal)
    _answer_check(actor, proposal)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.answered_at = timezone.now()
    proposal.save(update_fields=["status", "answered_at"])
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_ACCEPTED, public=True)
    _decided(proposal, "accepted", actor=actor)
    _resume(ticket, actor, gettext_noop("Pelanggan menerima usulan solusi."))
    return proposal


@transaction.atomic
def proposal_reject(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """A rejection reopens the work: the next proposal is recorded as the alternative."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Sebutkan alasan penolakan agar kami dapat menawarkan solusi alternatif."),
            fields={"reason": [_("Wajib diisi.")]},
        )
    proposal, ticket = _lock_proposal(proposal)
    _answer_check(actor, proposal)
    proposal.status = ProposalStatus.REJECTED
    proposal.answered_at = timezone.now()
    proposal.rejection_reason = reason
    proposal.save(update_fields=["status", "answered_at", "rejection_reason"])
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_REJECTED, public=True, reason=reason)
    _decided(proposal, "rejected", note=reason, actor=actor)
    _resume(ticket, actor, gettext_noop("Pelanggan menolak usulan; siapkan alternatif."))
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: Proposal, reason: str = "") -> Proposal:
    require_staff(actor)
    proposal, ticket = _lock_proposal(proposal)
    if proposal.status not in OPEN_PROPOSAL_STATUSES:
        raise TransitionNotAllowed(_("Hanya usulan yang belum dijawab yang dapat ditarik."))
    was_offered = proposal.status == ProposalStatus.OFFERED
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status"])
    events.proposal_event(
        proposal, actor, EventKind.PROPOSAL_WITHDRAWN, public=was_offered, reason=reason
    )
    _decided(proposal, "withdrawn", note=reason.strip(), actor=actor)
    if ticket.status == S.WAITING_CUSTOMER:
        _set_status(ticket, actor, S.IN_PROGRESS, gettext_noop("Usulan ditarik."))
    else:
        _touch(ticket)
    return proposal
