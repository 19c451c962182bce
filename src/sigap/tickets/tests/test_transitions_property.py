"""Property: any sequence of service calls on one ticket keeps the ticket consistent.

Hypothesis draws a ticket (complaint or inquiry, simple or complex) and up to 20 calls by
the agent, the team supervisor and the customer; many are refused, and a refusal must
change nothing. After every call the invariants below must hold.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigap.accounts.models import Team, User
from sigap.core.errors import SigapError
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    OPEN_STATUSES,
    EventKind,
    MessageKind,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.tests.steps import APOLOGY, new_ticket


class World:
    def __init__(self, agent: User, supervisor: User, customer_user: User) -> None:
        self.agent = agent
        self.supervisor = supervisor
        self.customer_user = customer_user


def latest_proposal(ticket: Ticket) -> Proposal:
    proposal = Proposal.objects.filter(ticket=ticket).order_by("-id").first()
    if proposal is None:
        raise SigapError("Belum ada usulan.")  # nothing to answer: a refusal like any other
    return proposal


Action = Callable[[World, Ticket], object]

ACTIONS: dict[str, Action] = {
    "record": lambda w, t: services.ticket_record(actor=w.agent, ticket=t, facts="Resi 0123."),
    "confirm": lambda w, t: services.ticket_confirm(
        actor=w.agent, ticket=t, restatement="Paket belum sampai.", customer_confirmed=True
    ),
    "confirm_no": lambda w, t: services.ticket_confirm(
        actor=w.agent, ticket=t, restatement="Paket rusak.", customer_confirmed=False
    ),
    "apology": lambda w, t: services.apology_create(actor=w.agent, ticket=t, parts=APOLOGY),
    "work": lambda w, t: services.ticket_transition(actor=w.agent, ticket=t, to="in_progress"),
    "wait": lambda w, t: services.ticket_transition(actor=w.agent, ticket=t, to="waiting_customer"),
    "close_reason": lambda w, t: services.ticket_transition(
        actor=w.agent, ticket=t, to="closed", reason="Duplikat."
    ),
    "propose": lambda w, t: services.proposal_create(
        actor=w.agent,
        ticket=t,
        summary="Refund.",
        compensation_type="refund",
        compensation_amount=100_000,
    ),
    "approve": lambda w, t: services.proposal_approve(
        actor=w.supervisor, proposal=latest_proposal(t)
    ),
    "accept": lambda w, t: services.proposal_accept(
        actor=w.customer_user, proposal=latest_proposal(t)
    ),
    "reject": lambda w, t: services.proposal_reject(
        actor=w.customer_user, proposal=latest_proposal(t), reason="Kurang."
    ),
    "withdraw": lambda w, t: services.proposal_withdraw(actor=w.agent, proposal=latest_proposal(t)),
    "resolve": lambda w, t: services.ticket_resolve(actor=w.agent, ticket=t),
    "resolve_reason": lambda w, t: services.ticket_resolve(
        actor=w.agent, ticket=t, reason="Tidak dapat dihubungi."
    ),
    "close_thanks": lambda w, t: services.ticket_close(
        actor=w.agent, ticket=t, thanks="Terima kasih!"
    ),
    "reopen": lambda w, t: services.ticket_reopen(actor=w.agent, ticket=t, reason="Muncul lagi."),
    "reopen_generic": lambda w, t: services.ticket_transition(
        actor=w.agent, ticket=t, to="in_progress", reason="Muncul lagi."
    ),
    "inbound": lambda w, t: services.message_add(
        actor=w.customer_user, ticket=t, kind="inbound", body="Bagaimana?"
    ),
    "reply": lambda w, t: services.message_add(
        actor=w.agent, ticket=t, kind="reply", body="Kami cek."
    ),
    "note": lambda w, t: services.message_add(actor=w.agent, ticket=t, kind="note", body="Cek."),
    "reprioritise": lambda w, t: services.ticket_update(
        actor=w.agent,
        ticket=t,
        version=Ticket.objects.get(pk=t.pk).version,
        changes={"priority": 1 if Ticket.objects.get(pk=t.pk).priority != 1 else 4},
    ),
    "customer_tries_staff_step": lambda w, t: services.ticket_resolve(
        actor=w.customer_user, ticket=t, reason="Sudah."
    ),
}


# The customer's side of the conversation is drawn more often: answers to offers arrive
# between the agent's steps, which is where the procedure has its corners.
WEIGHTED = sorted(ACTIONS) + ["inbound", "accept", "reject", "propose", "approve"] * 2

# Where a drawn ticket starts, so short call lists still reach the later steps.
PREFIXES: dict[str, list[str]] = {
    "new": [],
    "recorded": ["record"],
    "confirmed": ["record", "confirm"],
    "offered": ["record", "confirm", "propose", "approve"],
    "waiting": ["record", "confirm", "work", "wait"],
}


def must_succeed(name: str, ticket: Ticket) -> bool:
    """Calls that may not be refused in this state: the customer can always answer an
    offer on an open ticket, and the team supervisor can always approve a pending one."""
    t = Ticket.objects.get(pk=ticket.pk)
    proposal = Proposal.objects.filter(ticket=t).order_by("-id").first()
    if not t.is_open or proposal is None:
        return False
    if name in ("accept", "reject"):
        return proposal.status == ProposalStatus.OFFERED
    if name == "approve":
        return proposal.status == ProposalStatus.PENDING_APPROVAL
    return False


def state(ticket: Ticket) -> tuple[int, list[int]]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return fresh.version, list(
        TimelineEvent.objects.filter(ticket=ticket).order_by("id").values_list("pk", flat=True)
    )


def check_invariants(ticket: Ticket) -> None:
    t = Ticket.objects.get(pk=ticket.pk)
    proposals = Proposal.objects.filter(ticket=t)

    assert t.status in Status.values
    assert proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).count() <= 1
    if t.status == Status.RESOLVED and t.kind == "complaint":
        assert proposals.filter(status=ProposalStatus.ACCEPTED).exists() or t.resolution_reason

    # the status_changed events form one chain from "new" to the current status
    chain = list(
        TimelineEvent.objects.filter(ticket=t, kind=EventKind.STATUS_CHANGED)
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    current = "new"
    for old, new in chain:
        assert old == current
        assert new != old
        current = new
    assert current == t.status

    # timestamps follow the status
    assert (t.resolved_at is not None) == (
        t.status == Status.RESOLVED or (t.status == Status.CLOSED and t.resolved_at is not None)
    )
    if t.status in OPEN_STATUSES:
        assert t.resolved_at is None
    assert (t.closed_at is not None) == (t.status == Status.CLOSED)
    has_reply = t.messages.filter(kind=MessageKind.REPLY).exists()
    assert (t.first_responded_at is not None) == has_reply


@pytest.mark.django_db
@pytest.mark.long  # a hypothesis search of 50 sequences
@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["complaint", "inquiry"]),
    severity=st.sampled_from(["sederhana", "kompleks"]),
    start=st.sampled_from(sorted(PREFIXES)),
    calls=st.lists(st.sampled_from(WEIGHTED), max_size=20),
)
def test_any_sequence_of_service_calls_keeps_the_ticket_consistent(
    agent: User,
    supervisor: User,
    customer_user: User,
    team: Team,
    customer: Customer,
    kind: str,
    severity: str,
    start: str,
    calls: list[str],
) -> None:
    world = World(agent, supervisor, customer_user)
    ticket = new_ticket(agent, customer, kind=kind, severity=severity, team=team, assignee=agent)
    check_invariants(ticket)

    for name in [*PREFIXES[start], *calls]:
        version, events = state(ticket)
        required = must_succeed(name, ticket)
        try:
            ACTIONS[name](world, ticket)
        except SigapError as exc:
            assert not required, f"{name} refused: {exc.message}"
            # a refusal changes nothing at all
            assert state(ticket) == (version, events), name
        else:
            new_version, new_events = state(ticket)
            assert new_version > version, name
            assert new_events[: len(events)] == events, name
            assert len(new_events) > len(events), name
        check_invariants(ticket)
