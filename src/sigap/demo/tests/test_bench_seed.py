"""`sigap bench-seed N` writes consistent data: what the services would have produced."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sigap.accounts.models import User
from sigap.customers.models import Customer, CustomerContact
from sigap.demo.bench.writer import Writer, columns_of
from sigap.tickets import services
from sigap.tickets.models import Message, Status, Ticket, TicketSearchDocument, TimelineEvent
from sigap.tickets.selectors import TicketFilters, ticket_list_for


@pytest.fixture
def seeded(db: None) -> None:
    call_command("bench_seed", 300, seed=1, quiet=True, stdout=StringIO())


def test_it_creates_the_tickets_customers_and_staff(seeded: None) -> None:
    assert Ticket.objects.count() == 300
    assert Customer.objects.count() == 30
    assert CustomerContact.objects.filter(kind="phone", value__startswith="+62812").count() == 30
    assert User.objects.filter(username__startswith="bench.agen").count() == 12


def test_every_ticket_is_consistent(seeded: None) -> None:
    for ticket in Ticket.objects.prefetch_related("messages", "events"):
        events = list(ticket.events.all())
        messages = list(ticket.messages.all())
        assert messages, ticket.pk
        assert messages[0].kind == "inbound"
        assert events[0].kind == "created"
        status_events = [e for e in events if e.kind == "status_changed"]
        final = status_events[-1].new_value if status_events else "new"
        assert final == ticket.status
        assert ticket.version == len(events)
        assert (ticket.closed_at is not None) == (ticket.status == Status.CLOSED)
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            assert ticket.resolved_at is not None
            assert ticket.first_responded_at is not None
        assert ticket.updated_at >= ticket.created_at
    assert (
        Message.objects.count()
        == TimelineEvent.objects.exclude(kind__in=["created", "status_changed"]).count()
    )


def test_seeded_tickets_are_searchable_and_visible_to_staff(seeded: None) -> None:
    admin = User.objects.get(username="bench.admin")
    assert TicketSearchDocument.objects.count() == 300

    assert ticket_list_for(user=admin).count() == 300
    assert ticket_list_for(user=admin, filters=TicketFilters(q="pesanan")).exists()


def test_running_it_again_appends(seeded: None) -> None:
    call_command("bench_seed", 50, seed=2, quiet=True, stdout=StringIO())

    assert Ticket.objects.count() == 350
    assert Customer.objects.count() == 35
    # The id sequences continue after the bulk-allocated ids.
    ticket = services.ticket_create(
        actor=User.objects.get(username="bench.admin"),
        customer=Customer.objects.get(pk=1),
        kind="inquiry",
        channel="email",
        subject="Tiket biasa setelah seeding",
        description="Isi",
    )
    assert ticket.pk == 351


def test_every_column_of_the_models_is_written_and_a_required_one_cannot_be_left_out(
    db: None,
) -> None:
    spec = columns_of(Ticket)
    assert [column for column, _, _ in spec] == [f.column for f in Ticket._meta.concrete_fields]
    # a new nullable field is NULL, a field with a default gets it
    defaults = {attname: default for _, attname, default in spec}
    assert defaults["sla_paused_at"] is None
    assert defaults["escalation_level"] == 0

    with pytest.raises(KeyError, match="required column 'subject'"):
        Writer().write_rows(Ticket, [{"id": 1, "kind": "inquiry", "channel": "email"}])


def test_open_tickets_past_their_marks_are_marked_as_the_sweep_would(seeded: None) -> None:
    now = timezone.now()
    for ticket in Ticket.objects.all():
        overdue = (
            ticket.is_open
            and ticket.first_responded_at is None
            and ticket.first_response_due_at <= now
        )
        assert (ticket.first_response_breached_at is not None) == overdue, ticket.pk
