"""`sigap demo`: Indonesian demo data in every state of the procedure, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sigap.accounts.models import Role, Team, User
from sigap.customers.models import Customer
from sigap.demo import content
from sigap.tickets.models import (
    Channel,
    EventKind,
    Kind,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)


@pytest.mark.long
def test_demo(db: None) -> None:
    """One load (it takes seconds), several properties."""
    out = StringIO()
    call_command("demo", tickets=60, seed=7, stdout=out)
    demo = out.getvalue()

    check_teams_staff_customers_and_logins(demo)
    check_every_state_kind_and_many_channels()
    check_the_real_procedure()
    check_history_spread_over_time()
    check_running_it_twice_changes_nothing()


def check_teams_staff_customers_and_logins(
    demo: str,
) -> None:
    assert set(Team.objects.values_list("slug", flat=True)) == {s for s, _ in content.TEAMS}
    assert User.objects.filter(role=Role.SUPERVISOR).count() == 2
    assert User.objects.filter(role=Role.AGENT).count() == 8
    assert Customer.objects.count() == len(content.CUSTOMERS)
    assert set(Customer.objects.values_list("kind", flat=True)) == {
        "internal",
        "external",
        "intermediary",
    }
    assert "sari.spv" in demo
    assert "budi.santoso@contoh.id" in demo
    assert "sigap-demo" in demo
    assert User.objects.get(username="rina.agen").check_password("sigap-demo")


def check_every_state_kind_and_many_channels() -> None:
    assert Ticket.objects.count() == 60
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Ticket.objects.values_list("kind", flat=True)) == set(Kind.values)
    assert len(set(Ticket.objects.values_list("channel", flat=True))) >= len(Channel.values) - 2
    proposal_states = set(
        Ticket.objects.values_list("proposals__status", flat=True).exclude(proposals=None)
    )
    assert {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED} <= proposal_states


def check_the_real_procedure() -> None:
    for ticket in Ticket.objects.filter(kind=Kind.COMPLAINT, status=Status.CLOSED)[:20]:
        kinds = list(ticket.events.values_list("kind", flat=True))
        assert kinds[0] == EventKind.CREATED
        assert EventKind.RECORDED in kinds
        assert EventKind.CONFIRMATION in kinds
        assert ticket.closed_at is not None
        assert ticket.closed_at > ticket.created_at
        has_accepted = ticket.proposals.filter(status=ProposalStatus.ACCEPTED).exists()
        assert has_accepted or ticket.resolution_reason


def check_history_spread_over_time() -> None:
    days = {d.date() for d in TimelineEvent.objects.values_list("created_at", flat=True)}

    assert len(days) > 20


def check_running_it_twice_changes_nothing() -> None:
    out = StringIO()
    call_command("demo", stdout=out)

    assert "sudah ada" in out.getvalue()
    assert Ticket.objects.count() == 60
