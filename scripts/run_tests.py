"""Run the whole test suite on SQLite and on PostgreSQL (and with Redis) when reachable.

The two runs go side by side (each with two xdist workers): on two cores each run alone
leaves about half the CPU idle (waiting on PostgreSQL, Redis, the browser and the
subprocess servers). Their output is printed one after the other once both are done. The
PostgreSQL run uses the Redis database two below SIGAP_TEST_REDIS_URL's, so the runs
never share Redis keys or channel groups.

Environment:
  SIGAP_TEST_POSTGRES_URL  e.g. postgres://postgres@127.0.0.1:5432/sigap  (CI sets it)
  SIGAP_TEST_REDIS_URL     e.g. redis://127.0.0.1:6379/15                  (CI sets it)
Extra arguments are passed to pytest. Exits non-zero when any run fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Any
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


def start(label: str, env: dict[str, str], extra: list[str]) -> tuple[str, Any, Any]:
    out = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in finish, after the run)
    proc = subprocess.Popen([*PYTEST, *extra], env=env, stdout=out, stderr=subprocess.STDOUT)
    return label, proc, out


def finish(label: str, proc: Any, out: Any) -> int:
    code = int(proc.wait())
    out.seek(0)
    print(f"\n=== Sigap test suite on {label} ===", flush=True)
    sys.stdout.write(out.read())
    sys.stdout.flush()
    out.close()
    return code


def neighbour_redis(url: str) -> str:
    """The same Redis server, two databases below (15 -> 13): the tests also use the
    database above their own (installations apart by database), so the runs keep one
    free database between them."""
    parts = urlparse(url)
    number = int(parts.path.strip("/") or 0)
    return urlunparse(parts._replace(path=f"/{(number - 2) % 16}"))


def main() -> int:
    extra = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k != "SIGAP_DATABASE_URL"}
    runs = []
    pg_url = os.environ.get("SIGAP_TEST_POSTGRES_URL", "")
    if pg_url:
        reason = postgres_reachable(pg_url)
        if reason is None:
            env = {**base, "SIGAP_DATABASE_URL": pg_url}
            if base.get("SIGAP_TEST_REDIS_URL"):
                env["SIGAP_TEST_REDIS_URL"] = neighbour_redis(base["SIGAP_TEST_REDIS_URL"])
            runs.append(start("PostgreSQL", env, extra))
        else:
            print(f"SKIPPED the PostgreSQL run: {pg_url} is unreachable ({reason})")
    else:
        print("SKIPPED the PostgreSQL run: SIGAP_TEST_POSTGRES_URL is not set")
    runs.append(start("SQLite", base, extra))
    failures = sum(finish(*run) != 0 for run in runs)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
