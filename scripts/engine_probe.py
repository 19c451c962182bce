"""Which tests reach a path that differs between SQLite and PostgreSQL: a pytest plugin for
the SQLite run, and the report that lists the modules none of whose tests do (the
candidates for ``POSTGRES_ONLY`` in ``scripts/run_tests.py``) and, with ``--write``, every
such test of the other modules in ``tests/engine_neutral.txt``, which the SQLite run of
``make test`` leaves to the PostgreSQL run.

    SIGAP_ENGINE_PROBE=var/probe .venv/bin/python -m pytest -p scripts.engine_probe -n 2 \
        -m "not production_stack and not e2e" --ignore=tests/e2e ...   # the SQLite run's
                                                        # database tests (scripts/run_tests.py)
    .venv/bin/python scripts/engine_probe.py var/probe [--write]        # the report

A test is marked with each of these it reaches, on SQLite:
- ``vendor``: Sigap's own code (not its tests) asked which engine it runs on
  (``connection.vendor``, ``connection.features``): an engine branch;
- ``raw``: SQL that Sigap's code sent itself, not through the ORM's compiler;
- ``sql:<construct>``: SQL the ORM renders differently per engine (Django's SQLite
  functions for dates and time zones, JSON functions, casts, LIKE's case rules, collations,
  full-text search);
- ``transactional``: the test commits (transactional tests, threads, live servers).
Not seen by the probe: ORDER BY on a nullable column without a NULLS clause (SQLite puts
NULLs first, PostgreSQL last); such orderings in Sigap give ``nulls_last`` explicitly where
it matters.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

CONSTRUCTS = {
    "django_func": re.compile(r"\bdjango_\w+\("),
    "json": re.compile(r"\bJSON_\w+\(|\bjson_each\b", re.I),
    "cast": re.compile(r"\bCAST\(", re.I),
    "like": re.compile(r"\bLIKE\b", re.I),
    "collate": re.compile(r"\bCOLLATE\b", re.I),
    "fts": re.compile(r"_fts\b|\bMATCH\b|\bbm25\(", re.I),
    "strftime": re.compile(r"\bstrftime\(|\bjulianday\(", re.I),
}

# Sigap's own SQL that its own modules hold to the ORM's answer on both engines: a test that
# merely passes through it (every ticket creation writes with fastsql.insert) reaches no
# difference those modules do not already check; the modules themselves stay in both runs.
HELD = {
    "raw:core/fastsql.py:insert": "tests/test_fastsql.py",
    "raw:core/fastsql.py:get": "tests/test_fastsql.py",
    "raw:tickets/selectors.py:ticket_read": "tests/test_ticket_read.py",
    "raw:tickets/selectors.py:ticket_page": "tests/test_ticket_read.py",
    "raw:tickets/selectors.py:tag_names": "tests/test_ticket_read.py",
    "raw:tickets/search.py:index_message": "src/sigap/tickets/tests/test_search.py",
    "raw:accounts/idempotency.py:_insert": "tests/test_api_idempotency.py",
    "raw:accounts/idempotency.py:_store": "tests/test_api_idempotency.py",
    "raw:customers/selectors.py:contact_pairs": "src/sigap/customers/tests/test_matching.py",
}

_current: str | None = None
_marks: dict[str, set[str]] = defaultdict(set)


def _sigap_frame_kind() -> str | None:
    """Who sent the statement, from the first frame outside the cursor wrappers: 'orm' for
    the ORM's compiler, 'raw:<module>:<function>' for Sigap's own code (not its tests),
    None for the rest (Django's savepoints and schema changes, the tests' own SQL)."""
    frame: Any = sys._getframe(2)
    while frame is not None and "django/db/backends/" in frame.f_code.co_filename:
        frame = frame.f_back
    if frame is None:
        return None
    name = frame.f_code.co_filename
    if "django/db/models/" in name:
        return "orm"
    if "/sigap/" in name and "/tests/" not in name and "/migrations/" not in name:
        return f"raw:{name.split('/sigap/', 1)[1]}:{frame.f_code.co_name}"
    return None


def _from_sigap(depth: int = 2) -> bool:
    name = sys._getframe(depth).f_code.co_filename
    return "/sigap/" in name and "/tests/" not in name and "/migrations/" not in name


def _install() -> None:
    from django.db.backends import utils
    from django.db.backends.sqlite3.base import DatabaseWrapper

    def vendor(self: Any) -> str:
        if _current and _from_sigap():
            _marks[_current].add("vendor")
        return "sqlite"

    def get_features(self: Any) -> Any:
        if _current and _from_sigap():
            _marks[_current].add("vendor")
        # connections made before the probe was installed keep theirs under the old name
        return self.__dict__.get("_probe_features") or self.__dict__["features"]

    def set_features(self: Any, value: Any) -> None:
        self.__dict__["_probe_features"] = value

    DatabaseWrapper.vendor = property(vendor)  # type: ignore[assignment]
    DatabaseWrapper.features = property(get_features, set_features)  # type: ignore[assignment]

    original = utils.CursorWrapper._execute_with_wrappers

    def execute(self: Any, sql: str, params: Any, many: bool, executor: Any) -> Any:
        if _current:
            kind = _sigap_frame_kind()
            if kind and kind.startswith("raw:"):
                _marks[_current].add(kind)
            elif kind == "orm":
                for construct, pattern in CONSTRUCTS.items():
                    if pattern.search(sql):
                        _marks[_current].add(f"sql:{construct}")
        return original(self, sql, params, many, executor)

    utils.CursorWrapper._execute_with_wrappers = execute  # type: ignore[method-assign]


def pytest_configure(config: Any) -> None:
    _install()


def pytest_runtest_setup(item: Any) -> None:
    global _current
    _current = item.nodeid
    _marks.setdefault(item.nodeid, set())
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    if (marker and marker.kwargs.get("transaction")) or fixtures & {
        "transactional_db",
        "live_server",
        "django_db_serialized_rollback",
    }:
        _marks[item.nodeid].add("transactional")


def pytest_runtest_teardown(item: Any) -> None:
    global _current
    _current = None


def pytest_sessionfinish(session: Any) -> None:
    out = os.environ.get("SIGAP_ENGINE_PROBE")
    if not out:
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if worker == "main" and not _marks:
        return
    data = {nodeid: sorted(marks) for nodeid, marks in _marks.items()}
    (Path(out) / f"{worker}.json").write_text(json.dumps(data, indent=0))


NEUTRAL = Path(__file__).resolve().parent.parent / "tests" / "engine_neutral.txt"


def report(folder: str, write: bool = False) -> None:
    """Print the modules none of whose tests reach a difference; with ``write``, list in
    tests/engine_neutral.txt every such test of the modules that stay in both runs."""
    tests: dict[str, list[str]] = {}
    for path in Path(folder).glob("*.json"):
        tests.update(json.loads(path.read_text()))
    modules: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for nodeid, marks in tests.items():
        modules[nodeid.split("::")[0]].append((nodeid, marks))
    holders = set(HELD.values())

    def neutral(marks: list[str]) -> bool:
        return not set(marks) - set(HELD)

    clean = sorted(
        m
        for m, items in modules.items()
        if m not in holders and all(neutral(marks) for _, marks in items)
    )
    print(f"{len(tests)} tests in {len(modules)} modules; {len(clean)} modules reach no path")
    print("that differs between the engines:")
    for module in clean:
        print(f"  {module} ({len(modules[module])} tests)")
    ids = sorted(
        nodeid
        for m, items in modules.items()
        if m not in holders
        for nodeid, marks in items
        if neutral(marks)
    )
    print(f"{len(ids)} of {len(tests)} tests reach no such path (outside the holding modules)")
    if write:
        header = (
            "# Tests the SQLite run of `make test` leaves to the PostgreSQL run: the engine\n"
            "# probe saw each reach no path that differs between the engines (see\n"
            "# scripts/engine_probe.py). Written by `scripts/engine_probe.py FOLDER --write`;\n"
            "# a test not listed (new, renamed) runs on both engines.\n"
        )
        NEUTRAL.write_text(header + "".join(f"{i}\n" for i in ids), encoding="utf-8")
        print(f"wrote {NEUTRAL}")


if __name__ == "__main__":
    report(sys.argv[1], write="--write" in sys.argv[2:])
