"""Organizations: members follow one another's tickets in the portal only when the
organization shares visibility; nobody outside it ever does."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.core.errors import NotFound
from sigap.customers.models import Customer
from sigap.customers.services import organization_create, organization_set_member
from sigap.tickets.access import may_see, visible_tickets
from sigap.tickets.models import Ticket
from sigap.tickets.selectors import ticket_read

pytestmark = pytest.mark.django_db


def test_shared_visibility_opens_colleagues_tickets_in_the_portal(
    agent: User,
    customer: Customer,
    other_customer: Customer,
    other_customer_user: User,
    ticket: Ticket,
) -> None:
    org = organization_create(actor=agent, name="PT Sentosa")
    for member in (customer, other_customer):
        member.refresh_from_db()
        organization_set_member(actor=agent, customer=member, organization=org)
    siti = Client()
    siti.force_login(other_customer_user)
    url = f"/portal/tiket/{ticket.pk}/"

    assert ticket not in visible_tickets(other_customer_user)
    assert not may_see(other_customer_user, ticket)
    assert siti.get(url).status_code == 404

    org.shared_visibility = True
    org.save()

    assert list(visible_tickets(other_customer_user)) == [ticket]
    assert may_see(other_customer_user, Ticket.objects.get(pk=ticket.pk))
    assert siti.get(url).status_code == 200
    # the API's one-statement read follows the same rule (access.ticket_visibility_sql)
    assert ticket_read(user=other_customer_user, ticket_id=ticket.pk).ticket.pk == ticket.pk


def test_outsiders_never_see_a_shared_organizations_tickets(
    agent: User, customer: Customer, other_customer_user: User, ticket: Ticket
) -> None:
    org = organization_create(actor=agent, name="PT Sentosa", shared_visibility=True)
    customer.refresh_from_db()
    organization_set_member(actor=agent, customer=customer, organization=org)

    assert not visible_tickets(other_customer_user).exists()
    assert not may_see(other_customer_user, ticket)
    with pytest.raises(NotFound):
        ticket_read(user=other_customer_user, ticket_id=ticket.pk)


def test_the_organizations_tier_is_its_members_floor(
    agent: User, supervisor: User, other_customer: Customer
) -> None:
    from sigap.customers.models import CustomerChange
    from sigap.customers.services import organization_update
    from sigap.relations import loyalty

    org = organization_create(actor=agent, name="PT Sentosa", loyalty_tier="silver")
    member = organization_set_member(actor=agent, customer=other_customer, organization=org)
    assert member.loyalty_tier == "silver"

    org = organization_update(
        actor=supervisor, organization=org, version=org.version, changes={"loyalty_tier": "gold"}
    )
    member.refresh_from_db()
    assert member.loyalty_tier == "gold"
    assert list(
        CustomerChange.objects.filter(customer=member, field="loyalty_tier").values_list(
            "new_value", flat=True
        )
    ) == ["gold", "silver"]
    assert loyalty.computed_tier(member) == "gold"  # no points: the organization's tier
