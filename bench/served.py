"""Where a served request's time goes: latency over HTTP next to the CPU each process
spent on it. Run: `.venv/bin/python bench/served.py [--requests 200] [--kinds ...]`.

Starts `sigap serve --workers 2` as `make bench` does (bench/run.py's `Server`, the same
environment: SIGAP_BENCH_DATABASE_URL, SIGAP_BENCH_REDIS_URL) and sends each kind of
request from one keep-alive client, sequentially, as `make bench`'s reads do. Per kind it
prints the wall latency (p50, p95), and per request the CPU time of the server's
processes (utime + stime from /proc of `sigap serve` and its children), of the
database's backends (the `postgres:` processes connected to the benchmark database) and
of this client (`time.process_time`). `list:N` is `make bench`'s Nth list query alone;
`list` is all five in turn. `create` sends `make bench`'s creation body (the tickets are
removed at the end); `--concurrency` applies to it.

Compare the server's CPU per request with bench/apicpu.py's figure for the same request
(Django's handler called directly): the difference is the HTTP server, the thread hop and
the process's other threads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # bench/run.py: its Server, Http, load and samples

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def server_pids(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += _children(pid)
    return pids


def backend_pids(db_name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        if cmdline.startswith("postgres:") and f" {db_name} " in cmdline:
            pids.append(int(entry.name))
    return pids


def measure(
    server: bench.Server,
    db_name: str,
    token: str,
    calls: list[Callable[[bench.Http], int]],
    concurrency: int = 1,
    others: frozenset[int] = frozenset(),
) -> dict[str, float]:
    """`others`: backends of the database that are not the server's (opened before it)."""
    pids = server_pids(server.proc.pid)
    backends = [p for p in backend_pids(db_name) if p not in others]
    s0 = sum(_cpu_seconds(p) for p in pids)
    b0 = {p: _cpu_seconds(p) for p in backends}
    c0 = time.process_time()
    latencies, wall, errors = bench.load(server.url, token, concurrency, calls)
    c1 = time.process_time()
    s1 = sum(_cpu_seconds(p) for p in pids)
    # backends opened during the run count from zero
    b1 = sum(_cpu_seconds(p) - b0.get(p, 0.0) for p in backend_pids(db_name) if p not in others)
    n = len(latencies)
    return {
        "n": n,
        "errors": errors,
        "per_s": n / wall,
        "p50_ms": bench.pct(latencies, 50),
        "p95_ms": bench.pct(latencies, 95),
        "server_cpu_ms": (s1 - s0) * 1000 / n,
        "db_cpu_ms": b1 * 1000 / n,
        "client_cpu_ms": (c1 - c0) * 1000 / n,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="per kind")
    parser.add_argument(
        "--kinds",
        default="livez,healthz,list:0,list:1,list:2,list:3,list:4,list,single",
        help="livez, healthz, list, list:N, single, create",
    )
    parser.add_argument("--concurrency", type=int, default=1, help="for create")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the kinds")
    args = parser.parse_args()
    db_url = os.environ.get("SIGAP_BENCH_DATABASE_URL", bench.DEFAULT_DB)
    db_name = db_url.rsplit("/", 1)[1]
    env = {
        **os.environ,
        "SIGAP_DATABASE_URL": db_url,
        "SIGAP_DEBUG": "false",
        "SIGAP_DATA_DIR": os.environ.get("SIGAP_BENCH_DATA_DIR", "/tmp/sigap-bench-served"),
        "SIGAP_LOG_LEVEL": "WARNING",
        "SIGAP_REDIS_URL": os.environ.get("SIGAP_BENCH_REDIS_URL", bench.DEFAULT_REDIS),
    }
    token = bench.run("token", "create", "bench.admin", env=env)
    n = args.requests

    def get(path: str, params: dict[str, Any] | None = None) -> Callable[[bench.Http], int]:
        return lambda c: c.get(path, params)

    tickets = bench.ids_sample(db_url, "tickets_ticket", n)
    kinds: dict[str, Callable[[], list[Callable[[bench.Http], int]]]] = {
        "livez": lambda: [get("/livez")] * n,
        "healthz": lambda: [get("/healthz")] * n,
        "list": lambda: [get("/api/v1/tickets", q) for q in bench.LIST_QUERIES] * (n // 5),
        "single": lambda: [get(f"/api/v1/tickets/{i}") for i in tickets],
        "create": lambda: [
            bench.create(c) for c in bench.ids_sample(db_url, "customers_customer", n)
        ],
    }
    for i, q in enumerate(bench.LIST_QUERIES):
        kinds[f"list:{i}"] = lambda q=q: [get("/api/v1/tickets", q)] * n  # type: ignore[misc]
    os.makedirs(env["SIGAP_DATA_DIR"], exist_ok=True)
    # Earlier runs' created-and-removed tickets are dead rows at the newest end of the
    # tables, where the lists read first; with autovacuum off here, as make bench does.
    bench.vacuum(db_url)
    before = bench.ticket_max_id(db_url)
    others = frozenset(backend_pids(db_name))
    server = bench.Server(env)
    try:
        bench.load(server.url, token, 2, kinds["list"]()[:40])  # warm-up: pools, plans
        bench.load(server.url, token, 2, kinds["single"]()[:20])
        pids = server_pids(server.proc.pid)
        idle0 = sum(_cpu_seconds(p) for p in pids)
        time.sleep(3)
        idle = (sum(_cpu_seconds(p) for p in pids) - idle0) / 3 * 1000
        print(f"server processes: {len(pids)}, idle CPU {idle:.1f} ms per s")
        print(
            f"{'kind':9} {'p50 ms':>7} {'p95 ms':>7} {'/s':>6} | CPU ms per request: "
            f"{'server':>6} {'db':>5} {'client':>6}"
        )
        for _ in range(args.repeat):
            for kind in args.kinds.split(","):
                c = args.concurrency if kind == "create" else 1
                r = measure(server, db_name, token, kinds[kind](), c, others)
                label = kind if kind != "create" else f"create c{c}"
                print(
                    f"{label:9} {r['p50_ms']:7.2f} {r['p95_ms']:7.2f} {r['per_s']:6.0f} | "
                    f"{'':20}{r['server_cpu_ms']:6.2f} {r['db_cpu_ms']:5.2f} "
                    f"{r['client_cpu_ms']:6.2f}"
                    + (f"  errors {r['errors']}" if r["errors"] else ""),
                    flush=True,
                )
    finally:
        server.stop()
        if "create" in args.kinds:
            bench.remove_created(before, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
