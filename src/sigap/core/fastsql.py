"""One INSERT for model instances (or for several models at once on PostgreSQL), and one
SELECT of a row by id, without the ORM's statement building.

The writes every new ticket and message makes (the ticket, its message, timeline events,
its search document) run on the busiest paths Sigap has: API creation, email ingestion,
live chat. Django's ``save``/``bulk_create`` spends several times longer composing such a
statement than the database spends running it. ``insert`` prepares each value exactly as
the ORM does (``pre_save`` then ``get_db_prep_save``, so defaults, ``auto_now_add``, JSON
and time zones behave the same), caches the SQL text per model and row count, and sets
the new primary keys on the instances.

Like ``bulk_create`` it sends no ``pre_save``/``post_save`` signals; use it only for
models that have no receivers (tests/test_fastsql.py checks the ones that use it).

On PostgreSQL these statements go through ``cursor()``: bound and prepared on the server,
so each connection of the pool parses and plans each of them once, not on every request
(docs/decisions/0009, "seventh pass").

``begin_with`` and ``commit_with`` send a transaction's first statement with its BEGIN,
and its last with its COMMIT, in one flight each on PostgreSQL (docs/decisions/0009,
"tenth pass").
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.expressions import Col

M = TypeVar("M", bound=models.Model)


def _db() -> Any:
    """The default database's wrapper itself: each attribute read through Django's
    ``connection`` proxy looks the wrapper up again (a thread-local read), and these
    functions read it dozens of times a statement."""
    return connections[DEFAULT_DB_ALIAS]


def prepared() -> bool:
    """Whether ``cursor()`` prepares its statements here: PostgreSQL with a
    ``prepare_threshold`` in the database's OPTIONS (settings: SIGAP_DB_PREPARED)."""
    return _prepares(_db())


def _prepares(db: Any) -> bool:
    return bool(
        db.vendor == "postgresql"
        and db.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )


def cursor() -> Any:
    """A cursor for the statements the hottest paths run on every request, whose SQL text
    is fixed (the value count apart): where ``prepared()``, its parameters are bound on
    the server and each statement is prepared on its first run on a connection (psycopg
    keeps the names, up to ``prepared_max`` a connection; a rollback drops them all).
    PostgreSQL then skips parsing and planning it again: about a third of its CPU per API
    creation. Elsewhere ``connection.cursor()``. It is Django's cursor wrapper either way:
    execute wrappers, the query log and error translation see it as any other."""
    db = _db()
    if not _prepares(db):
        return db.cursor()
    db.ensure_connection()
    with db.wrap_database_errors:
        raw = _prepared_cursor_class()(db.connection)
    raw.logged = db.queries_logged
    return db._prepare_cursor(raw)  # Django's wrapper, as db.cursor() gives it


class _Text:
    """What Django's query log reads of a psycopg cursor's last query (``_query.query``)."""

    def __init__(self, sql: str) -> None:
        self.query = sql.encode()


@functools.cache
def _prepared_cursor_class() -> type:
    import psycopg
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg.types.numeric import Int8

    class PreparedCursor(ServerBindingCursor):
        """Django's server-binding cursor, every statement prepared."""

        logged = False

        def execute(self, query: Any, params: Any = None, **_ignored: Any) -> Any:
            if params:
                # psycopg types a bare int by its size (int2, int4 or int8) and prepares a
                # statement once per set of types: one type for them all, one statement.
                # Django's Int2/Int4 and IntegerChoices members too (not a bool).
                params = [
                    Int8(p) if isinstance(p, int) and type(p) is not bool else p for p in params
                ]
            try:
                result = super().execute(query, params, prepare=True)  # type: ignore[misc]
            except psycopg.errors.FeatureNotSupported as error:
                # Another connection changed a column this statement returns (a
                # migration): PostgreSQL refuses the prepared statement until it is
                # deallocated. In a transaction its rollback deallocates them all.
                conn = self.connection  # type: ignore[attr-defined]  # psycopg.Cursor's
                idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                if "cached plan" not in str(error) or not idle:
                    raise
                conn.execute("DEALLOCATE ALL")  # psycopg forgets its names with it
                result = super().execute(query, params, prepare=True)  # type: ignore[misc]
            if self.logged:
                # A prepared statement's run leaves no text behind; the query log (DEBUG,
                # the tests' counts) gets it with its values, as Django's own cursors do.
                self._query = _Text(cast(Any, connection.ops).compose_sql(query, params))
            return result

    return PreparedCursor


_statements: dict[tuple[type[models.Model], int], tuple[str, list[Any]]] = {}


def _statement(model: type[models.Model], rows: int) -> tuple[str, list[Any]]:
    key = (model, rows)
    found = _statements.get(key)
    if found is None:
        meta = model._meta
        pk = meta.pk
        assert pk is not None
        fields = [
            f
            for f in meta.concrete_fields
            if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
            + ", ".join([one] * rows)
            + f" RETURNING {quote(str(pk.column))}"
        )
        found = _statements[key] = (sql, fields)
    return found


def insert(objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` (instances of one model, not yet saved) in one statement."""
    if not objs:
        return
    sql, params = _prepared(objs)
    with cursor() as c:
        c.execute(sql, params)
        keys = c.fetchall()
    _saved(objs, keys)


# Field classes whose ``pre_save`` reads the attribute and whose ``get_db_prep_save``
# returns a value of these exact types (or None) unchanged: for them the ORM's two calls
# (about a third of a new ticket's value preparation) are skipped. Anything else, or a
# value of another type (a bool in an integer field, a number in a text field), goes the
# ORM's way. Exact classes only: a subclass may convert.
_AS_IS: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.EmailField: (str,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.BooleanField: (bool,),
}


def _as_is(field: Any) -> tuple[type, ...]:
    """The value types ``field`` passes unchanged (empty: always the ORM's way)."""
    kind = type(field)
    if kind is models.ForeignKey:
        target = field.target_field
        if type(target) in (models.AutoField, models.BigAutoField, models.IntegerField):
            return (int,)
        return ()
    return _AS_IS.get(kind, ())


@functools.cache
def _plans(model: type[models.Model], skip: str = "") -> list[tuple[Any, str, tuple[type, ...]]]:
    """For each field ``_statement`` names for ``model`` (but the one whose attribute is
    ``skip``): the field, its attribute and the value types it takes as they are."""
    plans = []
    for field in _statement(model, 1)[1]:
        if field.attname != skip:
            as_is = _as_is(field)
            plans.append((field, field.attname, (*as_is, type(None)) if as_is else ()))
    return plans


def _values(
    obj: models.Model, plans: list[tuple[Any, str, tuple[type, ...]]], db: Any
) -> list[Any]:
    """``get_db_prep_save(pre_save(obj))`` of each field, as the ORM prepares them."""
    state = obj.__dict__
    out = []
    for field, attname, as_is in plans:
        if as_is and attname in state and type(value := state[attname]) in as_is:
            out.append(value)
        else:
            out.append(field.get_db_prep_save(field.pre_save(obj, True), db))
    return out


def _prepared(objs: Sequence[models.Model]) -> tuple[str, list[Any]]:
    model = type(objs[0])
    sql, _fields = _statement(model, len(objs))
    plans, db = _plans(model), _db()
    params = []
    for obj in objs:
        params += _values(obj, plans, db)
    return sql, params


def _saved(objs: Sequence[models.Model], keys: Sequence[Sequence[Any]]) -> None:
    for obj, (key,) in zip(objs, keys, strict=True):
        if obj.pk is None:
            obj.pk = key
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def insert_together(*groups: Sequence[models.Model]) -> None:
    """``insert`` for several groups (each of one model; none pointing at another group's
    new rows) in one statement on PostgreSQL, each group a data-modifying CTE; a
    statement per group elsewhere."""
    groups = tuple(group for group in groups if group)
    if connection.vendor != "postgresql" or len(groups) < 2:
        for group in groups:
            insert(group)
        return
    parts, params = [], []
    for n, objs in enumerate(groups):
        sql, group_params = _prepared(objs)
        parts.append((f"g{n} AS ({sql})", f"SELECT {n}, * FROM g{n}"))
        params += group_params
    sql = "WITH " + ", ".join(c for c, _ in parts) + " " + " UNION ALL ".join(s for _, s in parts)
    with cursor() as c:
        c.execute(sql, params)
        rows = c.fetchall()
    for n, objs in enumerate(groups):
        _saved(objs, [row[1:] for row in rows if row[0] == n])


@functools.cache
def _with_child_statement(
    parent: type[models.Model], child: type[models.Model], attname: str
) -> str:
    """``insert_with_child``'s SQL (the child's values in ``_plans(child, attname)``'s
    order)."""
    parent_sql = _statement(parent, 1)[0]
    fields = _statement(child, 1)[1]
    quote = connection.ops.quote_name
    parent_pk, child_pk = parent._meta.pk, child._meta.pk
    assert parent_pk is not None and child_pk is not None
    key = quote(str(parent_pk.column))
    columns = ", ".join(quote(str(f.column)) for f in fields)
    # VALUES, not SELECT: its NULLs and literals take the columns' types
    values = ", ".join(f"(SELECT {key} FROM p)" if f.attname == attname else "%s" for f in fields)
    sql = (
        f"WITH p AS ({parent_sql}), c AS (INSERT INTO {quote(child._meta.db_table)} "
        f"({columns}) VALUES ({values}) RETURNING {quote(str(child_pk.column))}) "
        f"SELECT p.{key}, c.{quote(str(child_pk.column))} FROM p, c"
    )
    return sql


def insert_with_child(parent: models.Model, child: models.Model, fk: str) -> None:
    """INSERT ``parent`` and ``child``, whose foreign key ``fk`` points at it, neither
    saved yet, in one statement on PostgreSQL: the child's row takes the parent's new key
    from a data-modifying CTE. Two statements elsewhere."""
    field = child._meta.get_field(fk)
    assert isinstance(field, models.ForeignKey)
    if connection.vendor != "postgresql":
        insert([parent])
        setattr(child, fk, parent)  # its key, now known
        insert([child])
        return
    attname = field.attname
    _parent_sql, params = _prepared([parent])
    sql = _with_child_statement(type(parent), type(child), attname)
    params += _values(child, _plans(type(child), attname), _db())
    with cursor() as c:
        c.execute(sql, params)
        parent_key, child_key = c.fetchone()
    _saved([parent], [(parent_key,)])
    setattr(child, fk, parent)  # its key, and the instance kept as the ORM keeps it
    _saved([child], [(child_key,)])


# ``get``'s statements: per model, the SQL (its select list, table and key column apart
# too, for ``get_with_rows``) and each field with its converters.
_reads: dict[tuple[str, type[models.Model]], tuple[str, list[Any], tuple[str, str, str]]] = {}


def _read(model: type[models.Model]) -> tuple[str, list[Any], tuple[str, str, str]]:
    key = (connection.vendor, model)
    found = _reads.get(key)
    if found is None:
        meta = model._meta
        pk = meta.pk
        assert pk is not None
        quote = connection.ops.quote_name
        fields = []
        for f in meta.concrete_fields:
            col = Col(meta.db_table, f)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            fields.append((f, col, converters))
        table = quote(meta.db_table)
        columns = ", ".join(f"{table}.{quote(str(f.column))}" for f in meta.concrete_fields)
        key_column = f"{table}.{quote(str(pk.column))}"
        sql = f"SELECT {columns} FROM {table} WHERE {key_column} = %s"
        found = _reads[key] = (sql, fields, (columns, table, key_column))
    return found


def _instance(model: type[M], row: Sequence[Any], fields: list[Any]) -> M:
    values = []
    db = _db()
    for value, (_field, col, converters) in zip(row, fields, strict=False):
        for convert in converters:
            value = convert(value, col, db)
        values.append(value)
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f, _, _ in fields], values)


def get(model: type[M], pk: int) -> M | None:
    """``model.objects.filter(pk=pk).first()`` (every field, signals sent as the ORM
    sends them) in one statement written once per model: for the rows the hottest
    requests read by id (the customer of a new ticket)."""
    if not -(2**63) <= pk < 2**63:
        return None
    sql, fields, _parts = _read(model)
    with cursor() as c:
        c.execute(sql, [pk])
        row = c.fetchone()
    if row is None:
        return None
    return _instance(model, row, fields)


def get_with_rows(
    model: type[M], pk: int, *, table: str, fk: str, columns: str, order: str
) -> tuple[M, list[tuple[Any, ...]]] | None:
    """``get``, and in the same statement the rows of ``table`` whose ``fk`` points at
    it: their ``columns`` (SQL, unconverted), in ``order`` (SQL). One round trip where
    the ORM takes two (the contacts of a new ticket's customer). ``table`` must have an
    ``id`` column."""
    if not -(2**63) <= pk < 2**63:
        return None
    _sql, fields, (own_columns, own_table, key_column) = _read(model)
    sql = (
        f"SELECT {own_columns}, {table}.id, {columns} FROM {own_table} LEFT JOIN {table} "
        f"ON {table}.{fk} = {key_column} WHERE {key_column} = %s ORDER BY {order}"
    )
    with cursor() as c:
        c.execute(sql, [pk])
        rows = c.fetchall()
    if not rows:
        return None
    n = len(fields)
    children = [tuple(row[n + 1 :]) for row in rows if row[n] is not None]
    return _instance(model, rows[0], fields), children


# A transaction's two ends in one flight each (PostgreSQL).
#
# With autocommit off (Django's ``atomic``), psycopg starts a transaction by sending BEGIN
# alone and waiting for its answer before the first statement; ``commit()`` sends COMMIT
# alone and waits again. Each of those round trips costs both sides a wake-up, and the
# server's request thread a hand-off of the GIL, and the answer tells nothing the next
# statement's would not. psycopg's pipeline mode queues several statements
# and a single Sync: the server runs them in order, stops at the first error (skipping the
# rest) and answers them all at once. But psycopg syncs the pipeline right after its own
# BEGIN, so the BEGIN is written here as a statement of the flight, with psycopg's
# autocommit flag set for that moment (no I/O: it only stops psycopg sending its own), and
# the COMMIT likewise, after which Django's ``commit()`` finds the connection idle, sends
# nothing, and runs the ``on_commit`` hooks as after any commit.
#
# Unchanged: the statements run in the same order in the same transaction; the error is
# the first failed statement's (the skipped ones' "pipeline aborted" never replaces it),
# translated as Django translates any, and the caller's ``atomic`` rolls back as before;
# execute wrappers and the query log see the statement (its time is the queueing's: the
# answer comes at the Sync); Django logs BEGIN and COMMIT as always. Not here: SQLite, or
# anything but the plain case (a pipeline already open, an isolation level, read-only or
# deferrable transaction set on the connection): the statement runs as it did, BEGIN and
# COMMIT by psycopg and Django. Two names are psycopg's own, not its API: ``_autocommit``
# (the flag its setter sets once it has checked that no transaction is open) and
# ``_exec_command`` (how it queues its BEGIN and COMMIT); without them, the plain path.
# tests/test_transaction_flights.py reads the wire (libpq's trace) to see the flights.


@contextmanager
def _flight(db: Any) -> Iterator[None]:
    """A psycopg pipeline on ``db``'s connection, closed by one Sync (one round trip), its
    errors translated as Django translates any."""
    import psycopg

    with db.wrap_database_errors:
        try:
            with db.connection.pipeline():
                yield
        except psycopg.errors.PipelineAborted as aborted:
            # The statement that failed is the error. psycopg reports it, unless it read
            # that answer before the Sync's: then the skipped statement after it reports
            # "pipeline aborted" in its place, the failure as its context.
            failed = aborted.__context__
            if isinstance(failed, psycopg.Error) and not isinstance(
                failed, psycopg.errors.PipelineAborted
            ):
                raise failed from None
            raise


def _queue(raw: Any, command: bytes) -> None:
    """Queue ``command`` in ``raw``'s open pipeline as psycopg queues its own BEGIN and
    COMMIT, without sending it yet (a cursor's ``execute`` would send it, and the poll for
    it costs more than the statement's share of the flight)."""
    raw.wait(raw._exec_command(command))


def _plain_begin(raw: Any) -> bool:
    """Would psycopg send a bare BEGIN before ``raw``'s next statement?"""
    import psycopg

    return bool(
        not raw.autocommit
        and raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        and getattr(raw, "_pipeline", True) is None
        and hasattr(raw, "_autocommit")
        and hasattr(raw, "_exec_command")
        and raw.isolation_level is None
        and raw.read_only is None
        and raw.deferrable is None
    )


def begin_with(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` through ``cursor()`` and return its rows. When it is the first statement
    of a transaction (autocommit off, nothing sent yet: an ``atomic`` block just entered)
    on PostgreSQL, the transaction's BEGIN goes with it: one round trip, not two."""
    db = _db()
    with cursor() as c:
        raw = db.connection if db.vendor == "postgresql" else None
        if raw is None or not _plain_begin(raw):
            c.execute(sql, params)
            return list(c.fetchall())
        raw._autocommit = True  # psycopg's flag only: it will not send its own BEGIN
        try:
            with _flight(db):
                _queue(raw, b"BEGIN")
                c.execute(sql, params)
        finally:
            raw._autocommit = False
        return list(c.fetchall())


def commit_with(sql: str, params: Sequence[Any], block: transaction.Atomic) -> bool:
    """Run ``sql`` through ``cursor()`` as the last statement of ``block``, the outermost
    ``atomic`` block the caller entered, and on PostgreSQL commit its transaction in the
    same round trip: the block's exit then commits nothing more, and runs the
    ``on_commit`` hooks. Call it last in the block: anything run after it would be a
    transaction of its own. Whether it committed; elsewhere (SQLite, inside a nested block
    or another's block, a transaction marked for rollback, an open pipeline) it runs
    ``sql`` alone and the block commits as usual."""
    db = _db()
    with cursor() as c:
        raw = db.connection if db.vendor == "postgresql" else None
        if raw is None or not _commits_last(db, raw, block):
            c.execute(sql, params)
            return False
        with _flight(db):
            c.execute(sql, params)
            _queue(raw, b"COMMIT")
        return True


def _commits_last(db: Any, raw: Any, block: transaction.Atomic) -> bool:
    import psycopg

    return bool(
        db.in_atomic_block
        and len(db.atomic_blocks) == 1
        and db.atomic_blocks[0] is block
        and not db.savepoint_ids
        and db.commit_on_exit
        and not db.needs_rollback
        and not db.closed_in_transaction
        and raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        and getattr(raw, "_pipeline", True) is None
        and hasattr(raw, "_exec_command")
    )
