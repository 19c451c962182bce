"""The API's approvals: the rule's reason on a proposal, the queue of what the caller may
decide, approve / decline / request changes with a note, resubmit, fulfil; who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Proposal, Ticket
from sigap.tickets.tests.steps import drive_to
from tests.api_client import Api

pytestmark = pytest.mark.django_db


def _pending(agent: User, ticket: Ticket, amount: int = 500_000) -> Proposal:
    return services.proposal_create(
        actor=agent,
        ticket=drive_to(agent, ticket, "confirmed"),
        summary="Voucher belanja",
        compensation_type="voucher",
        compensation_amount=amount,
    )


@pytest.fixture
def pending(agent: User, ticket: Ticket) -> Proposal:
    return _pending(agent, ticket)


def test_a_proposal_says_why_it_needs_approval(agent: User, ticket: Ticket) -> None:
    drive_to(agent, ticket, "confirmed")
    created = Api(agent).post(
        f"/tickets/{ticket.pk}/proposals",
        {"summary": "Voucher", "compensation_type": "voucher", "compensation_amount": 500000},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["requires_approval"], body["approval_reason"]) == (
        "pending_approval",
        True,
        "nilai kompensasi ≥ Rp 250.000",
    )
    assert body["fulfilment"] == "none"


def test_the_queue_lists_only_what_the_caller_may_decide(
    pending: Proposal,
    supervisor: User,
    other_supervisor: User,
    admin: User,
    agent: User,
    outsider_agent: User,
    other_ticket: Ticket,
) -> None:
    theirs = _pending(outsider_agent, other_ticket)

    def ids(user: User) -> list[int]:
        response = Api(user).get("/approvals")
        assert response.status_code == 200
        return [p["id"] for p in response.json()]

    assert ids(supervisor) == [pending.pk]
    (entry,) = Api(supervisor).get("/approvals").json()
    case = entry["case"]
    assert (case["reference"], case["loyalty_tier"], case["previous_tickets"]) == (
        pending.ticket.reference,
        "gold",
        0,
    )
    assert case["facts"] == "Paket BLJ-2026-104233, 7 hari."
    assert entry["proposed_by"]["id"] == agent.pk
    assert ids(other_supervisor) == [theirs.pk]
    assert ids(admin) == [pending.pk, theirs.pk]
    assert ids(agent) == []


def test_request_changes_resubmit_approve_then_fulfil(
    pending: Proposal, agent: User, supervisor: User, customer_user: User
) -> None:
    boss, worker = Api(supervisor), Api(agent)
    p = f"/proposals/{pending.pk}"

    empty = boss.post(f"{p}/request-changes", {"note": ""})
    assert empty.status_code == 422
    assert empty.json()["error"]["fields"] == {"note": ["Wajib diisi."]}

    returned = boss.post(f"{p}/request-changes", {"note": "Turunkan nilainya."})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["review_note"]) == (
        "changes_requested",
        "Turunkan nilainya.",
    )
    assert returned.json()["reviewed_by"]["id"] == supervisor.pk
    assert [x["id"] for x in boss.get("/approvals", status="changes_requested").json()] == [
        pending.pk
    ]

    again = worker.post(
        f"{p}/resubmit",
        {"summary": "Voucher kecil", "compensation_type": "voucher", "compensation_amount": 150000},
    )
    assert (again.status_code, again.json()["status"]) == (200, "pending_approval")

    approved = boss.post(f"{p}/approve", {"note": "Setuju."})
    assert (approved.json()["status"], approved.json()["review_note"]) == ("offered", "Setuju.")
    assert Api(customer_user).post(f"{p}/accept").status_code == 200
    assert [x["id"] for x in boss.get("/approvals/unfulfilled").json()] == [pending.pk]

    missing = worker.post(f"{p}/fulfil", {"given": True})
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"] == {"reference": ["Wajib diisi."]}
    done = worker.post(f"{p}/fulfil", {"given": True, "reference": "VCR-9"})
    assert done.status_code == 200
    assert (done.json()["fulfilment"], done.json()["compensation_reference"]) == ("given", "VCR-9")
    assert done.json()["compensation_recorded_by"]["id"] == agent.pk
    assert boss.get("/approvals/unfulfilled").json() == []


def test_decline_needs_a_note(pending: Proposal, supervisor: User) -> None:
    api = Api(supervisor)
    assert api.post(f"/proposals/{pending.pk}/decline", {}).status_code == 422
    declined = api.post(f"/proposals/{pending.pk}/decline", {"note": "Di luar kebijakan."})
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")


@pytest.mark.parametrize("action", ["approve", "decline", "request-changes"])
@pytest.mark.parametrize(
    ("who", "status"),
    [("agent", 403), ("other_supervisor", 403), ("outsider_agent", 404), ("customer_user", 404)],
)
def test_who_may_not_decide(
    request: pytest.FixtureRequest,
    pending: Proposal,
    other_team: Team,
    action: str,
    who: str,
    status: int,
) -> None:
    response = Api(request.getfixturevalue(who)).post(
        f"/proposals/{pending.pk}/{action}", {"note": "Saya putuskan."}
    )
    assert response.status_code == status, response.content
    assert Proposal.objects.get(pk=pending.pk).status == "pending_approval"


def test_a_customer_neither_sees_the_staff_fields_nor_fulfils(
    pending: Proposal, supervisor: User, customer_user: User
) -> None:
    services.proposal_approve(actor=supervisor, proposal=pending, note="Catatan internal.")
    cust = Api(customer_user)
    (mine,) = cust.get(f"/tickets/{pending.ticket_id}/proposals").json()
    assert (mine["approval_reason"], mine["review_note"], mine["reviewed_by"]) == ("", "", None)
    services.proposal_accept(actor=customer_user, proposal=pending)
    assert (
        cust.post(f"/proposals/{pending.pk}/fulfil", {"given": True, "reference": "X"}).status_code
        == 403
    )


def test_a_customer_does_not_find_a_proposal_returned_for_changes(
    pending: Proposal, supervisor: User, customer_user: User
) -> None:
    services.proposal_request_changes(actor=supervisor, proposal=pending, note="Ubah.")
    response = Api(customer_user).post(f"/proposals/{pending.pk}/accept")
    assert response.status_code == 404


def test_the_queue_counts_queries_not_proposals(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    api = Api(supervisor)

    def count() -> int:
        """The fewer of two reads: a cached token check that expired on the way (a few
        seconds, which a loaded machine can spend between two reads) adds a statement to
        one read; a statement per proposal would be in both."""
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert api.get("/approvals").status_code == 200
            counts.append(len(queries.captured_queries))
        return min(counts)

    def more(n: int) -> None:
        for _ in range(n):
            t: Any = services.ticket_create(
                actor=agent,
                customer=customer,
                kind="complaint",
                channel="email",
                subject="Barang rusak",
                description="Rusak.",
                severity="sederhana",
                team=team,
                assignee=agent,
            )
            _pending(agent, t)

    more(1)
    count()  # the token's first use records it: not counted
    few = count()
    more(6)
    assert count() == few
