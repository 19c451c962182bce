"""Shared test world (healthchecks' owner/teammate/outsider, for a help desk).

- ``team`` Pengiriman with ``supervisor`` and ``agent``; ``other_team`` Pembayaran with
  ``outsider_agent`` (an agent who must not see Pengiriman's tickets);
- ``admin``; ``customer_user`` linked to ``customer``; ``other_customer_user`` linked to
  ``other_customer``;
- ``ticket``: a new complaint of ``customer`` in ``team``, assigned to ``agent``.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import pickle
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests import handlers, world

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket

handlers.install()  # test clients route bearer-token API requests as the server does

# --- One migrated test database, kept between runs, cloned for each test process ----------
# Migrating Sigap's test database takes 12-13 s of CPU (measured 2026-12-07, one process on
# the quiet 2-core machine, SQLite and PostgreSQL alike); with pytest-xdist every worker did
# it for its own database, after collecting the tests. Now the run's controller gets a
# migrated template database while its workers start and collect, and every worker clones
# it (PostgreSQL: CREATE DATABASE ... TEMPLATE; SQLite: a file copy), as Django's own
# parallel runner does.
#
# The template is kept for the next run under a fingerprint of everything that decides
# what the migrations make (Sigap's code but its tests, the installed packages' versions,
# the SIGAP_* settings, the engine and its server's version): a run whose fingerprint
# matches clones the kept one, any change (or pytest's ``--create-db``) migrates afresh.
# PostgreSQL keeps it as ``<test database>_template`` with the fingerprint in the
# database's comment (written once the migrations are done); SQLite as a file in the
# test cache folder (_test_cache_dir(), outside the checkout). ``make test`` runs the
# suite on both engines: about 25 s of CPU a run went to these two migrations.

_TEMPLATE_RECORD = "sigap-db-template.json"
_TEMPLATE_LOCK = "sigap-db-template.lock"
_TEMPLATE_MARK = "sigap test template"
_template_builder: threading.Thread | None = None


def _test_cache_dir() -> Path:
    """Where the kept SQLite template and the trained shipped models go: outside the
    checkout, in the user's cache (``SIGAP_TEST_CACHE``, else ``$XDG_CACHE_HOME/sigap-tests``
    or ``~/.cache/sigap-tests``), so a fresh checkout on the same machine, as CI's work
    tree is, finds them: under var/ each CI run migrated the SQLite template (about 12 s
    of CPU) and trained the four shipped models (about 8.5 s) again. Everything in it is
    kept under a fingerprint of what it was made from, so checkouts of other code share
    the folder safely (each writes under a lock)."""
    configured = os.environ.get("SIGAP_TEST_CACHE")
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "sigap-tests"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _server_version(connection: Any) -> str:
    """The database server's version (PostgreSQL's ``server_version_num``, SQLite's library):
    the DDL Django writes depends on the server's features."""
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return str(cursor.fetchone()[0])


def _template_fingerprint(vendor: str, server: str) -> str:
    """What the migrated database depends on: Sigap's modules (migrations, models, the
    code migrations import), every installed package's version (Django's own migrations,
    the other apps'), the SIGAP_* settings of this run but the tests' own and the
    throwaway data folder, the engine, the server's and Python's versions."""
    import importlib.metadata
    import sys

    import sigap

    digest = hashlib.sha256(f"{vendor}\0{server}\0{sys.version}".encode())
    packages = sorted(  # a set: a process finds some twice, by each sys.path entry
        {f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()}
    )
    digest.update("\n".join(packages).encode())
    env = sorted(
        (k, v)
        for k, v in os.environ.items()
        if k.startswith("SIGAP_") and not k.startswith("SIGAP_TEST_") and k != "SIGAP_DATA_DIR"
    )
    digest.update(repr(env).encode())
    package = Path(sigap.__file__).parent
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if "tests" not in relative.parts:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _kept_postgres_template(connection: Any, name: str) -> str | None:
    """The fingerprint in the comment of the kept template database ``name``, if any."""
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        )
        row = cursor.fetchone()
    comment = (row[0] or "") if row else ""
    prefix = f"{_TEMPLATE_MARK} "
    return comment[len(prefix) :] if comment.startswith(prefix) else None


def _migrate_template(connection: Any, test_name: str) -> str:
    """Create and migrate ``<test_name>_template``; return its name."""
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    original_test_name = connection.settings_dict["TEST"].get("NAME")
    connection.settings_dict["TEST"]["NAME"] = f"{test_name}_template"
    try:
        template = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        if connection.vendor == "sqlite":  # everything in the main file before copying
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return str(template)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original_name
        connection.settings_dict["TEST"]["NAME"] = original_test_name


def _build_template(record: Path, *, rebuild: bool = False, worker: str = "") -> None:
    """Get the template database, kept or migrated now (always with ``rebuild``: pytest's
    ``--create-db``); write its name in ``record``. A ``worker`` building it (the
    controller could not) names it as the controller does, without the suffix
    pytest-django gave its test database: one kept template per test database."""
    import shutil

    from django.db import connection

    vendor = connection.vendor
    test_name = (
        connection.settings_dict["TEST"].get("NAME") or connection.creation._get_test_db_name()
    )
    if worker:
        test_name = test_name.removesuffix(f"_{worker}")
    fingerprint = _template_fingerprint(vendor, _server_version(connection))
    if vendor == "sqlite":
        # the run's copy in its own data folder, where the workers' clones go
        template = f"{test_name}_template"
        cache = _test_cache_dir()
        kept = cache / f"db-template-sqlite-{fingerprint}.sqlite3"
        with open(cache / "db-template-sqlite.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another run of this checkout may build it
            if rebuild or not kept.exists():
                template = _migrate_template(connection, test_name)
                # other checkouts' templates stay (the folder is shared): the newest few
                others = sorted(cache.glob("db-template-sqlite-*.sqlite3"), key=_mtime)
                for old in others[:-3]:
                    old.unlink(missing_ok=True)
                partial = kept.with_suffix(".partial")
                shutil.copyfile(template, partial)
                partial.rename(kept)
            else:
                shutil.copyfile(kept, template)
    else:
        template = f"{test_name}_template"
        if rebuild or _kept_postgres_template(connection, template) != fingerprint:
            template = _migrate_template(connection, test_name)
            quoted = connection.ops.quote_name(template)
            with connection.creation._nodb_cursor() as cursor:  # marked kept once migrated
                cursor.execute(
                    f"COMMENT ON DATABASE {quoted} IS %s", [f"{_TEMPLATE_MARK} {fingerprint}"]
                )
    record.write_text(json.dumps({"name": template, "vendor": vendor}))


def pytest_sessionstart(session: pytest.Session) -> None:
    """The xdist controller builds the template in a thread while the workers start; they
    wait on the lock it holds until then (and build it themselves if it failed)."""
    global _template_builder
    config = session.config
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    from pytest_django.plugin import blocking_manager_key

    shared = config._tmp_path_factory.getbasetemp()
    lock = open(shared / _TEMPLATE_LOCK, "w")  # noqa: SIM115 - released by the thread
    fcntl.flock(lock, fcntl.LOCK_EX)
    blocker = config.stash[blocking_manager_key]
    rebuild = bool(config.getoption("create_db", False))

    def build() -> None:
        try:
            with blocker.unblock():
                _build_template(shared / _TEMPLATE_RECORD, rebuild=rebuild)
        except Exception:  # the first worker builds it again, and its error fails the run
            pass
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    _template_builder = threading.Thread(target=build, name="db-template", daemon=True)
    _template_builder.start()


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized = _get_databases_for_setup(request.session.items)
    serialized = set(serialized) | ({"default"} & set(aliases))  # for _migrated_rows_back
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if worker is None or set(aliases) - {"default"}:  # one process: as pytest-django does
        with django_db_blocker.unblock():
            config = setup_databases(
                verbosity=0, interactive=False, aliases=aliases, serialized_aliases=serialized
            )
        yield
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)
        return

    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, shared by its workers
    record = shared / _TEMPLATE_RECORD
    with django_db_blocker.unblock(), open(shared / _TEMPLATE_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker migrates, the others wait
        if not record.exists():  # the controller could not build it: say why here
            _build_template(
                record, rebuild=bool(request.config.getoption("create_db")), worker=worker
            )
        template = json.loads(record.read_text())["name"]
        connection.settings_dict["NAME"] = template
        creation.clone_test_db(suffix=worker, verbosity=0)
    clone = creation.get_test_db_clone_settings(worker)["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = clone
    if "default" in serialized:
        with django_db_blocker.unblock():
            connection._test_serialized_contents = creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        creation.destroy_test_db(original_name, verbosity=0)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's controller removes its copy of the SQLite template (the kept one stays in
    the test cache folder); PostgreSQL's template is kept as it is, for the next run."""
    if hasattr(session.config, "workerinput"):
        return
    if _template_builder is not None:
        _template_builder.join()
    factory = getattr(session.config, "_tmp_path_factory", None)
    record = factory.getbasetemp() / _TEMPLATE_RECORD if factory else None
    if record is None or not record.exists():
        return
    template = json.loads(record.read_text())
    if template["vendor"] == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(template["name"] + suffix).unlink(missing_ok=True)


# --- Emptying PostgreSQL's test database after a test that commits -------------------
# Django empties it with one TRUNCATE of every table (pytest-django's transactional tests,
# the browser and server tests). On PostgreSQL a TRUNCATE makes new files for each table,
# index and TOAST table and drops their buffers: for Sigap's 115 tables it took 6.3 s on
# the loaded 2-core machine, against 0.14 s for a DELETE of each (measured 2026-12-07 on a
# test database, psql `\timing`). The tests' tables hold a few rows, so they are emptied
# with DELETE here, in the flush's own transaction (Django's foreign keys on PostgreSQL are
# deferred to the commit, so the order does not matter). Kept out of the DELETE:
# - tables a trigger of Sigap's own guards against DELETE (the append-only security log)
#   and every table that refers to them: emptied by TRUNCATE, as before;
# - content types and permissions, which the flush's post_migrate signal would make again
#   at once, the same rows. Kept on SQLite too, and left out of what a test with
#   ``serialized_rollback`` restores (TEST_NON_SERIALIZED_APPS, sigap/test_settings.py):
#   restored, they were 540 of the 680 rows saved again one by one before each such test
#   (PostgreSQL: 534 -> 141 ms of the test process's CPU and 1.34 -> 0.35 s of wall a
#   test; SQLite: 269 -> 71 ms; measured 2026-12-07 on the slow host).
_KEPT_BY_FLUSH = {"django_content_type", "auth_permission"}
# A flush also empties what the migrations wrote (the default SLA calendars and policies,
# the settings' rows). pytest-django runs a process's tests that commit after its tests in
# a rolled-back transaction, which find those rows; but pytest-xdist's work stealing hands
# a process that is done (its committing tests run, its database flushed) tests from the
# end of another's queue, and those can be rolled-back tests that read them (seen: the
# SLA settings' tests failed in one run, not finding the office-hours calendar). Such a
# test gets the rows back first (``pytest_runtest_setup``), from the copy serialized at
# the start, as Django restores them for ``serialized_rollback``.
_flushed = False
_truncated_tables: dict[str, set[str]] = {}


def _tables_for_truncate(connection: Any) -> set[str]:
    """The tables with a user trigger on DELETE, and every table referring to them."""
    name = connection.settings_dict["NAME"]
    if name not in _truncated_tables:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgtype & 8 = 8"
            )
            tables = {row[0].strip('"') for row in cursor.fetchall()}
            cursor.execute(
                "SELECT conrelid::regclass::text, confrelid::regclass::text "
                "FROM pg_constraint WHERE contype = 'f'"
            )
            refs = [(a.strip('"'), b.strip('"')) for a, b in cursor.fetchall()]
        while True:
            more = {a for a, b in refs if b in tables} - tables
            if not more:
                break
            tables |= more
        _truncated_tables[name] = tables
    return _truncated_tables[name]


def _install_delete_flush() -> None:
    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.backends.postgresql.operations import DatabaseOperations
    from django.db.backends.sqlite3.base import (  # .operations alone: a circular import
        DatabaseOperations as SQLiteOperations,
    )

    truncate = DatabaseOperations.sql_flush

    def keeping(flush: Any) -> Any:
        """``flush`` (either engine's) without the tables every flush keeps."""

        def sql_flush(self: Any, style: Any, tables: list[str], **options: bool) -> list[str]:
            return flush(self, style, [t for t in tables if t not in _KEPT_BY_FLUSH], **options)

        return sql_flush

    def delete_flush(
        self: Any,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        guarded = _tables_for_truncate(self.connection)
        sql = truncate(self, style, [t for t in tables if t in guarded])
        return sql + [f"DELETE FROM {self.quote_name(t)};" for t in tables if t not in guarded]

    DatabaseOperations.sql_flush = keeping(delete_flush)  # type: ignore[method-assign]
    SQLiteOperations.sql_flush = keeping(SQLiteOperations.sql_flush)  # type: ignore[method-assign]

    execute = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        """The flush run (not only its statements written): ``_migrated_rows_back``."""
        global _flushed
        execute(self, sql_list)
        _flushed = True

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


@pytest.fixture
def admin(db: None) -> User:
    return world.make_user("admin")


@pytest.fixture
def supervisor(db: None) -> User:
    return world.make_user("supervisor")


@pytest.fixture
def agent(db: None) -> User:
    return world.make_user("agent")


@pytest.fixture
def outsider_agent(db: None) -> User:
    return world.make_user("outsider_agent")


@pytest.fixture
def other_supervisor(db: None) -> User:
    return world.make_user("other_supervisor")


@pytest.fixture
def team(supervisor: User, agent: User) -> Team:
    return world.make_team(supervisor, agent)


@pytest.fixture
def other_team(other_supervisor: User, outsider_agent: User) -> Team:
    return world.make_other_team(other_supervisor, outsider_agent)


@pytest.fixture
def customer_user(db: None) -> User:
    return world.make_user("customer_user")


@pytest.fixture
def customer(customer_user: User) -> Customer:
    return world.make_customer(customer_user)


@pytest.fixture
def other_customer_user(db: None) -> User:
    return world.make_user("other_customer_user")


@pytest.fixture
def other_customer(other_customer_user: User) -> Customer:
    return world.make_other_customer(other_customer_user)


@pytest.fixture
def ticket(agent: User, team: Team, customer: Customer) -> Ticket:
    return world.make_ticket(agent, team, customer)


@pytest.fixture
def other_ticket(outsider_agent: User, other_team: Team, other_customer: Customer) -> Ticket:
    return world.make_other_ticket(outsider_agent, other_team, other_customer)


_memos_stale = True


@pytest.fixture(autouse=True)
def _user_checks_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bearer token's or a session's user check stays remembered for the whole test
    (``TOKEN_CACHE_SECONDS``, 5 s): on a loaded machine a test's requests can take longer
    than that, and a query-count test then counted the check again (seen: 3 statements
    where 2 are expected). A change to a user or token still drops the checks at once (the
    shared generation); a test of the expiry sets its own time."""
    from sigap.accounts import services

    monkeypatch.setattr(services, "TOKEN_CACHE_SECONDS", 3600.0)


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Cached values (inbox counts, the SLA policy book, the webhook list, the automation
    rules, the active canned responses) must not leak from one test's database to the
    next. The memos are loaded again only after a test changed what they hold (their
    models' signals count each change) or emptied the database (a transactional test):
    loading the SLA book alone in every test cost about 4 % of the suite."""
    global _memos_stale
    memos = world.fresh_memos(every=_memos_stale)
    _memos_stale = False
    before = [memo.changes for memo in memos]
    yield
    if _commits(request.node) or before != [memo.changes for memo in memos]:
        _memos_stale = True


def _model_cache_dir() -> Path:
    import sigap

    package = Path(sigap.__file__).parent
    digest = hashlib.sha256()
    sources = [package / "triage" / "classify.py", package / "text" / "indonesian.py"]
    data = sorted((package / "triage" / "data").glob("*")) + sorted(
        (package / "text" / "data").glob("*")
    )
    for path in [*sources, *data]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    folder = _test_cache_dir() / f"triage-{digest.hexdigest()[:16]}"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def _shipped_models_trained_once() -> Iterator[None]:
    """Training the shipped triage models takes seconds (the sentiment model about 4 s) and
    their data does not change: each is trained once, by whichever test process needs it
    first, and the others (and the next run: ``make test`` runs the suite twice) load it
    from the test cache folder (``_test_cache_dir()``), under a key made of the training
    code and data, so a change to either trains afresh. The models are the ones
    ``classify.train_shipped`` makes; only the repetition goes."""
    from sigap.triage import classify

    real = classify.train_shipped
    shared = _model_cache_dir()
    memo: dict[str, tuple[Any, Any]] = {}

    def train_shipped(task: str) -> tuple[Any, Any]:
        if task not in memo:
            path = shared / f"triage-shipped-{task}.pickle"
            with open(shared / f"triage-shipped-{task}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one process trains, the others wait
                if path.exists():
                    memo[task] = pickle.loads(path.read_bytes())
                else:
                    memo[task] = real(task)
                    tmp = path.with_suffix(".tmp")
                    tmp.write_bytes(pickle.dumps(memo[task], protocol=pickle.HIGHEST_PROTOCOL))
                    tmp.rename(path)
        return memo[task]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(classify, "train_shipped", train_shipped)
        yield


@pytest.fixture(autouse=True)
def _livechat_pool_connections_closed() -> Iterator[None]:
    """The live-chat websockets' database threads (``livechat.db``) keep the connection
    their last call opened. Close each thread's connection after every test: left open, a
    connection outlives the test's database state, and is garbage-collected open
    (psycopg's ResourceWarning) or holds up the test database's teardown."""
    yield
    import threading

    from django.db import connections

    from sigap.connectors.livechat import db

    pool = db._executor
    if pool is None:
        return
    n = pool._max_workers
    # Every thread of the pool must take one call: each waits for the others at a barrier.
    barrier = threading.Barrier(n, timeout=10)

    def close() -> None:
        connections.close_all()
        barrier.wait()

    for future in [pool.submit(close) for _ in range(n)]:
        future.result()


# Fixtures through which a test reaches the test database (pytest-django's).
_DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
    "_django_db_helper",
}


def _long_first(items: list[pytest.Item]) -> None:
    """Within each of pytest-django's groups (tests in a rolled-back transaction, tests that
    commit, tests without the database; it runs them in that order), the long tests first:
    browser and production-stack tests and those marked ``long``. Left at the end of their
    group, they kept one test process busy after the others had finished (about 90 s of
    the PostgreSQL run, measured)."""

    def group(item: pytest.Item) -> int:
        if _commits(item):
            return 1
        return 0 if _uses_database(item) else 2

    def long(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(m) for m in ("long", "e2e", "production_stack"))

    items.sort(key=lambda item: (group(item), not long(item)))


class _LongFirst:
    """Registered in ``pytest_configure``: its hook runs after pytest-django's ordering."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        _long_first(items)


def _engine_neutral() -> set[str]:
    """The test ids in tests/engine_neutral.txt (one per line, ``#`` comments)."""
    path = Path(__file__).parent / "tests" / "engine_neutral.txt"
    if not path.exists():
        return set()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def _uses_database(item: pytest.Item) -> bool:
    return bool(
        item.get_closest_marker("django_db")
        or _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def _commits(item: pytest.Item) -> bool:
    """A test whose writes are committed, the database flushed after it (pytest-django's
    transactional tests, the browser and server tests)."""
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    ) or bool(fixtures & {"transactional_db", "django_db_reset_sequences", "live_server"})


def _migrated_rows_back(config: pytest.Config) -> bool:
    """After a flush, the rows the migrations wrote, saved again from the copy serialized
    when the test database was set up (outside any test's transaction: they stay). True
    when they were restored."""
    global _flushed
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    contents = getattr(connection, "_test_serialized_contents", None)
    if not _flushed or contents is None:
        return False
    with config.stash[blocking_manager_key].unblock():
        connection.creation.deserialize_db_from_string(contents)
        # their ids were written as they were: each sequence goes past them (a flush
        # with ``reset_sequences`` restarted it at 1)
        models = {apps.get_model(row["model"]) for row in json.loads(contents)}
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    _flushed = False
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A rolled-back test run after a flush gets the migrated rows back first (``_flushed``),
    before pytest-django opens its transaction."""
    if _flushed and _uses_database(item) and not _commits(item):
        _migrated_rows_back(item.config)


def _left_to_the_sqlite_run(item: pytest.Item, sqlite_ignores: list[str]) -> bool:
    """A test of the PostgreSQL run that the SQLite run beside it runs instead: a browser
    test, or one that does not use the test database, and not a production stack test, in
    a module the SQLite run collects."""
    if item.get_closest_marker("production_stack"):
        return False
    if _uses_database(item) and not item.get_closest_marker("e2e"):
        return False
    path = item.nodeid.split("::")[0]
    return not any(path == p or path.startswith(p.rstrip("/") + "/") for p in sqlite_ignores)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that drives chromium is a browser test wherever it lives: marker ``e2e``
    (``make test`` runs those once, in the SQLite run).

    ``make test`` runs the suite on PostgreSQL and on SQLite side by side
    (scripts/run_tests.py), and sets ``SIGAP_TEST_SIDE`` to say which run this is. A test
    that does not use the test database does not depend on its engine, nor does a browser
    test (the pages and their scripts): it runs once, in the SQLite run (``sqlite``),
    unless that run leaves its module out (``SIGAP_TEST_SQLITE_IGNORES``, comma-separated)
    or it is a production stack test; the PostgreSQL run (``postgres``) leaves it out."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
    side = os.environ.get("SIGAP_TEST_SIDE")
    kept, dropped = [], []
    if side == "postgres":
        ignores = [p for p in os.environ.get("SIGAP_TEST_SQLITE_IGNORES", "").split(",") if p]
        for item in items:
            (dropped if _left_to_the_sqlite_run(item, ignores) else kept).append(item)
    elif side == "sqlite":
        # The SQLite run also leaves out the tests the engine probe found reaching no path
        # that differs between the engines (tests/engine_neutral.txt, written by
        # ``scripts/engine_probe.py --write``): they use the database, and run on
        # PostgreSQL. A test not listed there, new or renamed, runs on both engines.
        neutral = _engine_neutral()
        for item in items:
            (dropped if _uses_database(item) and item.nodeid in neutral else kept).append(item)
    else:
        return
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_LongFirst(), "sigap-long-first")
    _install_delete_flush()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are collected, everything alive (Sigap, Django, the test modules and
    their parameters, schemathesis' schema, pytest's own items) stays to the end: moved out
    of the garbage collector's reach (``gc.freeze``), so the full collections that the
    tests' allocations set off no longer walk it each time. They walked about 185,000
    objects in a test process: gc took 5.3 of 29.5 s of CPU over 319 tests, 2.2 of 24.9
    frozen (test_access, test_procedure, test_api_authz_matrix, test_english_everywhere on
    SQLite, one process, 2026-12-07). What becomes garbage during the tests is collected
    as before, at the same thresholds."""
    gc.collect()  # the collection's own garbage first: frozen objects are never freed
    gc.freeze()
