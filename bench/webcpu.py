"""CPU time per request of the web pages, in-process: the measure that holds on a shared
machine, where wall-clock figures swing with the neighbours' load. Run:
`.venv/bin/python bench/webcpu.py [--requests 200] [--user spv|agent] [--kinds ticket,inbox]`.

Django's test client (the whole middleware stack and view, no HTTP server) signed in as the
web benchmark's supervisor (``bench.spv``) or agent (``bench.web.agent``; both made by
`make bench-web`), against the benchmark's database (SIGAP_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench) and Redis (SIGAP_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/14), SIGAP_DEBUG=false. For each kind of page it prints the CPU
time of this process per request (``time.process_time``: Python's work, not PostgreSQL's
or the wait), the wall time beside it, and the statements per request. ``--profile``
prints cProfile's top functions instead (``--profile-sort``, default cumulative time).

Kinds: ``ticket`` (the first paint of random tickets the user may see), ``side`` (their
side column, ``?part=side``), ``inbox`` (every saved view and sort, as `make bench-web`),
``slow`` (the resolved tickets by priority, the slowest inbox view at 1M), ``customer``
(the customer page of `bench/customer.py`'s customer with 1,000 interactions).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from customer import HEAVY_EMAIL  # bench/customer.py's customer with 1,000 interactions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per kind")
    parser.add_argument("--user", choices=["spv", "agent"], default="spv")
    parser.add_argument("--kinds", default="ticket,inbox")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions")
    parser.add_argument("--profile-filter", default="", help="a regex on the functions' paths")
    parser.add_argument("--profile-sort", default="cumulative", help="cProfile's sort key")
    args = parser.parse_args()
    os.environ["SIGAP_DATABASE_URL"] = os.environ.get(
        "SIGAP_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sigap_bench"
    )
    os.environ["SIGAP_REDIS_URL"] = os.environ.get(
        "SIGAP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"
    )
    os.environ["SIGAP_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sigap.accounts.models import User
    from sigap.customers.models import CustomerContact
    from sigap.tickets.access import visible_tickets

    username = "bench.spv" if args.user == "spv" else "bench.web.agent"
    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    # from the middle of the ids: the newest may be `make bench`'s creations, removed
    # while it runs
    mine = visible_tickets(user).order_by("-pk").values_list("pk", flat=True)
    middle = mine[:100_000].count() // 2
    ids = list(mine[middle : middle + 2000 : 7])
    heavy = CustomerContact.objects.filter(kind="email", value=HEAVY_EMAIL).values_list(
        "customer_id", flat=True
    )
    views = ["mine", "team", "unassigned", "due", "escalated", "waiting", "resolved", "all"]
    sorts = ["newest", "priority", "due", "updated"]
    urls: dict[str, list[str]] = {
        "ticket": [f"/tickets/{pk}/" for pk in ids],
        "side": [f"/tickets/{pk}/?part=side" for pk in ids],
        "inbox": [f"/inbox/?view={v}&sort={s}" for v in views for s in sorts],
        "slow": ["/inbox/?view=resolved&sort=priority"],
        "customer": [f"/customers/{pk}/" for pk in heavy],
    }
    for kind in args.kinds.split(","):
        targets = urls[kind]
        for url in targets[:5]:  # warm-up: URLconf, templates, lazy imports, plans
            assert client.get(url).status_code == 200, url
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for i in range(args.requests):
                client.get(targets[i % len(targets)])
            profile.disable()
            print(f"== {kind}: cProfile, {args.requests} requests")
            stats = pstats.Stats(profile).sort_stats(args.profile_sort)
            stats.print_stats(args.profile_filter, 45)
            continue
        cpu: list[float] = []
        wall: list[float] = []
        statements: list[int] = []
        for i in range(args.requests):
            url = targets[i % len(targets)]
            with CaptureQueriesContext(connection) as queries:
                c0, w0 = time.process_time(), time.perf_counter()
                response = client.get(url)
                c1, w1 = time.process_time(), time.perf_counter()
            assert response.status_code == 200, (url, response.status_code)
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
            statements.append(len(queries))
        print(_line(kind, cpu, wall, statements), flush=True)
    return 0


def _line(kind: str, cpu: list[float], wall: list[float], statements: list[int]) -> str:
    def q(xs: list[float], p: int) -> float:
        return statistics.quantiles(xs, n=100)[p - 1]

    parts: dict[str, Any] = {
        "cpu p50": f"{statistics.median(cpu):.2f}",
        "cpu mean": f"{statistics.fmean(cpu):.2f}",
        "cpu p95": f"{q(cpu, 95):.2f}",
        "wall p50": f"{statistics.median(wall):.2f}",
        "wall p95": f"{q(wall, 95):.2f}",
    }
    text = "  ".join(f"{k} {v}" for k, v in parts.items())
    return f"{kind:<7} {text} ms  statements {min(statements)}–{max(statements)} ({len(cpu)} req)"


if __name__ == "__main__":
    sys.exit(main())
