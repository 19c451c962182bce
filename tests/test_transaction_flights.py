"""``fastsql.begin_with`` / ``commit_with``: on PostgreSQL a transaction's BEGIN goes with
its first statement and its COMMIT with its last, one round trip each, and nothing else
changes: the same statements in the same transaction, errors translated and rolled back as
before, ``on_commit`` hooks after the commit only, every statement in the query log. The
keyed API creation uses both (``accounts.idempotency``). Elsewhere they run the statement
alone, as ``cursor()`` does."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.backends.signals import connection_created
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts import idempotency
from sigap.accounts.models import User
from sigap.accounts.services import token_create
from sigap.core import fastsql
from sigap.core.models import IdempotencyRecord
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="pipeline mode is PostgreSQL's")
TABLE = IdempotencyRecord._meta.db_table
INSERT = (
    f'INSERT INTO {TABLE} (user_id, "key", method, path, request_hash, status, content_type, '
    "body, created_at) VALUES (%s, %s, 'POST', '/api/v1/x', 'h', NULL, '', '', now()) "
    "RETURNING id"
)
UPDATE = f"UPDATE {TABLE} SET status = %s WHERE id = %s"


_PARSE = re.compile(r'^ "(?P<name>[^"]*)" "(?P<text>.*)" \d+(?: \d+)*$')
_BIND = re.compile(r'^ "[^"]*" "(?P<name>[^"]*)"')


class Wire:
    """What went over the wire to PostgreSQL, from libpq's trace of each connection
    Django opened (or had open) meanwhile: the statements the client sent, grouped by the
    round trip that answered them (the server's ReadyForQuery, which the client waits
    for)."""

    def __init__(self) -> None:
        self.files: list[Any] = []
        self.pgconns: list[Any] = []
        self.named: dict[str, dict[str, str]] = {}

    def watch(self, raw: Any) -> None:
        from psycopg import pq

        f = tempfile.NamedTemporaryFile("w+", delete=False)  # noqa: SIM115  # closed in close()
        # the statements it has prepared already, by name (their Binds name them only)
        rows = raw.execute("SELECT name, statement FROM pg_prepared_statements").fetchall()
        self.named[f.name] = dict(rows)
        self.files.append(f)
        self.pgconns.append(raw.pgconn)
        raw.pgconn.trace(f.fileno())
        raw.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def stop(self) -> None:
        """Stop tracing (libpq then writes out what it buffered)."""
        import psycopg

        for pgconn in self.pgconns:
            with contextlib.suppress(psycopg.OperationalError):  # a connection since closed
                pgconn.untrace()
        self.pgconns = []

    def flights(self) -> list[list[str]]:
        """Each round trip's statements, in order: the SQL of each Bind (a prepared
        statement's, or the unnamed one's last Parse) and of each simple Query."""
        self.stop()
        flights: list[list[str]] = [[]]
        for f in self.files:
            named = self.named[f.name]
            with open(f.name) as read:
                for line in read:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) < 3:
                        continue
                    side, kind, rest = parts[0], parts[2], parts[3] if len(parts) > 3 else ""
                    if side == "F" and kind == "Parse":
                        parsed = _PARSE.match(rest)
                        assert parsed, rest
                        named[parsed["name"]] = parsed["text"]
                    elif side == "F" and kind == "Bind":
                        bound = _BIND.match(rest)
                        assert bound, rest
                        flights[-1].append(named[bound["name"]])
                    elif side == "F" and kind == "Query":
                        flights[-1].append(rest.strip().strip('"'))
                    elif side == "B" and kind == "ReadyForQuery":
                        flights.append([])
        return flights[:-1] if not flights[-1] else flights

    def round_trips(self) -> int:
        return len(self.flights())

    def close(self) -> None:
        self.stop()
        for f in self.files:
            f.close()
            os.unlink(f.name)


@contextmanager
def wire() -> Iterator[Wire]:
    traced = Wire()

    def created(sender: Any, connection: Any, **kwargs: Any) -> None:
        traced.watch(connection.connection)

    if connection.connection is not None:
        traced.watch(connection.connection)
    connection_created.connect(created)
    try:
        yield traced
    finally:
        connection_created.disconnect(created)
        traced.stop()


@pytest.fixture
def traced() -> Iterator[Wire]:
    with wire() as w:
        yield w
    w.close()


def _other_connection() -> Any:
    """A connection of its own to the test database, in autocommit."""
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        host=s["HOST"],
        port=s["PORT"] or 5432,
        password=s["PASSWORD"] or None,
        autocommit=True,
    )


def _committed(record_id: int) -> Any:
    """The record's status as another connection sees it (absent: "none")."""
    with _other_connection() as other:
        row = other.execute(f"SELECT status FROM {TABLE} WHERE id = %s", [record_id]).fetchone()
    return row[0] if row else "none"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_begin_and_commit_each_go_with_a_statement(agent: User, traced: Wire) -> None:
    hooks: list[Any] = []
    connection.ensure_connection()
    block = transaction.atomic()
    with CaptureQueriesContext(connection) as queries, block:
        transaction.on_commit(lambda: hooks.append(_committed(record_id)))
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "satu"])
        assert fastsql.commit_with(UPDATE, [201, record_id], block)
        assert hooks == []  # committed, but the hooks wait for the block's end

    assert traced.flights() == [["BEGIN", INSERT_PG], [UPDATE_PG, "COMMIT"]]
    assert traced.round_trips() == 2
    assert hooks == [201]  # run after the commit, and saw it
    assert _committed(record_id) == 201
    # the log sees both statements, with their values, and BEGIN and COMMIT as Django
    # logs them whoever sends them
    logged = [q["sql"] for q in queries.captured_queries]
    assert len(logged) == 4 and (logged[0], logged[3]) == ("BEGIN", "COMMIT")
    assert logged[1].startswith(f"INSERT INTO {TABLE}") and "'satu'" in logged[1]
    assert logged[2] == f"UPDATE {TABLE} SET status = 201 WHERE id = {record_id}"
    assert connection.connection.autocommit  # psycopg's flag as Django left it


def _pg(sql: str) -> str:
    n = 0
    while "%s" in sql:
        n += 1
        sql = sql.replace("%s", f"${n}", 1)
    return sql


INSERT_PG, UPDATE_PG = _pg(INSERT), _pg(UPDATE)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_them_the_same_work_takes_four_round_trips(agent: User) -> None:
    """The baseline the test above improves on: psycopg's BEGIN and Django's COMMIT each
    alone."""
    connection.ensure_connection()
    with fastsql.cursor() as c:  # prepared first (unpipelined, a Parse is a round trip)
        c.execute(INSERT, [agent.pk, "nol"])
        c.execute(UPDATE, [200, c.fetchall()[0][0]])
    with (
        CaptureQueriesContext(connection) as queries,
        wire() as traced,
        transaction.atomic(),
        fastsql.cursor() as c,
    ):
        c.execute(INSERT, [agent.pk, "dua"])
        ((record_id,),) = c.fetchall()
        c.execute(UPDATE, [201, record_id])

    assert traced.flights() == [["BEGIN"], [INSERT_PG], [UPDATE_PG], ["COMMIT"]]
    assert len(queries.captured_queries) == 4  # logged as in the test above
    traced.close()
    assert _committed(record_id) == 201


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_error_in_the_first_flight_is_translated_and_rolled_back(agent: User) -> None:
    connection.ensure_connection()
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.begin_with(INSERT, [agent.pk, None])  # "key" is NOT NULL

    assert not connection.in_atomic_block
    assert connection.connection.autocommit and connection.get_autocommit()
    assert not IdempotencyRecord.objects.exists()  # and the connection works
    with transaction.atomic():  # and the next transaction starts as usual
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "lagi"])
    assert _committed(record_id) is None  # inserted with no status, and committed
    assert IdempotencyRecord.objects.filter(pk=record_id).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_error_in_the_last_statement_leaves_nothing_written(agent: User) -> None:
    hooks: list[str] = []
    connection.ensure_connection()
    with transaction.atomic():
        ((other,),) = fastsql.begin_with(INSERT, [agent.pk, "dipakai"])
    block = transaction.atomic()
    with pytest.raises(IntegrityError), block:
        transaction.on_commit(lambda: hooks.append("ran"))
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "baru"])
        # the (user, key) pair is unique: the UPDATE fails, the COMMIT behind it is skipped
        fastsql.commit_with(
            f'UPDATE {TABLE} SET "key" = %s WHERE id = %s', ["dipakai", record_id], block
        )

    assert hooks == []
    assert _committed(record_id) == "none"
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [other]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_failed_statement_is_the_error_whenever_its_answer_is_read(
    agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL sends an error at once. When psycopg reads the failed UPDATE's answer
    while it still sends the flight's rest, the COMMIT skipped behind it reports "pipeline
    aborted" in its place: the UPDATE's error is still the one raised. The COMMIT is queued
    late here, so that the answer is always in first."""
    import time

    queue = fastsql._queue

    def late(raw: Any, command: bytes) -> None:
        time.sleep(0.05)
        queue(raw, command)

    connection.ensure_connection()
    with transaction.atomic():
        ((other,),) = fastsql.begin_with(INSERT, [agent.pk, "dipakai"])
    monkeypatch.setattr(fastsql, "_queue", late)
    block = transaction.atomic()
    with pytest.raises(IntegrityError, match="duplicate key"), block:
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "baru"])
        fastsql.commit_with(
            f'UPDATE {TABLE} SET "key" = %s WHERE id = %s', ["dipakai", record_id], block
        )

    monkeypatch.undo()
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [other]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_commit_that_fails_in_the_flight_leaves_nothing_written(agent: User) -> None:
    """A deferred foreign key is checked at COMMIT: the flight's COMMIT fails, the server
    rolls the transaction back, and the error comes out as Django's."""
    hooks: list[str] = []
    connection.ensure_connection()
    block = transaction.atomic()
    with pytest.raises(IntegrityError), block:
        transaction.on_commit(lambda: hooks.append("ran"))
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "fk"])
        fastsql.commit_with(
            f"UPDATE {TABLE} SET user_id = %s WHERE id = %s", [agent.pk + 10**6, record_id], block
        )

    assert hooks == []
    assert not connection.in_atomic_block and connection.get_autocommit()
    assert not IdempotencyRecord.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_no_early_commit_but_in_the_outermost_block(agent: User, traced: Wire) -> None:
    connection.ensure_connection()
    outer = transaction.atomic()
    with outer:
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "dalam"])
        inner = transaction.atomic()
        with inner:  # a savepoint
            assert not fastsql.commit_with(UPDATE, [201, record_id], inner)
            assert not fastsql.commit_with(UPDATE, [201, record_id], outer)
        inner = transaction.atomic(savepoint=False)
        with inner:
            assert not fastsql.commit_with(UPDATE, [202, record_id], inner)
            assert not fastsql.commit_with(UPDATE, [202, record_id], outer)
        assert not fastsql.commit_with(UPDATE, [203, record_id], inner)  # not its block
        transaction.set_rollback(True)

    assert not IdempotencyRecord.objects.exists()  # all rolled back together
    # and outside any block a statement runs in autocommit, as through cursor()
    assert not fastsql.commit_with(UPDATE, [204, record_id], outer)
    ((again,),) = fastsql.begin_with(INSERT, [agent.pk, "luar"])
    assert _committed(again) is None and IdempotencyRecord.objects.filter(pk=again).exists()
    assert ["BEGIN", INSERT_PG] in traced.flights()  # the first one only


@pytest.mark.django_db
def test_inside_a_test_case_transaction_they_run_the_statement_alone(agent: User) -> None:
    """In a caller's transaction already started (and on SQLite) neither BEGIN nor COMMIT is
    sent: the statements run as ``cursor()`` runs them."""
    sql = INSERT.replace("now()", "CURRENT_TIMESTAMP")
    block = transaction.atomic(savepoint=False)
    with CaptureQueriesContext(connection) as queries, block:
        ((record_id,),) = fastsql.begin_with(sql, [agent.pk, "uji"])
        assert not fastsql.commit_with(UPDATE, [201, record_id], block)

    assert IdempotencyRecord.objects.get(pk=record_id).status == 201
    assert len(queries.captured_queries) == 2


def _post(client: Client, customer: Customer, key: str) -> Any:
    return client.post(
        "/api/v1/tickets",
        json.dumps({"customer_id": customer.pk, "subject": "Tagihan", "description": "Dua."}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The tickets the live updates announce: a creation's ``on_commit`` hook."""
    from sigap.tickets import live

    announced: list[Any] = []
    monkeypatch.setattr(live, "publish", lambda ids, **kw: announced.append(sorted(ids)))
    return announced


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_keyed_creation_sends_begin_and_commit_with_its_statements(
    agent: User, customer: Customer, published: list[Any]
) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=agent)}")
    assert _post(client, customer, "pemanasan").status_code == 201  # caches, prepares

    with wire() as traced:
        response = _post(client, customer, "diukur")
    flights = traced.flights()
    traced.close()

    assert response.status_code == 201, response.content
    ticket_id = response.json()["id"]
    assert published[-1] == [ticket_id]  # the hooks ran, after the commit
    begins = [f for f in flights if "BEGIN" in f]
    commits = [f for f in flights if "COMMIT" in f]
    assert len(begins) == len(commits) == 1, flights
    assert begins[0][0] == "BEGIN" and begins[0][1].startswith(f"INSERT INTO {TABLE}")
    assert commits[0][0].startswith(f"UPDATE {TABLE}") and commits[0][1] == "COMMIT"
    assert flights.index(begins[0]) == 0 and flights.index(commits[0]) == len(flights) - 1
    assert len(flights) == 5, flights  # 7 before: BEGIN and COMMIT each alone
    record = IdempotencyRecord.objects.get(key="diukur")
    assert record.status == 201 and bytes(record.body) == response.content
    replayed = _post(client, customer, "diukur")
    assert replayed["Idempotent-Replayed"] == "true" and replayed.content == response.content
    assert Ticket.objects.count() == 2


@contextmanager
def _refusing(body: str, trigger: str) -> Iterator[None]:
    """A trigger on the records' table (``trigger``: its CREATE clause, ``{table}`` for the
    table) running the PL/pgSQL ``body``, for the block only."""
    with connection.cursor() as c:
        c.execute(
            "CREATE FUNCTION flights_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} END $$"
        )
        c.execute(
            f"CREATE {trigger.format(table=TABLE)} FOR EACH ROW EXECUTE FUNCTION flights_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as c:
            c.execute(f"DROP TRIGGER flights_refuse ON {TABLE}")
            c.execute("DROP FUNCTION flights_refuse()")


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_creation_whose_commit_fails_answers_500_and_leaves_the_key_free(
    agent: User, customer: Customer, published: list[Any]
) -> None:
    """A failure in the last flight (here a constraint checked at COMMIT, once the record's
    answer is written) is the request's exception, as a failed COMMIT was: nothing
    written, no hook run, the key free for a retry."""
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=agent)}", raise_request_exception=False
    )
    with _refusing(
        "IF NEW.status IS NOT NULL THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW;",
        "CONSTRAINT TRIGGER flights_refuse AFTER UPDATE ON {table} DEFERRABLE INITIALLY DEFERRED",
    ):
        response = _post(client, customer, "gagal-commit")

    assert response.status_code == 500
    assert (Ticket.objects.count(), Message.objects.count()) == (0, 0)
    assert not IdempotencyRecord.objects.exists()
    assert published == []  # the request's hooks were dropped with its transaction
    retried = _post(client, customer, "gagal-commit")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert Ticket.objects.count() == 1 and published == [[retried.json()["id"]]]


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_creation_whose_answer_cannot_be_stored_answers_500_and_writes_nothing(
    agent: User, customer: Customer, published: list[Any]
) -> None:
    """The UPDATE itself fails (a trigger refuses it): the COMMIT behind it in the flight is
    skipped, and the request fails as it did when the UPDATE failed alone."""
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=agent)}", raise_request_exception=False
    )
    with _refusing("RAISE EXCEPTION 'refused';", "TRIGGER flights_refuse BEFORE UPDATE ON {table}"):
        response = _post(client, customer, "gagal-update")
        after = connection.get_autocommit(), connection.connection.autocommit

    assert response.status_code == 500
    assert after == (True, True)
    assert (Ticket.objects.count(), IdempotencyRecord.objects.count()) == (0, 0)
    assert published == []
    assert _post(client, customer, "gagal-update").status_code == 201


# --- the backend lost mid-transaction, a hook that raises ---------------------------


def _kill_own_backend() -> None:
    pid = connection.connection.info.backend_pid
    with _other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backend_killed_before_the_last_flight(agent: User) -> None:
    hooks: list[str] = []
    connection.ensure_connection()
    block = transaction.atomic()
    with block:
        transaction.on_commit(lambda: hooks.append("ran"))
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "mati"])
        _kill_own_backend()
        with pytest.raises(DatabaseError):
            fastsql.commit_with(UPDATE, [201, record_id], block)
        raw = connection.connection
        assert raw._pipeline is None and raw._autocommit is False
        transaction.set_rollback(True)

    assert hooks == []
    assert not connection.in_atomic_block
    connection.close()
    assert not IdempotencyRecord.objects.exists()
    block = transaction.atomic()
    with block:  # a new connection: both flights work again
        ((record_id,),) = fastsql.begin_with(INSERT, [agent.pk, "hidup"])
        assert fastsql.commit_with(UPDATE, [201, record_id], block)
    assert IdempotencyRecord.objects.get().status == 201


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backend_killed_before_the_first_flight(agent: User) -> None:
    connection.ensure_connection()
    _kill_own_backend()
    with transaction.atomic():
        with pytest.raises(DatabaseError):
            fastsql.begin_with(INSERT, [agent.pk, "mati"])
        raw = connection.connection
        assert raw._pipeline is None and raw._autocommit is False
        transaction.set_rollback(True)
    assert not connection.in_atomic_block
    connection.close()
    assert not IdempotencyRecord.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_whose_backend_dies_before_its_answer_is_stored(
    agent: User, customer: Customer, published: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=agent)}", raise_request_exception=False
    )
    store = idempotency._store

    def dying(*args: Any, **kwargs: Any) -> None:
        _kill_own_backend()
        store(*args, **kwargs)

    monkeypatch.setattr(idempotency, "_store", dying)
    response = _post(client, customer, "mati")
    assert response.status_code == 500
    assert not connection.in_atomic_block
    connection.close()
    monkeypatch.setattr(idempotency, "_store", store)
    assert (Ticket.objects.count(), IdempotencyRecord.objects.count()) == (0, 0)
    assert published == []
    assert _post(client, customer, "mati").status_code == 201
    assert Ticket.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_hook_that_raises_after_the_flight_commit(
    agent: User, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As before the change: the commit stands, the hook's error is the request's."""
    from sigap.tickets import live

    def boom(*a: Any, **k: Any) -> None:
        raise RuntimeError("hook")

    monkeypatch.setattr(live, "publish", boom)
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=agent)}", raise_request_exception=False
    )
    response = _post(client, customer, "kait")
    raw = connection.connection
    assert raw._pipeline is None and raw._autocommit is True and connection.get_autocommit()
    assert not connection.in_atomic_block
    assert response.status_code == 201  # the hooks are robust: logged, as before
    assert (Ticket.objects.count(), IdempotencyRecord.objects.get().status) == (1, 201)
