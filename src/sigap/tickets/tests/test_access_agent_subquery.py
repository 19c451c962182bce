"""An agent's visibility with the RawSQL team subquery gives the same
tickets as the membership queryset it replaced, in every shape the code uses it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Count, Exists, OuterRef, Q

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets.access import ticket_visibility
from sigap.tickets.models import Message, Ticket
from sigap.tickets.tests.steps import new_ticket


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
def test_the_raw_team_subquery_gives_the_same_tickets(
    request: pytest.FixtureRequest,
    who: str,
    shape: str,
    agent: User,
    outsider_agent: User,
    team: Team,
    other_team: Team,
    customer: Customer,
    other_customer: Customer,
    ticket: Ticket,
    other_ticket: Ticket,
) -> None:
    new_ticket(None, customer, channel="email")
    other_team.members.add(agent)
    new_ticket(outsider_agent, other_customer, team=other_team, assignee=agent)
    other_team.members.remove(agent)
    lonely = User.objects.create(username="sepi", role=agent.role)  # in no team
    user = request.getfixturevalue(who)
    run = SHAPES[shape]
    for u in (user, lonely):
        assert run(ticket_visibility(u)) == run(old_visibility(u)), u.username
