"""Who sees which ticket: the three-user world (owner team, outsider team, customers)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Count, Exists, OuterRef, Q
from pytest_django import DjangoAssertNumQueries

from sigap.accounts.access import require_staff
from sigap.accounts.models import Role, Team, User
from sigap.core.errors import NotFound, PermissionDenied
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.access import access_ticket, ticket_visibility, visible_tickets
from sigap.tickets.models import Message, Ticket
from sigap.tickets.selectors import ticket_detail_for, ticket_list_for
from sigap.tickets.tests.steps import new_ticket


@pytest.fixture
def world(
    agent: User,
    outsider_agent: User,
    team: Team,
    other_team: Team,
    customer: Customer,
    other_customer: Customer,
    ticket: Ticket,
    other_ticket: Ticket,
) -> dict[str, Ticket]:
    """Four tickets: Pengiriman's, Pembayaran's, one without a team (triage), and one of
    Pembayaran's still assigned to Rina, who helped out there and went back."""
    triage = new_ticket(None, customer, channel="email")
    other_team.members.add(agent)
    borrowed = new_ticket(outsider_agent, other_customer, team=other_team, assignee=agent)
    other_team.members.remove(agent)
    return {"ticket": ticket, "other": other_ticket, "triage": triage, "borrowed": borrowed}


def visible(user: User, world: dict[str, Ticket]) -> set[str]:
    ids = set(visible_tickets(user).values_list("pk", flat=True))
    return {name for name, t in world.items() if t.pk in ids}


ALL = {"ticket", "other", "triage", "borrowed"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", ALL),
        ("supervisor", ALL),
        ("other_supervisor", ALL),
        ("agent", {"ticket", "triage", "borrowed"}),
        ("outsider_agent", {"other", "triage", "borrowed"}),
        ("customer_user", {"ticket", "triage"}),
        ("other_customer_user", {"other", "borrowed"}),
    ],
)
def test_each_role_sees_exactly_its_tickets(
    request: pytest.FixtureRequest, world: dict[str, Ticket], who: str, expected: set[str]
) -> None:
    user = request.getfixturevalue(who)

    assert visible(user, world) == expected


@pytest.mark.parametrize(
    "who",
    [
        "admin",
        "supervisor",
        "agent",
        "outsider_agent",
        "customer_user",
        "other_customer_user",
    ],
)
def test_an_inactive_user_sees_nothing(
    request: pytest.FixtureRequest, world: dict[str, Ticket], who: str
) -> None:
    user = request.getfixturevalue(who)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert visible(user, world) == set()
    assert list(ticket_list_for(user=user)) == []
    for t in world.values():
        with pytest.raises(NotFound):
            access_ticket(user, t.pk)


def test_a_forbidden_ticket_looks_exactly_like_a_missing_one(
    agent: User, world: dict[str, Ticket]
) -> None:
    missing_id = max(t.pk for t in world.values()) + 1000

    with pytest.raises(NotFound) as forbidden:
        access_ticket(agent, world["other"].pk)
    with pytest.raises(NotFound) as missing:
        access_ticket(agent, missing_id)

    assert type(forbidden.value) is type(missing.value)
    assert (forbidden.value.message, forbidden.value.fields, forbidden.value.code) == (
        missing.value.message,
        missing.value.fields,
        missing.value.code,
    )
    assert forbidden.value.message == "Tiket tidak ditemukan."


def test_a_customer_gets_not_found_for_another_customers_ticket(
    customer_user: User, world: dict[str, Ticket]
) -> None:
    with pytest.raises(NotFound):
        access_ticket(customer_user, world["other"].pk)
    with pytest.raises(NotFound):
        ticket_detail_for(user=customer_user, ticket_id=world["other"].pk)

    assert access_ticket(customer_user, world["ticket"].pk) == world["ticket"]


@pytest.mark.parametrize("for_update", [False, True])
def test_access_takes_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
    agent: User,
    world: dict[str, Ticket],
    for_update: bool,
) -> None:
    with django_assert_num_queries(1):
        found = access_ticket(agent, world["ticket"].pk, for_update=for_update)

    assert found.pk == world["ticket"].pk


def test_the_ticket_list_only_holds_visible_tickets(
    outsider_agent: User, world: dict[str, Ticket]
) -> None:
    listed = {t.pk for t in ticket_list_for(user=outsider_agent)}

    assert listed == {world["other"].pk, world["triage"].pk, world["borrowed"].pk}


def test_an_agent_who_joins_a_team_sees_its_tickets_at_once(
    agent: User, other_team: Team, world: dict[str, Ticket]
) -> None:
    other_team.members.add(agent)

    assert visible(agent, world) == ALL


def test_an_agent_loses_a_reassigned_ticket_of_another_team(
    supervisor: User, agent: User, outsider_agent: User, world: dict[str, Ticket]
) -> None:
    borrowed = world["borrowed"]

    services.ticket_update(
        actor=supervisor,
        ticket=borrowed,
        version=Ticket.objects.get(pk=borrowed.pk).version,
        changes={"assignee": outsider_agent},
    )

    assert visible(agent, world) == {"ticket", "triage"}


@pytest.mark.parametrize("who", ["customer_user"])
def test_customers_are_not_staff(request: pytest.FixtureRequest, who: str) -> None:
    with pytest.raises(PermissionDenied):
        require_staff(request.getfixturevalue(who))


@pytest.mark.parametrize("who", ["admin", "supervisor", "agent"])
def test_staff_are_staff_until_deactivated(request: pytest.FixtureRequest, who: str) -> None:
    user = request.getfixturevalue(who)
    require_staff(user)

    user.is_active = False

    with pytest.raises(PermissionDenied):
        require_staff(user)


def test_an_inactive_agent_may_not_change_a_ticket(agent: User, ticket: Ticket) -> None:
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    with pytest.raises(PermissionDenied):
        services.ticket_record(actor=agent, ticket=ticket, facts="Fakta.")

    assert Ticket.objects.get(pk=ticket.pk).status == "new"


# --- an agent's teams as a written subquery (access.py's RawSQL), checked against the
# membership queryset it replaced, in every shape the code uses visibility (from review)


def old_visibility(user: User) -> Q:
    team_ids = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    return Q(team_id__in=team_ids) | Q(assignee_id=user.pk) | Q(team__isnull=True)


SHAPES: dict[str, Callable[[Q], object]] = {
    "filter": lambda q: sorted(Ticket.objects.filter(q).values_list("pk", flat=True)),
    "exclude": lambda q: sorted(Ticket.objects.exclude(q).values_list("pk", flat=True)),
    "negated": lambda q: sorted(Ticket.objects.filter(~q).values_list("pk", flat=True)),
    "pk_in": lambda q: sorted(
        Ticket.objects.filter(pk__in=Ticket.objects.filter(q).values("pk")).values_list(
            "pk", flat=True
        )
    ),
    "nested_pk_in_exclude": lambda q: sorted(
        Ticket.objects.exclude(pk__in=Ticket.objects.filter(q)).values_list("pk", flat=True)
    ),
    "exists": lambda q: sorted(
        Ticket.objects.filter(Exists(Ticket.objects.filter(q, pk=OuterRef("pk")))).values_list(
            "pk", flat=True
        )
    ),
    "related": lambda q: sorted(
        Message.objects.filter(ticket__in=Ticket.objects.filter(q)).values_list("pk", flat=True)
    ),
    "union": lambda q: sorted(
        Ticket.objects.filter(q)
        .order_by()
        .values_list("pk", flat=True)
        .union(Ticket.objects.filter(pk=-1).order_by().values_list("pk", flat=True))
    ),
    "grouped": lambda q: sorted(
        Ticket.objects.filter(q).values("status").annotate(n=Count("pk")).values_list("status", "n")
    ),
    "capped_count": lambda q: Ticket.objects.filter(q).order_by()[:200].count(),
    "joined_team_members": lambda q: sorted(
        Ticket.objects.filter(q, team__members__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    ),
    "or_other": lambda q: sorted(Ticket.objects.filter(q | Q(pk=-1)).values_list("pk", flat=True)),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("who", ["agent", "outsider_agent"])
def test_the_written_team_subquery_gives_the_same_tickets(
    request: pytest.FixtureRequest, world: dict[str, Ticket], who: str, shape: str
) -> None:
    lonely = User.objects.create(username="sepi", role=Role.AGENT)  # in no team
    run = SHAPES[shape]
    for user in (request.getfixturevalue(who), lonely):
        assert run(ticket_visibility(user)) == run(old_visibility(user)), user.username
