"""CPU time per API request, in-process: the server's own cost of the API's hot requests,
without the machine's other work in the figure (wall-clock latency on a shared machine
moves with its load; the CPU time a request costs the process that serves it does not
much). Run: `.venv/bin/python bench/apicpu.py [--requests 400] [--kinds list,single,create]`.

Each request goes through Django's WSGI handler as `sigap serve` calls it (the whole
middleware stack and the view, a bearer token as `make bench` sends it), in one thread,
against the benchmark's database (SIGAP_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench; its token user `bench.admin`) and Redis
(SIGAP_BENCH_REDIS_URL). Prints, per kind, `time.process_time()` per request (p50 and
mean: this process's CPU, PostgreSQL's and Redis's not included), the wall time beside it,
and the SQL statements per request. `create` adds tickets (removed at the end).
With `--profile N` and `APICPU_DUMP=<prefix>`, each kind's profile is also written to
`<prefix>.<kind>` (for pstats' callers and callees).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sigap_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
LIST_QUERIES = [  # bench/run.py's LIST_QUERIES
    "status=in_progress&channel=whatsapp&limit=25",
    "status=new&limit=25",
    "priority=1&status=waiting_customer&limit=25",
    "category=service&severity=kompleks&limit=25",
    "channel=email&limit=25",
]


def environ(method: str, path: str, query: str, token: str, body: bytes = b"") -> dict[str, Any]:
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    if body:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(body))
        env["HTTP_IDEMPOTENCY_KEY"] = str(uuid.uuid4())
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--kinds", default="livez,list,single,create")
    parser.add_argument("--token", default="", help="a bench.admin token (else one is made)")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N")
    args = parser.parse_args()
    os.environ["SIGAP_DATABASE_URL"] = os.environ.get("SIGAP_BENCH_DATABASE_URL", DEFAULT_DB)
    os.environ["SIGAP_REDIS_URL"] = os.environ.get("SIGAP_BENCH_REDIS_URL", DEFAULT_REDIS)
    os.environ.setdefault("SIGAP_DEBUG", "false")
    os.environ.setdefault("SIGAP_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    import django

    django.setup()
    from django.db import connection

    from sigap.accounts.models import User
    from sigap.accounts.services import token_create
    from sigap.core.handlers import wsgi_application
    from sigap.customers.models import Customer
    from sigap.tickets.models import Ticket

    admin = User.objects.get(username="bench.admin")
    token = args.token or token_create(user=admin, name="apicpu")
    app = wsgi_application()  # as sigap.wsgi and sigap.asgi make it
    n = args.requests
    ticket_ids = list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:n])
    customer_ids = list(Customer.objects.order_by("-pk").values_list("pk", flat=True)[:n])
    before = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    body = {
        "kind": "complaint",
        "channel": "whatsapp",
        "subject": "Paket belum sampai setelah lima hari",
        "description": "Halo min, pesanan BLJ-2026-104233 belum sampai, mohon dicek.",
        "category": "service",
        "severity": "sederhana",
    }
    kinds: dict[str, Callable[[int], dict[str, Any]]] = {
        # the floor: the middleware stack and a view that does nothing
        "livez": lambda i: environ("GET", "/livez", "", token),
        "list": lambda i: environ(
            "GET", "/api/v1/tickets", LIST_QUERIES[i % len(LIST_QUERIES)], token
        ),
        "single": lambda i: environ(
            "GET", f"/api/v1/tickets/{ticket_ids[i % len(ticket_ids)]}", "", token
        ),
        "create": lambda i: environ(
            "POST",
            "/api/v1/tickets",
            "",
            token,
            json.dumps({**body, "customer_id": customer_ids[i % len(customer_ids)]}).encode(),
        ),
    }
    statements = 0

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    def call(env: dict[str, Any]) -> int:
        status: list[str] = []
        chunks = app(env, lambda s, h, *_: status.append(s))
        b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status[0].split()[0])

    try:
        for kind in args.kinds.split(","):
            make = kinds[kind]
            for i in range(20):  # warm-up: imports, the URLconf, caches
                call(make(i))
            cpu: list[float] = []
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            wall: list[float] = []
            counts: list[int] = []
            for i in range(n):
                env = make(i)
                statements = 0
                with connection.execute_wrapper(counting):
                    if profiler:
                        profiler.enable()
                    c0, w0 = time.process_time(), time.perf_counter()
                    status = call(env)
                    c1, w1 = time.process_time(), time.perf_counter()
                    if profiler:
                        profiler.disable()
                assert status in (200, 201), (kind, status)
                cpu.append((c1 - c0) * 1000)
                wall.append((w1 - w0) * 1000)
                counts.append(statements)
            print(
                f"{kind:7} CPU p50 {statistics.median(cpu):6.2f} ms  mean "
                f"{statistics.fmean(cpu):6.2f} ms | wall p50 {statistics.median(wall):6.2f} ms"
                f" | statements {min(counts)}-{max(counts)}  (n={n})",
                flush=True,
            )
            if profiler:
                stats = pstats.Stats(profiler)
                if os.environ.get("APICPU_DUMP"):
                    stats.dump_stats(os.environ["APICPU_DUMP"] + "." + kind)
                stats.sort_stats("cumulative").print_stats(args.profile)
                stats.sort_stats("tottime").print_stats(args.profile)
    finally:
        Ticket.objects.filter(pk__gt=before, created_by=admin).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
