"""ticket_update: optimistic concurrency, one event per change, assignee rules, closed
tickets, and who may update at all."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import user_create
from sigap.core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from sigap.tickets import services
from sigap.tickets.models import EventKind, Status, Ticket, TimelineEvent
from sigap.tickets.tests.steps import drive_to, event_ids


def update(actor: User, ticket: Ticket, reason: str = "", **changes: Any) -> Ticket:
    version = Ticket.objects.get(pk=ticket.pk).version
    return services.ticket_update(
        actor=actor, ticket=ticket, version=version, changes=changes, reason=reason
    )


def new_events(ticket: Ticket, after: list[int]) -> list[tuple[str, str, Any, Any, dict[str, Any]]]:
    return [
        (e.kind, e.field, e.old_value, e.new_value, e.data)
        for e in TimelineEvent.objects.filter(ticket=ticket).exclude(pk__in=after).order_by("id")
    ]


def test_a_stale_version_is_refused_and_changes_nothing(agent: User, ticket: Ticket) -> None:
    # given someone else changed the ticket after we read version 1
    update(agent, ticket, subject="Paket hilang")
    before = event_ids(ticket)

    # when we save our edit of version 1
    with pytest.raises(StaleVersion) as exc:
        services.ticket_update(
            actor=agent, ticket=ticket, version=1, changes={"subject": "Paket rusak", "priority": 1}
        )

    # then we are told to reload, and nothing of our edit was written
    assert exc.value.message == (
        f"Tiket {ticket.reference} sudah diubah orang lain (versi 2, Anda mengubah versi 1). "
        "Muat ulang lalu coba lagi."
    )
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.subject, fresh.priority, fresh.version) == ("Paket hilang", ticket.priority, 2)
    assert event_ids(ticket) == before


def test_each_changed_field_writes_one_event_with_old_and_new(agent: User, ticket: Ticket) -> None:
    before = event_ids(ticket)

    result = update(
        agent,
        ticket,
        reason="Triase ulang.",
        subject="Paket hilang di gudang",
        severity="penting",
        priority=1,
        category="service",  # unchanged: no event
        root_cause="ignored",
    )

    assert (result.subject, result.severity, result.priority, result.root_cause) == (
        "Paket hilang di gudang",
        "penting",
        1,
        "ignored",
    )
    assert result.version == ticket.version + 1
    reason = {"reason": "Triase ulang."}
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert new_events(ticket, before) == [
        (EventKind.FIELD_CHANGED, "subject", ticket.subject, "Paket hilang di gudang", reason),
        (EventKind.FIELD_CHANGED, "severity", "sederhana", "penting", reason),
        (EventKind.FIELD_CHANGED, "priority", ticket.priority, 1, reason),
        (EventKind.FIELD_CHANGED, "root_cause", "", "ignored", reason),
        # P1 has other SLA targets: the due times are computed again, with the same reason
        (
            EventKind.FIELD_CHANGED,
            "resolution_due_at",
            ticket.resolution_due_at.astimezone(UTC).isoformat(),  # type: ignore[union-attr]
            fresh.resolution_due_at.astimezone(UTC).isoformat(),  # type: ignore[union-attr]
            reason,
        ),
        (
            EventKind.FIELD_CHANGED,
            "first_response_due_at",
            ticket.first_response_due_at.astimezone(UTC).isoformat(),  # type: ignore[union-attr]
            fresh.first_response_due_at.astimezone(UTC).isoformat(),  # type: ignore[union-attr]
            reason,
        ),
    ]
    assert fresh.resolution_due_at == ticket.created_at + timedelta(hours=4)
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 1


def test_changing_the_assignee_writes_an_assigned_event(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    before = event_ids(ticket)

    update(supervisor, ticket, assignee=supervisor)

    assert new_events(ticket, before) == [
        (EventKind.ASSIGNED, "assignee", agent.pk, supervisor.pk, {}),
    ]
    event = TimelineEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.actor, event.public) == (supervisor, False)


def test_unassigning_records_none(agent: User, ticket: Ticket) -> None:
    before = event_ids(ticket)

    result = update(agent, ticket, assignee=None)

    assert result.assignee is None
    assert new_events(ticket, before) == [(EventKind.ASSIGNED, "assignee", agent.pk, None, {})]


def test_moving_to_another_team_writes_team_and_assignee_events(
    supervisor: User,
    team: Team,
    other_team: Team,
    outsider_agent: User,
    ticket: Ticket,
) -> None:
    before = event_ids(ticket)

    result = update(supervisor, ticket, team=other_team, assignee=outsider_agent)

    assert (result.team, result.assignee) == (other_team, outsider_agent)
    assert new_events(ticket, before) == [
        (EventKind.TEAM_CHANGED, "team", team.pk, other_team.pk, {}),
        (EventKind.ASSIGNED, "assignee", ticket.assignee_id, outsider_agent.pk, {}),
    ]


def test_changing_tags_writes_one_event_with_sorted_names(agent: User, ticket: Ticket) -> None:
    before = event_ids(ticket)

    result = update(agent, ticket, tags=["Refund", " kurir ", "refund", ""])

    assert sorted(result.tags.values_list("name", flat=True)) == ["kurir", "refund"]
    assert new_events(ticket, before) == [
        (EventKind.TAGS_CHANGED, "tags", ["paket-terlambat"], ["kurir", "refund"], {}),
    ]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 1


def test_an_update_that_changes_nothing_writes_nothing(agent: User, ticket: Ticket) -> None:
    before = event_ids(ticket)

    update(agent, ticket, subject=ticket.subject, tags=["paket-terlambat"], assignee=agent)

    assert event_ids(ticket) == before
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_an_unknown_field_is_refused(agent: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed) as exc:
        update(agent, ticket, status="closed", subject="Baru")

    assert exc.value.fields == {"status": ["Tidak dapat diubah."]}
    assert Ticket.objects.get(pk=ticket.pk).subject == ticket.subject


def test_an_assignee_from_another_team_is_refused(
    agent: User, outsider_agent: User, other_team: Team, ticket: Ticket
) -> None:
    before = event_ids(ticket)

    with pytest.raises(ValidationFailed) as exc:
        update(agent, ticket, assignee=outsider_agent)

    assert exc.value.message == "Dodi bukan anggota tim Pengiriman."
    assert exc.value.fields == {"assignee_id": ["Bukan anggota tim."]}
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
    assert event_ids(ticket) == before


def test_moving_the_team_without_a_fitting_assignee_is_refused(
    agent: User, other_team: Team, ticket: Ticket
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        update(agent, ticket, team=other_team)

    assert exc.value.fields == {"assignee_id": ["Bukan anggota tim."]}
    assert Ticket.objects.get(pk=ticket.pk).team_id == ticket.team_id


@pytest.mark.parametrize("who", ["inactive_agent", "customer_user"])
def test_an_assignee_must_be_active_staff(
    request: pytest.FixtureRequest, agent: User, team: Team, ticket: Ticket, who: str
) -> None:
    if who == "inactive_agent":
        assignee = user_create(username="eko.agen", password=None, role=Role.AGENT)
        team.members.add(assignee)
        assignee.is_active = False
        assignee.save(update_fields=["is_active"])
    else:
        assignee = request.getfixturevalue(who)

    with pytest.raises(ValidationFailed) as exc:
        update(agent, ticket, assignee=assignee)

    assert exc.value.message == "Penanggung jawab harus petugas yang aktif."
    assert exc.value.fields == {"assignee_id": ["Bukan petugas aktif."]}


def test_an_admin_may_be_assigned_in_any_team(agent: User, admin: User, ticket: Ticket) -> None:
    assert update(agent, ticket, assignee=admin).assignee == admin


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_finished_ticket_refuses_changes_but_tags_root_cause_and_category(
    agent: User, ticket: Ticket, status: str
) -> None:
    ticket = drive_to(agent, ticket, status)
    before = event_ids(ticket)

    with pytest.raises(Conflict) as exc:
        update(agent, ticket, priority=1, tags=["kurir"])
    assert exc.value.message == (
        f"Tiket {ticket.reference} sudah ditutup/selesai; buka kembali dulu."
    )
    assert event_ids(ticket) == before

    result = update(agent, ticket, tags=["kurir"], root_cause="ignored", category="mechanical")

    assert (result.status, result.root_cause, result.category) == (status, "ignored", "mechanical")
    assert [e[0] for e in new_events(ticket, before)] == [
        EventKind.FIELD_CHANGED,
        EventKind.FIELD_CHANGED,
        EventKind.TAGS_CHANGED,
    ]


def test_a_customer_may_not_update_a_ticket(customer_user: User, ticket: Ticket) -> None:
    before = event_ids(ticket)

    with pytest.raises(PermissionDenied):
        update(customer_user, ticket, subject="Tolong cepat!!!", priority=1)

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.subject, fresh.priority, fresh.version) == (
        ticket.subject,
        ticket.priority,
        ticket.version,
    )
    assert event_ids(ticket) == before


def test_two_editors_of_the_same_version_one_wins(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    # given both read version 1
    services.ticket_update(actor=agent, ticket=ticket, version=1, changes={"priority": 1})

    with pytest.raises(StaleVersion):
        services.ticket_update(actor=supervisor, ticket=ticket, version=1, changes={"priority": 4})

    assert Ticket.objects.get(pk=ticket.pk).priority == 1


def test_changing_the_customer_moves_one_ticket_with_a_timeline_entry(
    agent: User, ticket: Ticket, other_customer: Any
) -> None:
    before, budi = ticket.version, ticket.customer_id

    moved = services.ticket_change_customer(
        actor=agent, ticket=ticket, customer=other_customer, reason="Dihubungkan petugas."
    )

    ticket.refresh_from_db()
    assert (ticket.customer_id, ticket.version) == (other_customer.pk, before + 1)
    assert moved.customer_id == other_customer.pk
    event = TimelineEvent.objects.get(ticket=ticket, field="customer")
    assert (event.actor_id, event.old_value, event.new_value, event.data) == (
        agent.pk,
        f"Budi Santoso (#{budi})",
        f"Siti Rahmawati (#{other_customer.pk})",
        {"reason": "Dihubungkan petugas."},
    )
    # The same customer again: nothing changes, nothing is recorded.
    services.ticket_change_customer(
        actor=agent, ticket=ticket, customer=other_customer, reason="Lagi."
    )
    assert TimelineEvent.objects.filter(ticket=ticket, field="customer").count() == 1
