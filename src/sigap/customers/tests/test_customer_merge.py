"""Merging a duplicate customer B into A: everything moves, the timeline records it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors.phone.models import Call
from sigap.core.errors import Conflict, PermissionDenied, ValidationFailed
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.selectors import customers_for
from sigap.customers.services import ContactIn, customer_create, customer_merge
from sigap.surveys.models import Survey
from sigap.tickets import services as ticket_services
from sigap.tickets.models import EventKind, Ticket, TimelineEvent


@pytest.fixture
def duplicate(db: None) -> Customer:
    """Budi again, written in by email from another address and by WhatsApp."""
    budi = customer_create(
        name="Bapak Budi Santoso",
        notes="Lebih suka dihubungi sore.",
        contacts=[
            ContactIn("email", "budi.santoso@kantor.id"),
            ContactIn("whatsapp", "0812-3456-7890"),
            ContactIn("instagram", "@budisantoso"),
        ],
    )
    # an older row stored before normalisation: the same phone as A's, in another format
    CustomerContact.objects.create(customer=budi, kind="phone", value="0812 3456 7890")
    return budi


def _ticket(customer: Customer, agent: User, channel: str) -> Ticket:
    return ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel=channel,
        subject=f"Keluhan lewat {channel}",
        description="Pesanan belum datang.",
    )


def _survey(customer: Customer) -> Survey:
    now = timezone.now()
    return Survey.objects.create(
        kind="nps", customer=customer, sent_via="email", sent_at=now, expires_at=now + timedelta(7)
    )


def test_it_moves_everything_to_the_kept_customer_and_records_it(
    supervisor: User, agent: User, customer: Customer, duplicate: Customer
) -> None:
    kept_ticket = _ticket(customer, agent, "email")
    moved = [_ticket(duplicate, agent, "whatsapp"), _ticket(duplicate, agent, "instagram")]
    survey = _survey(duplicate)
    call = Call.objects.create(customer=duplicate, started_at=timezone.now())
    versions = {t.pk: Ticket.objects.get(pk=t.pk).version for t in moved}

    result = customer_merge(actor=supervisor, target=customer, source=duplicate)

    assert result == customer
    assert set(Ticket.objects.filter(customer=customer).values_list("pk", flat=True)) == {
        kept_ticket.pk,
        *[t.pk for t in moved],
    }
    assert not Ticket.objects.filter(customer=duplicate).exists()
    for t in moved:
        t.refresh_from_db()
        assert t.version == versions[t.pk] + 1
        event = TimelineEvent.objects.get(ticket=t, kind=EventKind.FIELD_CHANGED)
        assert event.actor == supervisor
        assert (event.field, event.old_value, event.new_value) == (
            "customer",
            f"Bapak Budi Santoso (#{duplicate.pk})",
            f"Budi Santoso (#{customer.pk})",
        )
        assert event.data == {
            "reason": f"Pelanggan #{duplicate.pk} digabung ke pelanggan #{customer.pk}."
        }
    assert not TimelineEvent.objects.filter(
        ticket=kept_ticket, kind=EventKind.FIELD_CHANGED
    ).exists()
    contacts = sorted(customer.contacts.values_list("kind", "value"))
    assert contacts == [
        ("email", "budi.santoso@kantor.id"),
        ("email", "budi@contoh.id"),
        ("instagram", "budisantoso"),
        ("phone", "+6281234567890"),  # the raw duplicate was dropped, not added
        ("whatsapp", "+6281234567890"),
    ]
    assert not CustomerContact.objects.filter(customer=duplicate).exists()
    survey.refresh_from_db()
    call.refresh_from_db()
    assert (survey.customer, call.customer) == (customer, customer)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == customer
    assert duplicate.merged_at is not None
    assert result.notes == (
        f"[Digabung dari #{duplicate.pk} Bapak Budi Santoso]\n\nLebih suka dihubungi sore."
    )


def test_the_merged_record_disappears_from_lists_but_is_kept(
    supervisor: User, customer: Customer, duplicate: Customer
) -> None:
    customer_merge(actor=supervisor, target=customer, source=duplicate)
    assert list(customers_for(user=supervisor, q="budi")) == [customer]
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_a_portal_account_moves_when_the_kept_record_has_none(
    supervisor: User, customer: Customer, duplicate: Customer, customer_user: User
) -> None:
    customer_merge(actor=supervisor, target=duplicate, source=customer)
    duplicate.refresh_from_db()
    customer.refresh_from_db()
    assert duplicate.user == customer_user
    assert customer.user is None


def test_an_agent_cannot_merge_and_nothing_changes(
    agent: User, customer: Customer, duplicate: Customer
) -> None:
    ticket = _ticket(duplicate, agent, "whatsapp")
    with pytest.raises(PermissionDenied):
        customer_merge(actor=agent, target=customer, source=duplicate)
    ticket.refresh_from_db()
    duplicate.refresh_from_db()
    assert ticket.customer == duplicate
    assert duplicate.merged_into is None
    assert duplicate.contacts.count() == 4


def test_it_refuses_to_merge_a_customer_into_itself(supervisor: User, customer: Customer) -> None:
    with pytest.raises(ValidationFailed):
        customer_merge(actor=supervisor, target=customer, source=customer)


def test_it_refuses_a_record_already_merged(
    supervisor: User, customer: Customer, duplicate: Customer, other_customer: Customer
) -> None:
    customer_merge(actor=supervisor, target=customer, source=duplicate)
    with pytest.raises(Conflict):
        customer_merge(actor=supervisor, target=other_customer, source=duplicate)
    with pytest.raises(Conflict):
        customer_merge(actor=supervisor, target=duplicate, source=other_customer)


def test_an_earlier_merge_follows_to_the_new_record(
    supervisor: User, customer: Customer, duplicate: Customer, other_customer: Customer
) -> None:
    customer_merge(actor=supervisor, target=duplicate, source=other_customer)
    customer_merge(actor=supervisor, target=customer, source=duplicate)
    other_customer.refresh_from_db()
    assert other_customer.merged_into == customer


# --- the supervisor page ----------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_duplicates_page_is_for_supervisors(
    supervisor: User, agent: User, customer: Customer, duplicate: Customer
) -> None:
    assert _client(agent).get(reverse("calls:duplicates")).status_code == 403
    page = _client(supervisor).get(reverse("calls:duplicates"))
    assert page.status_code == 200
    assert f'data-pair="{customer.pk}-{duplicate.pk}"' in page.content.decode()


def test_an_agent_posting_a_merge_gets_403_and_nothing_changes(
    agent: User, customer: Customer, duplicate: Customer
) -> None:
    response = _client(agent).post(
        reverse("calls:merge"), {"target": customer.pk, "source": duplicate.pk}
    )
    assert response.status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_a_supervisor_merges_from_the_page(
    supervisor: User, customer: Customer, duplicate: Customer
) -> None:
    response = _client(supervisor).post(
        reverse("calls:merge"), {"target": customer.pk, "source": duplicate.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:customer", args=[customer.pk])
    duplicate.refresh_from_db()
    assert duplicate.merged_into == customer


def test_the_customer_page_shows_every_channel_and_the_calls_after_a_merge(
    supervisor: User, agent: User, customer: Customer, duplicate: Customer
) -> None:
    _ticket(customer, agent, "email")
    _ticket(duplicate, agent, "whatsapp")
    Call.objects.create(customer=duplicate, started_at=timezone.now(), notes="Telepon soal retur")
    customer_merge(actor=supervisor, target=customer, source=duplicate)
    page = _client(supervisor).get(reverse("web:customer", args=[customer.pk])).content.decode()
    assert "Keluhan lewat email" in page
    assert "Keluhan lewat whatsapp" in page
    assert "Telepon soal retur" in page
