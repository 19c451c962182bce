"""Run the whole test suite on SQLite, then on PostgreSQL (and with Redis) when reachable.

Environment:
  SIGAP_TEST_POSTGRES_URL  e.g. postgres://postgres@127.0.0.1:5432/sigap  (CI sets it)
  SIGAP_TEST_REDIS_URL     e.g. redis://127.0.0.1:6379/15                  (CI sets it)
Extra arguments are passed to pytest. Exits non-zero when any run fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlparse, urlunparse

PYTEST = [sys.executable, "-m", "pytest", "-n", "2", "--durations=10", "-q"]


def postgres_reachable(url: str) -> str | None:
    """None when a connection works, else the reason it does not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg missing: {exc}"
    # The database named in the URL need not exist (the tests create test_<name>); ask the
    # server through its maintenance database.
    server = urlparse(url.replace("postgres://", "postgresql://", 1))._replace(path="/postgres")
    try:
        with psycopg.connect(urlunparse(server), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def run(label: str, env: dict[str, str], extra: list[str]) -> int:
    print(f"\n=== Sigap test suite on {label} ===", flush=True)
    return subprocess.call([*PYTEST, *extra], env=env)


def main() -> int:
    extra = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k != "SIGAP_DATABASE_URL"}
    failures = 0
    ran_postgres = False
    pg_url = os.environ.get("SIGAP_TEST_POSTGRES_URL", "")
    if pg_url:
        reason = postgres_reachable(pg_url)
        if reason is None:
            failures += run("PostgreSQL", {**base, "SIGAP_DATABASE_URL": pg_url}, extra) != 0
            ran_postgres = True
        else:
            print(f"SKIPPED the PostgreSQL run: {pg_url} is unreachable ({reason})")
    else:
        print("SKIPPED the PostgreSQL run: SIGAP_TEST_POSTGRES_URL is not set")
    sqlite_extra, sqlite_env = list(extra), dict(base)
    if ran_postgres:
        # What is not about the database already ran there: the browser and production
        # stack tests (markers; their modules are not even collected), and every test that
        # never touches the test database (conftest.py, SIGAP_TEST_DATABASE_ONLY).
        sqlite_extra = [
            "-m",
            "not production_stack and not e2e",
            "--ignore=tests/e2e",
            "--ignore=tests/test_api_contract.py",
            *extra,
        ]
        sqlite_env["SIGAP_TEST_DATABASE_ONLY"] = "1"
        print("The SQLite run repeats only the tests that use the database.")
    failures += run("SQLite", sqlite_env, sqlite_extra) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
