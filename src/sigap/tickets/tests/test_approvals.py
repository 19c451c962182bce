"""Approval rules (by severity and/or compensation amount, per team), the supervisor's
three answers with a note, the resubmission, and the compensation's fulfilment."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from sigap.accounts.models import Team, User
from sigap.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from sigap.customers.models import Customer
from sigap.tickets import approval, hooks, services
from sigap.tickets.models import (
    ApprovalRule,
    EventKind,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.tests.steps import drive_to, event_ids, new_ticket


def confirmed(agent: User, customer: Customer, team: Team | None, severity: str) -> Ticket:
    ticket = new_ticket(agent, customer, severity=severity, team=team, assignee=agent)
    return drive_to(agent, ticket, Status.CONFIRMED)


def propose(agent: User, ticket: Ticket, amount: int, kind: str = "voucher") -> Proposal:
    return services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary="Voucher belanja sebagai permohonan maaf.",
        compensation_type=kind if amount else "none",
        compensation_amount=amount,
    )


# --- the rules --------------------------------------------------------------------------------


def test_the_built_in_rule_holds_a_rp500000_voucher_on_a_simple_ticket(
    agent: User, team: Team, customer: Customer
) -> None:
    ticket = confirmed(agent, customer, team, "sederhana")

    proposal = propose(agent, ticket, 500_000)

    assert (proposal.status, proposal.requires_approval, proposal.approval_reason) == (
        ProposalStatus.PENDING_APPROVAL,
        True,
        "nilai kompensasi ≥ Rp 250.000",
    )
    created = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.PROPOSAL_CREATED)
    assert (created.public, created.data["approval_reason"]) == (
        False,
        "nilai kompensasi ≥ Rp 250.000",
    )


@pytest.mark.parametrize(
    ("severities", "threshold", "severity", "amount", "reasons"),
    [
        # severity only
        (["kompleks"], None, "kompleks", 0, ["tingkat keluhan kompleks"]),
        (["kompleks"], None, "sederhana", 5_000_000, []),
        # amount only
        ([], 100_000, "kompleks", 0, []),
        ([], 100_000, "sederhana", 99_999, []),
        ([], 100_000, "sederhana", 100_000, ["nilai kompensasi ≥ Rp 100.000"]),  # boundary
        # both
        (
            ["kompleks", "penting"],
            100_000,
            "penting",
            150_000,
            ["tingkat keluhan penting", "nilai kompensasi ≥ Rp 100.000"],
        ),
        (["kompleks", "penting"], 100_000, "sederhana", 50_000, []),
        # neither: nothing needs approval in this team
        ([], None, "kompleks", 10_000_000, []),
    ],
)
def test_a_team_rule_decides(
    agent: User,
    team: Team,
    customer: Customer,
    severities: list[str],
    threshold: int | None,
    severity: str,
    amount: int,
    reasons: list[str],
) -> None:
    ApprovalRule.objects.create(team=team, severities=severities, amount_threshold=threshold)
    ticket = confirmed(agent, customer, team, severity)

    proposal = propose(agent, ticket, amount)

    assert proposal.approval_reason == "; ".join(reasons)
    assert proposal.requires_approval is bool(reasons)
    assert proposal.status == (
        ProposalStatus.PENDING_APPROVAL if reasons else ProposalStatus.OFFERED
    )


def test_the_amount_threshold_is_inclusive_under_the_built_in_rule(
    agent: User, team: Team, customer: Customer
) -> None:
    below = propose(agent, confirmed(agent, customer, team, "sederhana"), 249_999)
    at = propose(agent, confirmed(agent, customer, team, "sederhana"), 250_000)

    assert (below.status, at.status) == (ProposalStatus.OFFERED, ProposalStatus.PENDING_APPROVAL)


def test_a_team_rule_overrides_the_default_row_which_overrides_the_built_in(
    agent: User, team: Team, other_team: Team, customer: Customer
) -> None:
    ApprovalRule.objects.create(team=None, severities=[], amount_threshold=1_000_000)
    ApprovalRule.objects.create(team=team, severities=["sederhana"], amount_threshold=None)

    assert approval.rule_for(team.pk).source == "team"
    assert approval.rule_for(other_team.pk) == approval.Rule(frozenset(), 1_000_000, "default")
    assert approval.rule_for(None).source == "default"
    # the team's own rule: every simple complaint; the amount does not matter
    ours = propose(agent, confirmed(agent, customer, team, "sederhana"), 0)
    assert ours.approval_reason == "tingkat keluhan sederhana"
    # a team without its own rule follows the default row: Rp 500.000 passes, kompleks too
    other = new_ticket(agent, customer, severity="kompleks", team=None, assignee=agent)
    theirs = propose(agent, drive_to(agent, other, Status.CONFIRMED), 500_000)
    assert theirs.status == ProposalStatus.OFFERED


@pytest.mark.django_db
def test_without_any_row_the_built_in_rule_applies() -> None:
    assert approval.rule_for(None) is approval.DEFAULT_RULE
    assert approval.describe(approval.DEFAULT_RULE) == (
        "perlu persetujuan bila tingkat kompleks atau kompensasi ≥ Rp 250.000"
    )


@pytest.mark.django_db
def test_one_default_row_only() -> None:
    ApprovalRule.objects.create(team=None, severities=["kompleks"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRule.objects.create(team=None, severities=[])


# --- the supervisor's answers -----------------------------------------------------------------


@pytest.fixture
def pending(agent: User, team: Team, customer: Customer) -> Proposal:
    return propose(agent, confirmed(agent, customer, team, "sederhana"), 500_000)


@pytest.fixture
def heard() -> Any:
    got: list[object] = []
    hooks.subscribe(hooks.ProposalDecided, got.append, phase=hooks.AFTER, name="test.heard")
    hooks.subscribe(hooks.ApprovalRequested, got.append, phase=hooks.AFTER, name="test.asked")
    yield got
    hooks.unsubscribe(hooks.ProposalDecided, "test.heard")
    hooks.unsubscribe(hooks.ApprovalRequested, "test.asked")


def test_approve_with_a_note_offers_it_and_keeps_the_note_internal(
    pending: Proposal,
    supervisor: User,
    heard: list[object],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.proposal_approve(
            actor=supervisor, proposal=pending, note="Boleh, pelanggan gold."
        )

    assert (approved.status, approved.review_note, approved.reviewed_by) == (
        ProposalStatus.OFFERED,
        "Boleh, pelanggan gold.",
        supervisor,
    )
    note = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_REVIEW_NOTE)
    assert (note.public, note.data["reason"]) == (False, "Boleh, pelanggan gold.")
    assert "reason" not in TimelineEvent.objects.get(kind=EventKind.PROPOSAL_APPROVED).data
    assert heard == [
        hooks.ProposalDecided(
            proposal_id=pending.pk,
            ticket_id=pending.ticket_id,
            decision="approved",
            note="Boleh, pelanggan gold.",
            actor_id=supervisor.pk,
        )
    ]


def test_decline_needs_a_note_and_frees_the_ticket_for_another_proposal(
    pending: Proposal,
    supervisor: User,
    agent: User,
    heard: list[object],
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = event_ids(pending.ticket)
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_decline(actor=supervisor, proposal=pending, note="  ")
    assert exc.value.fields == {"note": ["Wajib diisi."]}
    assert event_ids(pending.ticket) == before

    with django_capture_on_commit_callbacks(execute=True):
        declined = services.proposal_decline(
            actor=supervisor, proposal=pending, note="Terlalu besar untuk keterlambatan 2 hari."
        )

    assert declined.status == ProposalStatus.DECLINED
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_DECLINED)
    assert (event.public, event.actor, event.data["reason"]) == (
        False,
        supervisor,
        "Terlalu besar untuk keterlambatan 2 hari.",
    )
    assert [getattr(e, "decision", None) for e in heard] == ["declined"]
    # the agent proposes anew; the declined one is not the customer's rejection
    second = propose(agent, Ticket.objects.get(pk=pending.ticket_id), 100_000)
    assert (second.status, second.alternative_to) == (ProposalStatus.OFFERED, None)


def test_ask_for_changes_then_resubmit_goes_back_to_the_queue(
    pending: Proposal,
    supervisor: User,
    agent: User,
    heard: list[object],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.proposal_request_changes(
            actor=supervisor, proposal=pending, note="Turunkan ke Rp 150.000."
        )
    assert (returned.status, returned.review_note) == (
        ProposalStatus.CHANGES_REQUESTED,
        "Turunkan ke Rp 150.000.",
    )
    # still the ticket's open proposal: no second one meanwhile
    with pytest.raises(Conflict):
        propose(agent, Ticket.objects.get(pk=pending.ticket_id), 10_000)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.proposal_resubmit(
            actor=agent,
            proposal=returned,
            summary="Voucher Rp 150.000.",
            compensation_type="voucher",
            compensation_amount=150_000,
        )

    # below the threshold now, but the supervisor took it on: back to them
    assert (again.status, again.compensation_amount, again.approval_reason) == (
        ProposalStatus.PENDING_APPROVAL,
        150_000,
        "dikembalikan supervisor untuk diubah",
    )
    kinds = list(
        TimelineEvent.objects.filter(ticket=pending.ticket_id, kind__startswith="proposal_")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["proposal_created", "proposal_changes", "proposal_resubmitted"]
    assert [type(e).__name__ for e in heard] == ["ProposalDecided", "ApprovalRequested"]
    assert heard[-1] == hooks.ApprovalRequested(
        proposal_id=pending.pk,
        ticket_id=pending.ticket_id,
        team_id=pending.ticket.team_id,
        reason="dikembalikan supervisor untuk diubah",
        resubmitted=True,
    )
    approved = services.proposal_approve(actor=supervisor, proposal=again)
    assert approved.status == ProposalStatus.OFFERED


def test_resubmitting_needs_a_returned_proposal_and_valid_input(
    pending: Proposal, agent: User, supervisor: User
) -> None:
    with pytest.raises(TransitionNotAllowed):
        services.proposal_resubmit(actor=agent, proposal=pending, summary="x")
    services.proposal_request_changes(actor=supervisor, proposal=pending, note="Ubah.")
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_resubmit(
            actor=agent, proposal=pending, summary="", compensation_type="voucher"
        )
    assert set(exc.value.fields) == {"summary", "compensation_amount"}
    assert Proposal.objects.get(pk=pending.pk).status == ProposalStatus.CHANGES_REQUESTED


@pytest.mark.parametrize("decide", ["proposal_decline", "proposal_request_changes"])
@pytest.mark.parametrize("who", ["agent", "other_supervisor", "outsider_agent"])
def test_only_the_teams_supervisor_declines_or_asks_for_changes(
    request: pytest.FixtureRequest, pending: Proposal, other_team: Team, decide: str, who: str
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        getattr(services, decide)(actor=user, proposal=pending, note="Tidak.")
    assert Proposal.objects.get(pk=pending.pk).status == ProposalStatus.PENDING_APPROVAL


def test_an_offered_proposal_cannot_be_declined(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    offered = propose(agent, confirmed(agent, customer, team, "sederhana"), 10_000)
    with pytest.raises(TransitionNotAllowed):
        services.proposal_decline(actor=supervisor, proposal=offered, note="Tidak.")


# --- fulfilment -------------------------------------------------------------------------------


@pytest.fixture
def accepted(agent: User, team: Team, customer: Customer, customer_user: User) -> Proposal:
    offered = propose(agent, confirmed(agent, customer, team, "sederhana"), 100_000)
    return services.proposal_accept(actor=customer_user, proposal=offered)


def test_the_agent_records_the_voucher_code(accepted: Proposal, agent: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_fulfil(actor=agent, proposal=accepted, given=True)
    assert exc.value.fields == {"reference": ["Wajib diisi."]}

    done = services.proposal_fulfil(
        actor=agent, proposal=accepted, given=True, reference=" VCR-2026-0042 "
    )

    assert (
        done.compensation_given,
        done.compensation_reference,
        done.compensation_recorded_by,
    ) == (
        True,
        "VCR-2026-0042",
        agent,
    )
    assert done.compensation_recorded_at is not None
    event = TimelineEvent.objects.get(kind=EventKind.COMPENSATION_RECORDED)
    assert (event.public, event.actor, event.data["given"], event.data["reference"]) == (
        False,
        agent,
        True,
        "VCR-2026-0042",
    )
    with pytest.raises(Conflict):
        services.proposal_fulfil(actor=agent, proposal=accepted, given=True, reference="X")


def test_not_given_needs_why_and_may_be_given_later(accepted: Proposal, agent: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_fulfil(actor=agent, proposal=accepted, given=False)
    assert exc.value.fields == {"note": ["Wajib diisi."]}

    services.proposal_fulfil(
        actor=agent, proposal=accepted, given=False, note="Sistem voucher sedang gangguan."
    )
    assert Proposal.objects.get(pk=accepted.pk).compensation_given is False

    later = services.proposal_fulfil(actor=agent, proposal=accepted, given=True, reference="V1")
    assert later.compensation_given is True
    assert TimelineEvent.objects.filter(kind=EventKind.COMPENSATION_RECORDED).count() == 2


def test_only_an_accepted_proposal_with_compensation_is_fulfilled(
    pending: Proposal, agent: User, team: Team, customer: Customer, customer_user: User
) -> None:
    with pytest.raises(TransitionNotAllowed):
        services.proposal_fulfil(actor=agent, proposal=pending, given=True, reference="V")
    plain = services.proposal_create(
        actor=agent, ticket=confirmed(agent, customer, team, "sederhana"), summary="Kirim ulang."
    )
    plain = services.proposal_accept(actor=customer_user, proposal=plain)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.proposal_fulfil(actor=agent, proposal=plain, given=True)
    assert exc.value.message == "Usulan ini tanpa kompensasi."


def test_a_customer_cannot_record_fulfilment(accepted: Proposal, customer_user: User) -> None:
    with pytest.raises(PermissionDenied):
        services.proposal_fulfil(actor=customer_user, proposal=accepted, given=True, reference="V")
