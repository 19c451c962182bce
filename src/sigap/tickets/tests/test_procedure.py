"""The complaint procedure end to end through the services (DOMAIN.md §4 and §6):
Simak → Catat → Konfirmasi → apology (5 R) → proposal → approval → answer → resolve → close.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from time_machine import TimeMachineFixture

from sigap.accounts.models import Team, User
from sigap.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import (
    Apology,
    Confirmation,
    EventKind,
    Message,
    MessageKind,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.tests.steps import APOLOGY, drive_to, event_ids, events_of, new_ticket

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 WIB


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def complex_ticket(agent: User, team: Team, customer: Customer) -> Ticket:
    return new_ticket(agent, customer, severity="kompleks", team=team, assignee=agent)


def confirmed(agent: User, ticket: Ticket) -> Ticket:
    return drive_to(agent, ticket, Status.CONFIRMED)


# --- the whole path ---------------------------------------------------------------------------


def test_a_complex_complaint_walks_the_whole_procedure(
    agent: User, supervisor: User, team: Team, customer: Customer, customer_user: User
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        # Simak: the complaint arrives
        ticket = new_ticket(agent, customer, severity="kompleks", team=team, assignee=agent)
        assert (ticket.status, ticket.first_responded_at) == (Status.NEW, None)

        # Catat
        clock.move_to(at(5))
        ticket = services.ticket_record(
            actor=agent, ticket=ticket, facts="Refund diajukan 3 Nov, belum masuk."
        )
        assert ticket.facts == "Refund diajukan 3 Nov, belum masuk."

        # Konfirmasi: first the customer does not agree, then they do
        clock.move_to(at(10))
        services.ticket_confirm(
            actor=agent,
            ticket=ticket,
            restatement="Refund Rp 1.250.000 belum masuk.",
            customer_confirmed=False,
            customer_response="Bukan, yang belum masuk Rp 1.500.000.",
        )
        assert Ticket.objects.get(pk=ticket.pk).status == Status.RECORDED
        services.ticket_confirm(
            actor=agent,
            ticket=ticket,
            restatement="Refund Rp 1.500.000 belum masuk.",
            customer_confirmed=True,
        )

        # apology with the 5 R: the first reply to the customer
        clock.move_to(at(15))
        services.apology_create(actor=agent, ticket=ticket, parts=APOLOGY)
        assert Ticket.objects.get(pk=ticket.pk).first_responded_at == at(15)

        # proposal on a complex ticket waits for the supervisor
        first = services.proposal_create(
            actor=agent,
            ticket=ticket,
            summary="Refund ulang Rp 1.500.000 dalam 3 hari kerja.",
            compensation_type="refund",
            compensation_amount=1_500_000,
        )
        assert first.status == ProposalStatus.PENDING_APPROVAL
        services.proposal_approve(actor=supervisor, proposal=first)

        # the customer rejects; the alternative is approved and accepted
        services.proposal_reject(
            actor=customer_user, proposal=first, reason="Saya butuh dananya hari ini."
        )
        second = services.proposal_create(
            actor=agent,
            ticket=ticket,
            summary="Refund hari ini plus voucher Rp 50.000.",
            compensation_type="voucher",
            compensation_amount=50_000,
        )
        assert second.alternative_to == first
        services.proposal_approve(actor=supervisor, proposal=second)
        services.proposal_accept(actor=customer_user, proposal=second)

        # Selesaikan, reopen, resolve again, close with thanks
        clock.move_to(at(60))
        services.ticket_resolve(actor=agent, ticket=ticket)
        assert Ticket.objects.get(pk=ticket.pk).resolved_at == at(60)
        clock.move_to(at(90))
        services.ticket_reopen(actor=agent, ticket=ticket, reason="Voucher belum terkirim.")
        assert Ticket.objects.get(pk=ticket.pk).resolved_at is None
        clock.move_to(at(120))
        services.ticket_resolve(actor=agent, ticket=ticket)
        clock.move_to(at(180))
        services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sudah kami kirim.")
        services.ticket_close(
            actor=agent, ticket=ticket, thanks="Terima kasih, Kak Budi, atas kesabarannya."
        )

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert (ticket.first_responded_at, ticket.resolved_at, ticket.closed_at) == (
        at(15),
        at(120),
        at(180),
    )
    assert ticket.resolution_reason == ""
    assert events_of(ticket) == [
        (EventKind.CREATED, None, None),
        (EventKind.MESSAGE_RECEIVED, None, None),
        (EventKind.RECORDED, None, None),
        (EventKind.STATUS_CHANGED, "new", "recorded"),
        (EventKind.CONFIRMATION, None, None),
        (EventKind.CONFIRMATION, None, None),
        (EventKind.STATUS_CHANGED, "recorded", "confirmed"),
        (EventKind.REPLY_SENT, None, None),
        (EventKind.APOLOGY, None, None),
        (EventKind.PROPOSAL_CREATED, None, None),
        (EventKind.STATUS_CHANGED, "confirmed", "in_progress"),
        (EventKind.PROPOSAL_APPROVED, None, None),
        (EventKind.STATUS_CHANGED, "in_progress", "waiting_customer"),
        (EventKind.SLA_PAUSED, None, None),  # the customer has the ball: the clock stops
        (EventKind.PROPOSAL_REJECTED, None, None),
        (EventKind.STATUS_CHANGED, "waiting_customer", "in_progress"),
        (EventKind.SLA_RESUMED, None, None),
        (EventKind.PROPOSAL_CREATED, None, None),
        (EventKind.PROPOSAL_APPROVED, None, None),
        (EventKind.STATUS_CHANGED, "in_progress", "waiting_customer"),
        (EventKind.SLA_PAUSED, None, None),
        (EventKind.PROPOSAL_ACCEPTED, None, None),
        (EventKind.STATUS_CHANGED, "waiting_customer", "in_progress"),
        (EventKind.SLA_RESUMED, None, None),
        (EventKind.STATUS_CHANGED, "in_progress", "resolved"),
        (EventKind.STATUS_CHANGED, "resolved", "in_progress"),
        (EventKind.STATUS_CHANGED, "in_progress", "resolved"),
        (EventKind.REPLY_SENT, None, None),
        (EventKind.REPLY_SENT, None, None),
        (EventKind.STATUS_CHANGED, "resolved", "closed"),
    ]
    # the customer sees the kronologi without the internal steps
    public = list(
        TimelineEvent.objects.filter(ticket=ticket, public=True)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert EventKind.RECORDED not in public
    assert public.count(EventKind.PROPOSAL_CREATED) == 0  # both waited for approval
    assert public.count(EventKind.PROPOSAL_APPROVED) == 2
    assert list(ticket.messages.values_list("kind", flat=True)) == [
        MessageKind.INBOUND,
        MessageKind.REPLY,
        MessageKind.REPLY,
        MessageKind.REPLY,
    ]


# --- Simak, Catat, Konfirmasi ---------------------------------------------------------------


def test_recording_facts_moves_a_new_complaint_to_recorded(agent: User, ticket: Ticket) -> None:
    result = services.ticket_record(actor=agent, ticket=ticket, facts="  Resi JNE 0123.  ")

    assert (result.status, result.facts, result.version) == ("recorded", "Resi JNE 0123.", 3)
    event = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.RECORDED)
    assert (event.data, event.public, event.actor) == ({"facts": "Resi JNE 0123."}, False, agent)


def test_recording_empty_facts_is_rejected_and_changes_nothing(agent: User, ticket: Ticket) -> None:
    before = event_ids(ticket)

    with pytest.raises(ValidationFailed) as exc:
        services.ticket_record(actor=agent, ticket=ticket, facts="   ")

    assert exc.value.fields == {"facts": ["Wajib diisi."]}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.facts, ticket.version, event_ids(ticket)) == (
        "new",
        "",
        1,
        before,
    )


def test_an_unconfirmed_restatement_keeps_the_ticket_recorded_but_is_on_the_timeline(
    agent: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, Status.RECORDED)

    confirmation = services.ticket_confirm(
        actor=agent,
        ticket=ticket,
        restatement="Paket belum sampai.",
        customer_confirmed=False,
        customer_response="  Paketnya sampai, tapi isinya rusak.  ",
    )

    assert (confirmation.customer_confirmed, confirmation.customer_response) == (
        False,
        "Paketnya sampai, tapi isinya rusak.",
    )
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == Status.RECORDED
    assert fresh.version == ticket.version + 1
    event = TimelineEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.kind, event.public, event.data) == (
        EventKind.CONFIRMATION,
        True,
        {
            "restatement": "Paket belum sampai.",
            "customer_confirmed": False,
            "response": "Paketnya sampai, tapi isinya rusak.",
        },
    )


def test_a_confirmed_restatement_moves_the_ticket_to_confirmed(agent: User, ticket: Ticket) -> None:
    ticket = drive_to(agent, ticket, Status.RECORDED)

    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Paket belum sampai.", customer_confirmed=True
    )

    assert Ticket.objects.get(pk=ticket.pk).status == Status.CONFIRMED
    assert Confirmation.objects.filter(ticket=ticket, customer_confirmed=True).count() == 1


def test_confirmation_before_recording_is_refused(agent: User, ticket: Ticket) -> None:
    with pytest.raises(TransitionNotAllowed) as exc:
        services.ticket_confirm(
            actor=agent, ticket=ticket, restatement="Paket belum sampai.", customer_confirmed=True
        )

    assert exc.value.message == "Catat fakta dan kronologi dulu sebelum konfirmasi."
    assert not Confirmation.objects.exists()


@pytest.mark.parametrize("kind", ["inquiry", "request"])
def test_inquiries_and_requests_may_go_straight_to_work(
    agent: User, team: Team, customer: Customer, kind: str
) -> None:
    ticket = new_ticket(agent, customer, kind=kind, team=team)

    result = services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")

    assert result.status == Status.IN_PROGRESS


def test_a_complaint_may_not_go_straight_to_work(agent: User, ticket: Ticket) -> None:
    with pytest.raises(TransitionNotAllowed) as exc:
        services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")

    assert exc.value.message.startswith("Keluhan harus dicatat dan dikonfirmasi")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


# --- apology ----------------------------------------------------------------------------------


def test_an_apology_without_all_five_r_is_rejected_with_field_errors(
    agent: User, ticket: Ticket
) -> None:
    ticket = confirmed(agent, ticket)
    parts = {**APOLOGY, "remorse": "  ", "repetition": ""}
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(ValidationFailed) as exc:
        services.apology_create(actor=agent, ticket=ticket, parts=parts)

    assert exc.value.message == "Permintaan maaf harus memuat kelima unsur 5R."
    assert exc.value.fields == {"remorse": ["Wajib diisi."], "repetition": ["Wajib diisi."]}
    ticket.refresh_from_db()
    assert (ticket.version, event_ids(ticket)) == before
    assert not Apology.objects.exists()
    assert ticket.messages.count() == 1


def test_an_apology_is_sent_as_a_public_reply(agent: User, ticket: Ticket) -> None:
    ticket = confirmed(agent, ticket)

    apology = services.apology_create(actor=agent, ticket=ticket, parts=APOLOGY)

    message = apology.message
    assert message is not None
    assert (message.kind, message.channel, message.author) == ("reply", "whatsapp", agent)
    assert message.body == "\n\n".join(APOLOGY[p] for p in services.APOLOGY_PARTS)
    assert message.is_public
    assert [(e.kind, e.public) for e in TimelineEvent.objects.filter(ticket=ticket)][-2:] == [
        (EventKind.REPLY_SENT, True),
        (EventKind.APOLOGY, True),
    ]
    assert TimelineEvent.objects.get(kind=EventKind.APOLOGY).data == {"apology_id": apology.pk}


def test_an_apology_recorded_without_sending_adds_no_message(agent: User, ticket: Ticket) -> None:
    ticket = confirmed(agent, ticket)

    apology = services.apology_create(actor=agent, ticket=ticket, parts=APOLOGY, send=False)

    assert apology.message is None
    assert ticket.messages.count() == 1
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None


# --- proposals --------------------------------------------------------------------------------


def test_a_proposal_on_a_simple_ticket_is_offered_at_once(agent: User, ticket: Ticket) -> None:
    ticket = confirmed(agent, ticket)

    proposal = services.proposal_create(
        actor=agent, ticket=ticket, summary="Kirim ulang paket.", compensation_type="replacement"
    )

    assert (proposal.status, proposal.requires_approval, proposal.alternative_to) == (
        ProposalStatus.OFFERED,
        False,
        None,
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_CUSTOMER
    created = TimelineEvent.objects.get(ticket=ticket, kind=EventKind.PROPOSAL_CREATED)
    assert created.public is True
    assert created.data == {
        "proposal_id": proposal.pk,
        "summary": "Kirim ulang paket.",
        "compensation_type": "replacement",
        "compensation_amount": 0,
        "status": "offered",
    }


def test_a_proposal_on_a_complex_ticket_waits_for_approval_hidden_from_the_customer(
    agent: User, complex_ticket: Ticket
) -> None:
    ticket = confirmed(agent, complex_ticket)

    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")

    assert (proposal.status, proposal.requires_approval) == (ProposalStatus.PENDING_APPROVAL, True)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    assert TimelineEvent.objects.get(kind=EventKind.PROPOSAL_CREATED).public is False


@pytest.mark.parametrize("approver", ["supervisor", "admin"])
def test_the_team_supervisor_or_an_admin_approves_a_complex_proposal(
    request: pytest.FixtureRequest, agent: User, complex_ticket: Ticket, approver: str
) -> None:
    user = request.getfixturevalue(approver)
    ticket = confirmed(agent, complex_ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")

    approved = services.proposal_approve(actor=user, proposal=proposal)

    assert (approved.status, approved.approved_by) == (ProposalStatus.OFFERED, user)
    assert approved.approved_at is not None
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_CUSTOMER
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_APPROVED)
    assert (event.actor, event.public) == (user, True)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("agent", "Hanya supervisor yang dapat menyetujui usulan ini."),
        ("outsider_agent", "Hanya supervisor yang dapat menyetujui usulan ini."),
        ("other_supervisor", "Hanya supervisor tim ini yang dapat menyetujui usulan ini."),
        ("customer_user", "Hanya supervisor yang dapat menyetujui usulan ini."),
    ],
)
def test_only_the_team_supervisor_may_approve(
    request: pytest.FixtureRequest,
    agent: User,
    other_team: Team,
    complex_ticket: Ticket,
    who: str,
    message: str,
) -> None:
    user = request.getfixturevalue(who)
    ticket = confirmed(agent, complex_ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")
    before = (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket))

    with pytest.raises(PermissionDenied) as exc:
        services.proposal_approve(actor=user, proposal=proposal)

    assert exc.value.message == message
    proposal.refresh_from_db()
    assert (proposal.status, proposal.approved_by, proposal.approved_at) == (
        ProposalStatus.PENDING_APPROVAL,
        None,
        None,
    )
    assert (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket)) == before


def test_any_supervisor_approves_on_a_ticket_without_a_team(
    agent: User, other_supervisor: User, customer: Customer
) -> None:
    ticket = confirmed(agent, new_ticket(agent, customer, severity="kompleks"))
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")

    approved = services.proposal_approve(actor=other_supervisor, proposal=proposal)

    assert approved.status == ProposalStatus.OFFERED


def test_an_inactive_supervisor_may_not_approve(
    agent: User, supervisor: User, complex_ticket: Ticket
) -> None:
    ticket = confirmed(agent, complex_ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])

    with pytest.raises(PermissionDenied):
        services.proposal_approve(actor=supervisor, proposal=proposal)

    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING_APPROVAL


def test_approving_twice_is_refused(agent: User, supervisor: User, complex_ticket: Ticket) -> None:
    ticket = confirmed(agent, complex_ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")
    services.proposal_approve(actor=supervisor, proposal=proposal)

    with pytest.raises(TransitionNotAllowed) as exc:
        services.proposal_approve(actor=supervisor, proposal=proposal)

    assert exc.value.message == "Usulan ini tidak sedang menunggu persetujuan."


def test_a_customer_may_not_answer_a_proposal_still_waiting_for_approval(
    agent: User, customer_user: User, complex_ticket: Ticket
) -> None:
    ticket = confirmed(agent, complex_ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")

    with pytest.raises(TransitionNotAllowed) as exc:
        services.proposal_accept(actor=customer_user, proposal=proposal)

    assert exc.value.message == (
        "Usulan ini tidak sedang ditawarkan kepada pelanggan "
        "(status: Menunggu persetujuan supervisor)."
    )


def test_a_rejection_needs_a_reason_and_returns_the_ticket_to_work(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = confirmed(agent, ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_reject(actor=customer_user, proposal=proposal, reason="  ")
    assert exc.value.fields == {"reason": ["Wajib diisi."]}
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OFFERED

    rejected = services.proposal_reject(
        actor=customer_user, proposal=proposal, reason="  Saya mau refund saja.  "
    )

    assert (rejected.status, rejected.rejection_reason) == (
        ProposalStatus.REJECTED,
        "Saya mau refund saja.",
    )
    assert rejected.answered_at is not None
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_REJECTED)
    assert (event.actor, event.public, event.data["reason"]) == (
        customer_user,
        True,
        "Saya mau refund saja.",
    )


def test_the_next_proposal_after_a_rejection_is_its_alternative(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = confirmed(agent, ticket)
    first = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    services.proposal_reject(actor=customer_user, proposal=first, reason="Mau refund.")

    second = services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary="Refund penuh.",
        compensation_type="refund",
        compensation_amount=249_000,
    )
    withdrawn = services.proposal_withdraw(actor=agent, proposal=second)
    third = services.proposal_create(actor=agent, ticket=ticket, summary="Voucher.")

    assert second.alternative_to == first
    assert withdrawn.status == ProposalStatus.WITHDRAWN
    assert third.alternative_to is None  # the rejection already has its alternative


def test_only_one_proposal_may_be_open_at_a_time(agent: User, ticket: Ticket) -> None:
    ticket = confirmed(agent, ticket)
    services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    before = event_ids(ticket)

    with pytest.raises(Conflict) as exc:
        services.proposal_create(actor=agent, ticket=ticket, summary="Refund.")

    assert exc.value.message == "Masih ada usulan yang belum dijawab. Tarik dulu usulan itu."
    assert ticket.proposals.count() == 1
    assert event_ids(ticket) == before


@pytest.mark.parametrize("status", ["new", "recorded", "resolved", "closed"])
def test_proposals_are_only_made_between_confirmation_and_resolution(
    agent: User, ticket: Ticket, status: str
) -> None:
    ticket = drive_to(agent, ticket, status)

    with pytest.raises(TransitionNotAllowed):
        services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")

    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("compensation_type", "amount", "fields"),
    [
        ("none", 10_000, {"compensation_amount": ["Isi jenis kompensasi bila ada nilainya."]}),
        ("refund", 0, {"compensation_amount": ["Nilai pengembalian dana/voucher wajib diisi."]}),
        ("voucher", 0, {"compensation_amount": ["Nilai pengembalian dana/voucher wajib diisi."]}),
        ("gift", -1, {"compensation_amount": ["Tidak boleh negatif."]}),
        ("cash", 0, {"compensation_type": ["Pilihan tidak valid."]}),
    ],
)
def test_a_proposal_with_inconsistent_compensation_is_rejected(
    agent: User, ticket: Ticket, compensation_type: str, amount: int, fields: dict[str, list[str]]
) -> None:
    ticket = confirmed(agent, ticket)

    with pytest.raises(ValidationFailed) as exc:
        services.proposal_create(
            actor=agent,
            ticket=ticket,
            summary="Kompensasi.",
            compensation_type=compensation_type,
            compensation_amount=amount,
        )

    assert exc.value.fields == fields
    assert not Proposal.objects.exists()


def test_accepting_returns_the_ticket_to_work(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = confirmed(agent, ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")

    accepted = services.proposal_accept(actor=customer_user, proposal=proposal)

    assert accepted.status == ProposalStatus.ACCEPTED
    assert accepted.answered_at is not None
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_a_customer_who_wrote_after_the_offer_can_still_answer_it(
    agent: User, customer_user: User, ticket: Ticket, answer: str
) -> None:
    # given an offer, then a message from the customer (which resumes the ticket)
    ticket = confirmed(agent, ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    services.message_add(
        actor=customer_user, ticket=ticket, kind="inbound", body="Oke, saya pikir."
    )
    resumed = Ticket.objects.get(pk=ticket.pk)
    assert resumed.status == Status.IN_PROGRESS

    # when they answer the offer
    if answer == "accept":
        services.proposal_accept(actor=customer_user, proposal=proposal)
    else:
        services.proposal_reject(actor=customer_user, proposal=proposal, reason="Tidak cocok.")

    # then the answer is recorded and the ticket stays in progress
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.status == Status.IN_PROGRESS
    assert after.version == resumed.version + 1
    expected = {"accept": ProposalStatus.ACCEPTED, "reject": ProposalStatus.REJECTED}[answer]
    assert Proposal.objects.get(pk=proposal.pk).status == expected


def test_withdrawing_an_offer_returns_the_ticket_to_work(agent: User, ticket: Ticket) -> None:
    ticket = confirmed(agent, ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")

    withdrawn = services.proposal_withdraw(actor=agent, proposal=proposal, reason="Salah tulis.")

    assert withdrawn.status == ProposalStatus.WITHDRAWN
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_WITHDRAWN)
    assert (event.public, event.data["reason"]) == (True, "Salah tulis.")


def test_approving_and_withdrawing_bump_the_version_even_without_a_status_change(
    agent: User, supervisor: User, complex_ticket: Ticket
) -> None:
    ticket = drive_to(agent, complex_ticket, Status.WAITING_CUSTOMER)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Refund penuh.")
    v1 = Ticket.objects.get(pk=ticket.pk).version

    services.proposal_approve(actor=supervisor, proposal=proposal)
    v2 = Ticket.objects.get(pk=ticket.pk).version
    services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
    second = services.proposal_withdraw(actor=agent, proposal=proposal)
    v3 = Ticket.objects.get(pk=ticket.pk).version

    assert second.status == ProposalStatus.WITHDRAWN
    assert v2 == v1 + 1
    assert v3 == v2 + 2  # the transition, then the withdrawal


# --- resolution, closing, reopening ---------------------------------------------------------


def test_resolving_a_complaint_needs_an_accepted_proposal_or_a_reason(
    agent: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, Status.IN_PROGRESS)
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(TransitionNotAllowed) as exc:
        services.ticket_resolve(actor=agent, ticket=ticket, reason="  ")

    assert exc.value.message == (
        "Keluhan hanya dapat diselesaikan dengan usulan yang diterima pelanggan "
        "atau dengan alasan yang dicatat."
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.version, event_ids(ticket)) == (
        "in_progress",
        None,
        *before,
    )


def test_a_complaint_resolves_with_a_recorded_reason(
    agent: User, ticket: Ticket, time_machine: TimeMachineFixture
) -> None:
    ticket = drive_to(agent, ticket, Status.IN_PROGRESS)
    time_machine.move_to(T0, tick=False)

    resolved = services.ticket_resolve(
        actor=agent, ticket=ticket, reason="  Pelanggan tidak dapat dihubungi 3 hari.  "
    )

    assert (resolved.status, resolved.resolved_at, resolved.resolution_reason) == (
        "resolved",
        T0,
        "Pelanggan tidak dapat dihubungi 3 hari.",
    )
    last = TimelineEvent.objects.filter(ticket=ticket).latest("id")
    assert last.data == {"reason": "Pelanggan tidak dapat dihubungi 3 hari."}


def test_a_complaint_resolves_with_an_accepted_proposal(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = confirmed(agent, ticket)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    services.proposal_accept(actor=customer_user, proposal=proposal)

    resolved = services.ticket_resolve(actor=agent, ticket=ticket)

    assert (resolved.status, resolved.resolution_reason) == ("resolved", "")


def test_a_confirmed_complaint_resolves_through_in_progress(agent: User, ticket: Ticket) -> None:
    ticket = confirmed(agent, ticket)

    services.ticket_resolve(actor=agent, ticket=ticket, reason="Masalah selesai sendiri.")

    assert events_of(ticket)[-2:] == [
        (EventKind.STATUS_CHANGED, "confirmed", "in_progress"),
        (EventKind.STATUS_CHANGED, "in_progress", "resolved"),
    ]


@pytest.mark.parametrize("kind", ["complaint", "inquiry"])
def test_a_ticket_with_an_open_proposal_does_not_resolve(
    agent: User, team: Team, customer: Customer, kind: str
) -> None:
    ticket = drive_to(agent, new_ticket(agent, customer, kind=kind, team=team), Status.CONFIRMED)
    services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")

    with pytest.raises(TransitionNotAllowed) as exc:
        services.ticket_resolve(actor=agent, ticket=ticket, reason="Selesai.")

    assert exc.value.message == "Masih ada usulan yang belum dijawab pelanggan."
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_CUSTOMER


def test_an_inquiry_resolves_without_a_proposal_or_reason(
    agent: User, team: Team, customer: Customer
) -> None:
    ticket = new_ticket(agent, customer, kind="inquiry", team=team)
    services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")

    resolved = services.ticket_resolve(actor=agent, ticket=ticket)

    assert resolved.status == Status.RESOLVED


def test_closing_with_thanks_adds_a_public_reply(
    agent: User, team: Team, customer: Customer, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(at(-60), tick=False)
    ticket = drive_to(agent, new_ticket(agent, customer, team=team), Status.RESOLVED)
    time_machine.move_to(T0, tick=False)

    closed = services.ticket_close(actor=agent, ticket=ticket, thanks="  Terima kasih, Kak Budi!  ")

    assert (closed.status, closed.closed_at, closed.first_responded_at) == ("closed", T0, T0)
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert (reply.body, reply.author, reply.channel) == (
        "Terima kasih, Kak Budi!",
        agent,
        "whatsapp",
    )
    assert events_of(ticket)[-2:] == [
        (EventKind.REPLY_SENT, None, None),
        (EventKind.STATUS_CHANGED, "resolved", "closed"),
    ]


def test_closing_an_unresolved_ticket_with_thanks_but_no_reason_leaves_no_reply(
    agent: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, Status.IN_PROGRESS)
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(TransitionNotAllowed):
        services.ticket_close(actor=agent, ticket=ticket, thanks="Terima kasih!")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_responded_at) == ("in_progress", None)
    assert (ticket.version, event_ids(ticket)) == before
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()


@pytest.mark.parametrize("kind", ["inbound", "reply"])
def test_a_closed_ticket_refuses_messages(
    agent: User, customer_user: User, ticket: Ticket, kind: str
) -> None:
    ticket = drive_to(agent, ticket, Status.CLOSED)
    actor = customer_user if kind == "inbound" else agent
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(Conflict) as exc:
        services.message_add(actor=actor, ticket=ticket, kind=kind, body="Halo?")

    assert exc.value.message == (
        f"Tiket {ticket.reference} sudah ditutup. Silakan buat tiket baru untuk masalah ini."
    )
    assert ticket.messages.count() == 1
    ticket.refresh_from_db()
    assert (ticket.version, event_ids(ticket)) == before


def test_a_closed_ticket_still_takes_internal_notes(agent: User, ticket: Ticket) -> None:
    ticket = drive_to(agent, ticket, Status.CLOSED)

    note = services.message_add(actor=agent, ticket=ticket, kind="note", body="Arsip: kasus kurir.")

    assert (note.kind, Ticket.objects.get(pk=ticket.pk).status) == ("note", "closed")


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("record", Conflict),
        ("confirm", Conflict),
        ("apology", Conflict),
    ],
)
def test_procedure_steps_are_refused_on_a_closed_ticket(
    agent: User, ticket: Ticket, step: str, error: type[Exception]
) -> None:
    ticket = drive_to(agent, ticket, Status.CLOSED)
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(error):
        if step == "record":
            services.ticket_record(actor=agent, ticket=ticket, facts="Tambahan.")
        elif step == "confirm":
            services.ticket_confirm(
                actor=agent, ticket=ticket, restatement="Ulang.", customer_confirmed=True
            )
        else:
            services.apology_create(actor=agent, ticket=ticket, parts=APOLOGY)

    ticket.refresh_from_db()
    assert (ticket.version, event_ids(ticket)) == before


def test_reopening_a_resolved_ticket_needs_a_reason(agent: User, ticket: Ticket) -> None:
    ticket = drive_to(agent, ticket, Status.RESOLVED)

    with pytest.raises(ValidationFailed) as exc:
        services.ticket_reopen(actor=agent, ticket=ticket, reason=" ")
    assert exc.value.message == "Sebutkan alasan membuka kembali."

    reopened = services.ticket_reopen(actor=agent, ticket=ticket, reason="Paket salah isi.")

    assert (reopened.status, reopened.resolved_at) == ("in_progress", None)
    last = TimelineEvent.objects.filter(ticket=ticket).latest("id")
    assert (last.old_value, last.new_value, last.data) == (
        "resolved",
        "in_progress",
        {"reason": "Paket salah isi."},
    )


def test_a_closed_ticket_cannot_be_reopened(agent: User, ticket: Ticket) -> None:
    ticket = drive_to(agent, ticket, Status.CLOSED)

    with pytest.raises(TransitionNotAllowed) as exc:
        services.ticket_reopen(actor=agent, ticket=ticket, reason="Masih rusak.")

    assert exc.value.message == "Status tidak dapat diubah dari 'Ditutup' ke 'Diproses'."


@pytest.mark.parametrize(
    "call",
    [
        lambda u, t: services.ticket_record(actor=u, ticket=t, facts="Fakta."),
        lambda u, t: services.ticket_confirm(
            actor=u, ticket=t, restatement="Ulang.", customer_confirmed=True
        ),
        lambda u, t: services.apology_create(actor=u, ticket=t, parts=APOLOGY),
        lambda u, t: services.proposal_create(actor=u, ticket=t, summary="Refund."),
        lambda u, t: services.ticket_transition(actor=u, ticket=t, to="closed", reason="Spam."),
        lambda u, t: services.ticket_resolve(actor=u, ticket=t, reason="Selesai."),
        lambda u, t: services.ticket_close(actor=u, ticket=t, reason="Selesai."),
        lambda u, t: services.ticket_reopen(actor=u, ticket=t, reason="Lagi."),
    ],
    ids=["record", "confirm", "apology", "propose", "transition", "resolve", "close", "reopen"],
)
def test_a_customer_may_not_perform_staff_steps(
    customer_user: User, ticket: Ticket, call: object
) -> None:
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(PermissionDenied) as exc:
        call(customer_user, ticket)  # type: ignore[operator]

    assert exc.value.message == "Hanya petugas yang dapat melakukan tindakan ini."
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, event_ids(ticket)) == ("new", *before)


def test_a_customer_cannot_set_severity_or_category_of_a_portal_ticket(
    customer_user: User, customer: Customer
) -> None:
    created = services.ticket_create(
        actor=customer_user,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Darurat",
        description="Tolong segera",
        severity="penting",
        category="mechanical",
    )

    assert (created.channel, created.severity, created.category) == ("portal", "", "")
    assert created.priority == 2  # P3 for an unassessed ticket, one step up for gold


def test_unknown_choice_values_are_refused_before_the_database_sees_them(
    agent: User, customer: Customer
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="merpati-pos",
            subject="s",
            description="d",
        )
    assert caught.value.fields == {"channel": ["Pilihan tidak valid."]}
    assert Ticket.objects.count() == 0


def test_closing_withdraws_an_offer_nobody_answered(agent: User, ticket: Ticket) -> None:
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta.")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Paket hilang.", customer_confirmed=True
    )
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang")
    ticket.refresh_from_db()

    services.ticket_close(actor=agent, ticket=ticket, reason="Pelanggan membatalkan pesanan.")

    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert ticket.events.filter(kind="proposal_withdrawn").count() == 1
