"""The supervisor's other answers to a proposal waiting for approval (approving is
``proposals.proposal_approve``), the agent's resubmission, and the fulfilment of an
accepted proposal's compensation.

* decline: the proposal is refused for good, with a note; the agent proposes anew.
* ask for changes: the proposal returns to the agent with the supervisor's note; the agent
  edits and resubmits it, and it waits for the supervisor again.
* fulfil: after the customer accepted, the agent records that the compensation was given
  (the voucher code, the refund's reference) or could not be (why), by whom and when.

Every decision is on the ticket's internal timeline with its note and publishes
``ProposalDecided`` (the notifications tell the proposer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.accounts import access, audit
from sigap.accounts.access import require_staff
from sigap.accounts.models import Team, User
from sigap.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from sigap.tickets import approval, events
from sigap.tickets.access import require_supervisor_for
from sigap.tickets.models import (
    ApprovalRule,
    CompensationType,
    EventKind,
    Proposal,
    ProposalStatus,
)
from sigap.tickets.services._common import _touch
from sigap.tickets.services.proposals import (
    _decided,
    _lock_proposal,
    approval_requested,
    check_proposal_input,
)

# Compensations that leave a trace to record when given: a code or a transaction reference.
NEEDS_REFERENCE = frozenset(
    {CompensationType.REFUND, CompensationType.VOUCHER, CompensationType.DISCOUNT}
)
RETURNED_REASON = gettext_noop("dikembalikan supervisor untuk diubah")  # stored: ``approval``


def _require_note(note: str, message: str) -> str:
    note = note.strip()
    if not note:
        raise ValidationFailed(message, fields={"note": [_("Wajib diisi.")]})
    return note


def _review(actor: User, proposal: Proposal, note: str, status: ProposalStatus) -> Proposal:
    proposal, ticket = _lock_proposal(proposal)
    require_supervisor_for(actor, ticket)
    if proposal.status != ProposalStatus.PENDING_APPROVAL:
        raise TransitionNotAllowed(_("Usulan ini tidak sedang menunggu persetujuan."))
    proposal.status = status
    proposal.review_note = note
    proposal.reviewed_by = actor
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    _touch(ticket)
    return proposal


@transaction.atomic
def proposal_decline(*, actor: User, proposal: Proposal, note: str) -> Proposal:
    """The supervisor refuses the proposal, saying why; the agent may propose another."""
    note = _require_note(note, _("Sebutkan alasan penolakan agar agen dapat memperbaikinya."))
    proposal = _review(actor, proposal, note, ProposalStatus.DECLINED)
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_DECLINED, public=False, reason=note)
    _decided(proposal, "declined", note=note, actor=actor)
    return proposal


@transaction.atomic
def proposal_request_changes(*, actor: User, proposal: Proposal, note: str) -> Proposal:
    """The supervisor returns the proposal to the agent with what to change."""
    note = _require_note(note, _("Tuliskan apa yang perlu diubah pada usulan ini."))
    proposal = _review(actor, proposal, note, ProposalStatus.CHANGES_REQUESTED)
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_CHANGES, public=False, reason=note)
    _decided(proposal, "changes_requested", note=note, actor=actor)
    return proposal


@transaction.atomic
def proposal_resubmit(
    *,
    actor: User,
    proposal: Proposal,
    summary: str,
    compensation_type: str = CompensationType.NONE,
    compensation_amount: int = 0,
) -> Proposal:
    """The agent's edited proposal goes back to the supervisor who asked for changes
    (whatever the rule says now: the supervisor took the decision on)."""
    require_staff(actor)
    summary = check_proposal_input(summary, compensation_type, compensation_amount)
    proposal, ticket = _lock_proposal(proposal)
    if proposal.status != ProposalStatus.CHANGES_REQUESTED:
        raise TransitionNotAllowed(_("Usulan ini tidak sedang dikembalikan untuk diubah."))
    why = approval.approval_reasons(ticket, compensation_amount)
    proposal.summary = summary
    proposal.compensation_type = compensation_type
    proposal.compensation_amount = compensation_amount
    proposal.status = ProposalStatus.PENDING_APPROVAL
    proposal.requires_approval = True
    proposal.approval_reason = "; ".join(why) or RETURNED_REASON
    proposal.save(
        update_fields=[
            "summary",
            "compensation_type",
            "compensation_amount",
            "status",
            "requires_approval",
            "approval_reason",
        ]
    )
    events.proposal_event(proposal, actor, EventKind.PROPOSAL_RESUBMITTED, public=False)
    approval_requested(proposal, resubmitted=True)
    _touch(ticket)
    return proposal


@transaction.atomic
def proposal_fulfil(
    *,
    actor: User,
    proposal: Proposal,
    given: bool,
    reference: str = "",
    note: str = "",
) -> Proposal:
    """Record the compensation of an accepted proposal: given (with the voucher code or
    refund reference where there is one) or not given (with why). A compensation recorded
    as given stays so; one not given may be recorded again once it is."""
    require_staff(actor)
    reference, note = reference.strip(), note.strip()
    proposal, ticket = _lock_proposal(proposal)
    if proposal.status != ProposalStatus.ACCEPTED:
        raise TransitionNotAllowed(
            _("Kompensasi hanya dicatat untuk usulan yang diterima pelanggan.")
        )
    if proposal.compensation_type == CompensationType.NONE:
        raise TransitionNotAllowed(_("Usulan ini tanpa kompensasi."))
    if proposal.compensation_given:
        raise Conflict(
            _("Kompensasi usulan ini sudah dicatat diberikan (referensi: %(ref)s).")
            % {"ref": proposal.compensation_reference or "—"}
        )
    if given and proposal.compensation_type in NEEDS_REFERENCE and not reference:
        raise ValidationFailed(
            _("Isi kode voucher atau nomor referensi pengembalian dana."),
            fields={"reference": [_("Wajib diisi.")]},
        )
    if not given and not note:
        raise ValidationFailed(
            _("Sebutkan mengapa kompensasi belum dapat diberikan."),
            fields={"note": [_("Wajib diisi.")]},
        )
    proposal.compensation_given = given
    proposal.compensation_reference = reference
    proposal.compensation_note = note
    proposal.compensation_recorded_by = actor
    proposal.compensation_recorded_at = timezone.now()
    proposal.save(
        update_fields=[
            "compensation_given",
            "compensation_reference",
            "compensation_note",
            "compensation_recorded_by",
            "compensation_recorded_at",
        ]
    )
    events.compensation_event(proposal, actor)
    _touch(ticket)
    return proposal


# --- the approval rules (settings) ------------------------------------------------------------


def _require_rule_editor(actor: User, team: Team | None) -> None:
    """A team's rule: an admin or the team's supervisor; the default (no team): an
    admin (``accounts.access``)."""
    if not (actor.is_active and actor.is_supervisor_or_admin):
        raise PermissionDenied(
            _("Hanya supervisor dan admin yang dapat mengubah aturan persetujuan.")
        )
    access.require_team_settings(actor, team)


@transaction.atomic
def approval_rule_set(
    *,
    actor: User,
    team: Team | None,
    severities: Iterable[str],
    amount_threshold: int | None,
) -> ApprovalRule:
    """Set ``team``'s approval rule (``team`` None: the default of every team without its
    own). Applies to proposals made from now on."""
    _require_rule_editor(actor, team)
    chosen = sorted(set(severities))
    errors: dict[str, list[str]] = {}
    if any(s not in approval.SEVERITIES for s in chosen):
        errors["severities"] = [_("Pilihan tidak valid.")]
    if amount_threshold is not None and amount_threshold < 1:
        errors["amount_threshold"] = ["Minimal Rp 1."]
    if errors:
        raise ValidationFailed(_("Aturan persetujuan tidak valid."), fields=errors)
    rule = ApprovalRule.objects.select_for_update().filter(team=team).first() or ApprovalRule(
        team=team
    )
    before = _rule_snapshot(rule) if rule.pk else None
    rule.severities = chosen
    rule.amount_threshold = amount_threshold
    rule.updated_by = actor
    rule.save()
    audit.settings_changed(
        actor=actor,
        what="approval rule",
        name=team.name if team else "default",
        object_id=rule.pk,
        before=before,
        after=_rule_snapshot(rule),
    )
    return rule


def _rule_snapshot(rule: ApprovalRule) -> dict[str, Any]:
    return {"severities": list(rule.severities), "amount_threshold": rule.amount_threshold}


@transaction.atomic
def approval_rule_clear(*, actor: User, team: Team | None) -> None:
    """``team`` follows the default again (``team`` None: the built-in default)."""
    _require_rule_editor(actor, team)
    rule = ApprovalRule.objects.select_for_update().filter(team=team).first()
    if rule is None:
        return
    before = _rule_snapshot(rule)
    rule.delete()
    audit.settings_changed(
        actor=actor,
        what="approval rule",
        name=team.name if team else "default",
        object_id=None,
        before=before,
        after=None,
    )
