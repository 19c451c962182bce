"""The transition table: every (from, to) pair of Status, and how the service refuses one.

The expected table is written out here again on purpose: an edit of ``ALLOWED`` that
nobody meant shows up as a failing pair, not as a silently different product.
"""

from __future__ import annotations

import itertools

import pytest

from sigap.accounts.models import User
from sigap.core.errors import TransitionNotAllowed, ValidationFailed
from sigap.tickets import services
from sigap.tickets.models import EventKind, Status, Ticket, TimelineEvent
from sigap.tickets.tests.steps import drive_to, event_ids
from sigap.tickets.transitions import ALLOWED, check_transition, procedure_steps

S = Status

EXPECTED: set[tuple[str, str]] = {
    ("new", "recorded"),
    ("new", "in_progress"),
    ("new", "closed"),
    ("recorded", "confirmed"),
    ("recorded", "in_progress"),
    ("recorded", "closed"),
    ("confirmed", "in_progress"),
    ("confirmed", "waiting_customer"),
    ("confirmed", "closed"),
    ("in_progress", "waiting_customer"),
    ("in_progress", "resolved"),
    ("in_progress", "closed"),
    ("waiting_customer", "in_progress"),
    ("waiting_customer", "resolved"),
    ("waiting_customer", "closed"),
    ("resolved", "closed"),
    ("resolved", "in_progress"),
}
COMPLAINT_ONLY_FORBIDDEN = {("new", "in_progress"), ("recorded", "in_progress")}
OPEN = ["new", "recorded", "confirmed", "in_progress", "waiting_customer"]
ALL_PAIRS = list(itertools.product(S.values, S.values))
LABEL = {
    "new": "Baru (Simak)",
    "recorded": "Tercatat",
    "confirmed": "Terkonfirmasi",
    "in_progress": "Diproses",
    "waiting_customer": "Menunggu pelanggan",
    "resolved": "Selesai",
    "closed": "Ditutup",
}
COMPLAINT_MESSAGE = (
    "Keluhan harus dicatat dan dikonfirmasi ke pelanggan sebelum diproses "
    "(Simak → Catat → Konfirmasi → Selesaikan)."
)
CLOSE_MESSAGE = "Tiket yang belum selesai hanya dapat ditutup dengan alasan."


def ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{a}->{b}" for a, b in pairs]


def table_message(current: str, target: str) -> str:
    return f"Status tidak dapat diubah dari '{LABEL[current]}' ke '{LABEL[target]}'."


def test_the_table_in_code_is_the_table_in_this_test() -> None:
    in_code = {(a.value, b.value) for a, targets in ALLOWED.items() for b in targets}

    assert in_code == EXPECTED
    assert set(ALLOWED) == set(S)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=ids(ALL_PAIRS))
@pytest.mark.parametrize("kind", ["inquiry", "request"])
def test_check_transition_allows_exactly_the_table_for_inquiries_and_requests(
    kind: str, current: str, target: str
) -> None:
    # given a reason, so "closing an unresolved ticket needs a reason" is satisfied
    if (current, target) in EXPECTED:
        check_transition(kind=kind, current=current, target=target, reason="Duplikat.")
    else:
        with pytest.raises(TransitionNotAllowed) as exc:
            check_transition(kind=kind, current=current, target=target, reason="Duplikat.")
        assert exc.value.message == table_message(current, target)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=ids(ALL_PAIRS))
def test_check_transition_for_complaints_also_forbids_work_before_confirmation(
    current: str, target: str
) -> None:
    allowed = EXPECTED - COMPLAINT_ONLY_FORBIDDEN
    if (current, target) in allowed:
        check_transition(kind="complaint", current=current, target=target, reason="Duplikat.")
        return
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition(kind="complaint", current=current, target=target, reason="Duplikat.")
    expected = (
        COMPLAINT_MESSAGE
        if (current, target) in COMPLAINT_ONLY_FORBIDDEN
        else table_message(current, target)
    )
    assert exc.value.message == expected


@pytest.mark.parametrize("current", OPEN)
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_closing_an_unresolved_ticket_needs_a_reason(current: str, reason: str) -> None:
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition(kind="inquiry", current=current, target="closed", reason=reason)

    assert exc.value.message == CLOSE_MESSAGE


def test_closing_a_resolved_ticket_needs_no_reason() -> None:
    check_transition(kind="complaint", current="resolved", target="closed", reason="")


def test_a_closed_ticket_goes_nowhere_even_with_a_reason() -> None:
    for target in S.values:
        with pytest.raises(TransitionNotAllowed):
            check_transition(kind="inquiry", current="closed", target=target, reason="Alasan.")


# --- through the service ---------------------------------------------------------------------


def refused_for_a_complaint_without_reason() -> list[tuple[str, str]]:
    refused = []
    for current, target in ALL_PAIRS:
        try:
            check_transition(kind="complaint", current=current, target=target, reason="")
        except TransitionNotAllowed:
            refused.append((current, target))
    return refused


REFUSED = refused_for_a_complaint_without_reason()


def service_message(current: str, target: str) -> str:
    """What ``ticket_transition`` answers; some targets have their own service step."""
    if target == "recorded":
        return "Gunakan langkah 'Catat' untuk mencatat fakta dan kronologi."
    if target == "confirmed":
        return "Gunakan langkah 'Konfirmasi' untuk mencatat konfirmasi."
    if target == "resolved":
        return (
            "Keluhan hanya dapat diselesaikan dengan usulan yang diterima pelanggan "
            "atau dengan alasan yang dicatat."
        )
    if (current, target) in COMPLAINT_ONLY_FORBIDDEN:
        return COMPLAINT_MESSAGE
    if target == "closed" and current in OPEN:
        return CLOSE_MESSAGE
    return table_message(current, target)


def test_the_refused_pairs_are_the_complement_of_the_allowed_ones() -> None:
    # 17 pairs in the table, minus 2 complaint-only, minus 5 "close an open ticket" = 10
    allowed_without_reason = (EXPECTED - COMPLAINT_ONLY_FORBIDDEN) - {(s, "closed") for s in OPEN}

    assert len(allowed_without_reason) == 10
    assert set(REFUSED) == set(ALL_PAIRS) - allowed_without_reason
    assert len(REFUSED) == 39


@pytest.mark.parametrize(("current", "target"), REFUSED, ids=ids(REFUSED))
def test_a_forbidden_transition_through_the_service_changes_nothing(
    agent: User, ticket: Ticket, current: str, target: str
) -> None:
    # given a complaint in ``current``
    ticket = drive_to(agent, ticket, current)
    before = (ticket.status, ticket.version, ticket.updated_at, event_ids(ticket))

    # when the agent asks for ``target`` without a reason
    with pytest.raises(TransitionNotAllowed) as exc:
        services.ticket_transition(actor=agent, ticket=ticket, to=target)

    # then the answer is in Indonesian and status, version and timeline are untouched
    assert exc.value.message == service_message(current, target)
    assert exc.value.code == "transition_not_allowed"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, ticket.updated_at, event_ids(ticket)) == before


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("confirmed", "in_progress"),
        ("confirmed", "waiting_customer"),
        ("in_progress", "waiting_customer"),
        ("waiting_customer", "in_progress"),
    ],
)
def test_an_allowed_transition_writes_one_status_event_and_bumps_the_version(
    agent: User, ticket: Ticket, current: str, target: str
) -> None:
    ticket = drive_to(agent, ticket, current)
    not_sla = TimelineEvent.objects.filter(ticket=ticket).exclude(kind__startswith="sla_")
    count = not_sla.count()

    result = services.ticket_transition(actor=agent, ticket=ticket, to=target, reason="Uji.")

    assert result.status == target
    assert result.version == ticket.version + 1
    # (entering or leaving "waiting for the customer" also pauses/resumes the SLA clock)
    events = list(not_sla.order_by("id"))
    assert len(events) == count + 1
    last = events[-1]
    assert (last.kind, last.field, last.old_value, last.new_value, last.data) == (
        EventKind.STATUS_CHANGED,
        "status",
        current,
        target,
        {"reason": "Uji."},
    )
    assert last.actor == agent
    assert last.public is True


@pytest.mark.parametrize("current", OPEN)
def test_an_unresolved_ticket_closes_with_a_reason(
    agent: User, ticket: Ticket, current: str
) -> None:
    ticket = drive_to(agent, ticket, current)

    closed = services.ticket_transition(actor=agent, ticket=ticket, to="closed", reason="Duplikat.")

    assert closed.status == "closed"
    assert closed.closed_at is not None
    assert closed.resolved_at is None


def test_reopening_through_the_generic_transition_needs_a_reason(
    agent: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, "resolved")
    before = (ticket.version, event_ids(ticket))

    with pytest.raises(ValidationFailed) as exc:
        services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")

    assert exc.value.fields == {"reason": ["Wajib."]}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, event_ids(ticket)) == ("resolved", *before)

    reopened = services.ticket_transition(
        actor=agent, ticket=ticket, to="in_progress", reason="Paket ternyata salah alamat."
    )

    assert reopened.status == "in_progress"
    assert reopened.resolved_at is None


def test_resolving_through_the_generic_transition_uses_the_resolve_step(
    agent: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, "in_progress")

    resolved = services.ticket_transition(
        actor=agent, ticket=ticket, to="resolved", reason="Paket sudah diterima."
    )

    assert resolved.status == "resolved"
    assert resolved.resolution_reason == "Paket sudah diterima."


@pytest.mark.parametrize(
    ("status", "done"),
    [
        ("new", [False, False, False, False]),
        ("recorded", [True, True, False, False]),
        ("confirmed", [True, True, True, False]),
        ("in_progress", [True, True, True, False]),
        ("waiting_customer", [True, True, True, False]),
        ("resolved", [True, True, True, True]),
        ("closed", [True, True, True, True]),
    ],
)
def test_procedure_steps_mark_what_is_done(status: str, done: list[bool]) -> None:
    steps = procedure_steps(status)

    assert [s.key for s in steps] == ["simak", "catat", "konfirmasi", "selesaikan"]
    assert [s.done for s in steps] == done


@pytest.mark.parametrize(
    ("status", "current"),
    [
        ("new", "simak"),
        ("recorded", "konfirmasi"),
        ("confirmed", "selesaikan"),
        ("waiting_customer", "selesaikan"),
        ("resolved", ""),
        ("closed", ""),
    ],
)
def test_procedure_steps_mark_the_current_one(status: str, current: str) -> None:
    steps = procedure_steps(status)

    assert [s.key for s in steps if s.current] == ([current] if current else [])
