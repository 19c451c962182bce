"""``core.fastsql.insert`` writes exactly what the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import User
from sigap.core import fastsql
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket, TicketSearchDocument, TimelineEvent

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def test_rows_read_back_as_written_with_keys_in_order(ticket: Ticket, agent: User) -> None:
    at = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
    events = [
        TimelineEvent(
            ticket=ticket,
            actor=agent,
            kind="field_changed",
            field="priority",
            old_value=3,
            new_value={"p": [1, "dua"]},
            data={"reason": "Pelanggan VIP — “segera”"},
            public=i % 2 == 0,
            created_at=at,
        )
        for i in range(3)
    ]

    fastsql.insert(events)

    assert all(e.pk is not None and not e._state.adding for e in events)
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    stored = list(TimelineEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk"))
    assert [(s.public, s.old_value, s.new_value, s.data) for s in stored] == [
        (True, 3, {"p": [1, "dua"]}, {"reason": "Pelanggan VIP — “segera”"}),
        (False, 3, {"p": [1, "dua"]}, {"reason": "Pelanggan VIP — “segera”"}),
        (True, 3, {"p": [1, "dua"]}, {"reason": "Pelanggan VIP — “segera”"}),
    ]
    assert stored[0].created_at == at and stored[0].actor_id == agent.pk


def test_model_defaults_apply_as_with_save(ticket: Ticket) -> None:
    message = Message(
        ticket=ticket, kind="note", channel="email", body="Catatan", created_at=ticket.created_at
    )

    fastsql.insert([message])

    stored = Message.objects.get(pk=message.pk)
    assert (stored.body_html, stored.external_id, stored.author_id) == ("", "", None)


def test_a_primary_key_given_by_the_caller_is_kept(ticket: Ticket) -> None:
    TicketSearchDocument.objects.filter(ticket=ticket).delete()

    fastsql.insert([TicketSearchDocument(ticket=ticket, staff_text="paket", public_text="paket")])

    assert TicketSearchDocument.objects.get(pk=ticket.pk).staff_text == "paket"


def test_a_ticket_and_its_message_are_written_together_as_the_orm_would(
    ticket: Ticket, customer: Customer, agent: User
) -> None:
    """One statement on PostgreSQL (the message takes the ticket's new key), two on
    SQLite: the same rows either way, keys set, the message's ticket the same instance."""
    at = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
    fields = {"kind": "complaint", "channel": "email", "subject": "Paket", "customer": customer}
    new = Ticket(**fields, description="Belum sampai", created_at=at, updated_at=at)
    message = Message(ticket=new, kind="inbound", channel="email", body="Belum", created_at=at)

    with CaptureQueriesContext(connection) as ctx:
        fastsql.insert_with_child(new, message, fk="ticket")

    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert new.pk is not None and message.pk is not None and message.ticket is new
    stored = Message.objects.select_related("ticket").get(pk=message.pk)
    assert stored.ticket_id == new.pk and _fields(stored.ticket) == _fields(new)
    assert (stored.author_id, stored.body, stored.created_at) == (None, "Belum", at)
    assert not new._state.adding and not message._state.adding


def test_groups_of_two_models_are_written_together_keys_in_order(
    ticket: Ticket, agent: User
) -> None:
    at = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
    TicketSearchDocument.objects.filter(ticket=ticket).delete()
    events = [
        TimelineEvent(ticket=ticket, actor=agent, kind=kind, data={"n": n}, created_at=at)
        for n, kind in enumerate(("created", "message_received", "note_added"))
    ]
    document = TicketSearchDocument(ticket=ticket, staff_text="paket", public_text="paket")

    with CaptureQueriesContext(connection) as ctx:
        fastsql.insert_together(events, [document], [])

    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    stored = TimelineEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    assert [(e.kind, e.data) for e in stored] == [(e.kind, e.data) for e in events]
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    assert document.pk == ticket.pk and not document._state.adding
    assert TicketSearchDocument.objects.get(pk=ticket.pk).staff_text == "paket"


@pytest.mark.parametrize("model", [Ticket, Message, TimelineEvent, TicketSearchDocument])
def test_the_models_written_this_way_have_no_save_receivers(model: type) -> None:
    # fastsql sends no signals: a receiver added to one of these would be skipped.
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


def _fields(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


def test_get_reads_a_row_as_the_orm_does(ticket: Ticket, customer: Customer) -> None:
    """Every field, with its converters (times, JSON, choices), loaded from the database."""
    Ticket.objects.filter(pk=ticket.pk).update(
        facts="Sudah dicek.", first_responded_at=datetime(2026, 11, 29, 8, 30, 1, 5, tzinfo=UTC)
    )
    for model, pk in ((Ticket, ticket.pk), (Customer, customer.pk)):
        got = fastsql.get(model, pk)
        expected = model.objects.get(pk=pk)

        assert got is not None and _fields(got) == _fields(expected)
        assert not got._state.adding and got._state.db == "default"


@pytest.mark.parametrize("pk", [0, -1, 10**9, 2**63, -(2**63) - 1, 2**70])
def test_get_answers_none_for_no_such_row(customer: Customer, pk: int) -> None:
    assert fastsql.get(Customer, pk) is None


def test_get_with_rows_reads_the_row_and_those_pointing_at_it(
    ticket: Ticket, customer: Customer, agent: User
) -> None:
    """The same row as ``get``; with none pointing at it, an empty list (the LEFT JOIN's
    empty side is not a row); a missing id, None."""
    table = TimelineEvent._meta.db_table
    read: dict[str, Any] = {"table": table, "fk": "ticket_id"}
    read.update(columns=f"{table}.kind", order=f"{table}.id DESC")
    TimelineEvent.objects.filter(ticket=ticket).delete()
    at = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)

    alone = fastsql.get_with_rows(Ticket, ticket.pk, **read)
    for kind in ("created", "note_added"):
        TimelineEvent.objects.create(ticket=ticket, actor=agent, kind=kind, created_at=at)
    both = fastsql.get_with_rows(Ticket, ticket.pk, **read)

    assert alone is not None and both is not None
    assert _fields(alone[0]) == _fields(both[0]) == _fields(Ticket.objects.get(pk=ticket.pk))
    assert alone[1] == []
    assert both[1] == [("note_added",), ("created",)]
    assert fastsql.get_with_rows(Ticket, ticket.pk + 1000, **read) is None
    assert fastsql.get_with_rows(Ticket, 2**63, **read) is None


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_postgres_prepares_each_statement_once_per_connection(
    customer: Customer, ticket: Ticket
) -> None:
    """On PostgreSQL the statements are prepared on their first run and reused after, the
    query log still shows each with its values, and a rollback (after which psycopg
    deallocates them all) only means they are prepared again. Elsewhere nothing is."""
    if connection.vendor != "postgresql":
        assert not fastsql.prepared()
        return
    assert fastsql.prepared()
    read = f'FROM "{Customer._meta.db_table}" WHERE'

    with CaptureQueriesContext(connection) as ctx:
        first, second = fastsql.get(Customer, customer.pk), fastsql.get(Customer, customer.pk)

    assert first is not None and second is not None and first.pk == second.pk == customer.pk
    assert len([s for s in _prepared_here() if read in s]) == 1
    assert [q["sql"].endswith(f"= {customer.pk}") for q in ctx.captured_queries] == [True, True]

    at = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
    with pytest.raises(RuntimeError), transaction.atomic():
        fastsql.insert([TimelineEvent(ticket=ticket, kind="note_added", created_at=at)])
        raise RuntimeError("rolled back")
    with pytest.raises(IntegrityError), transaction.atomic():  # Django's error, as usual
        fastsql.insert([TimelineEvent(ticket=ticket, kind="note_added")])  # no created_at

    again = fastsql.get(Customer, customer.pk)
    assert again is not None and again.name == customer.name
    assert not TimelineEvent.objects.filter(ticket=ticket, kind="note_added").exists()


@pytest.mark.skipif(not ON_POSTGRES, reason="statements are prepared on PostgreSQL only")
def test_postgres_prepares_one_statement_whatever_the_size_of_an_int(customer: Customer) -> None:
    """psycopg types a bare int by its size; each set of types would be a statement of its
    own, up to psycopg's limit a connection. The prepared cursor sends every int as int8."""
    assert fastsql.prepared()
    for pk in (customer.pk, 40_000, 3_000_000_000):
        fastsql.get(Customer, pk)

    read = f'FROM "{Customer._meta.db_table}" WHERE'
    assert len([s for s in _prepared_here() if read in s]) == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="statements are prepared on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_column_type_changed_elsewhere_does_not_break_a_prepared_read() -> None:
    """A migration run from another process changes a column a prepared statement returns:
    PostgreSQL refuses the statement from then on ("cached plan must not change result
    type"). Outside a transaction the read deallocates and prepares again."""
    assert fastsql.prepared()
    import psycopg

    customer = Customer.objects.create(name="Sari Dewi")
    assert fastsql.get(Customer, customer.pk) is not None
    table = Customer._meta.db_table
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=s["USER"], dbname=s["NAME"], autocommit=True
    ) as other:
        other.execute(f'ALTER TABLE "{table}" ALTER COLUMN region TYPE varchar(300)')
        try:
            read = [fastsql.get(Customer, customer.pk) for _ in range(3)]
        finally:
            other.execute(f'ALTER TABLE "{table}" ALTER COLUMN region TYPE varchar(100)')

    assert [c.name if c else None for c in read] == ["Sari Dewi"] * 3


@pytest.mark.skipif(not ON_POSTGRES, reason="statements are prepared on PostgreSQL only")
@pytest.mark.django_db
def test_one_statement_whether_an_int_field_holds_an_int_or_a_choice(
    ticket: Ticket,
) -> None:
    """A plain int goes as it is, an IntegerChoices member the ORM's way (Int2 for a
    PositiveSmallIntegerField): the prepared cursor sends both as int8, so the INSERT is
    prepared once on a connection, not once per set of int sizes (found in review)."""
    from sigap.tickets.models import Priority

    assert fastsql.prepared()

    def copy(priority: Any) -> Ticket:
        new = Ticket.objects.get(pk=ticket.pk)
        new.pk = None
        new._state.adding = True
        new.priority = priority
        return new

    fastsql.insert([copy(Priority.P2)])
    fastsql.insert([copy(int(Priority.P2))])
    write = f'INSERT INTO "{Ticket._meta.db_table}"'
    assert len([s for s in _prepared_here() if s.startswith(write)]) == 1
