"""Sigap's production-like benchmark. Run: `make bench` (or `.venv/bin/python bench/run.py`).

PostgreSQL (SIGAP_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sigap_bench)
and Redis (SIGAP_BENCH_REDIS_URL, default redis://127.0.0.1:6379/14, emptied first), Sigap
started as in production (`sigap serve --workers 2`, connection pool on, DEBUG off),
a bounded load generator on loopback. Prints one table and writes bench/results/latest.json.

  --sizes 100000,1000000   ticket counts to measure at (seeded up with `sigap bench-seed`)
  --fresh                  drop and recreate the benchmark database first
"""

from __future__ import annotations

import argparse
import http.client
import json
import json as jsonlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
SIGAP = str(Path(sys.executable).parent / "sigap")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sigap_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
# `sigap serve --workers N` (SIGAP_BENCH_WORKERS): two, one a core, as README advises
WORKERS = int(os.environ.get("SIGAP_BENCH_WORKERS", "2"))
TARGETS = {  # at 1,000,000 tickets on this machine
    "list_p95_ms": 50.0,
    "search_p95_ms": 150.0,
    "ticket_p95_ms": 30.0,
    "create_c16_per_s": 400.0,  # issue 16 (it was 300)
    # issue 16: the API's hot reads at the median
    "list_p50_ms": 5.0,
    "ticket_p50_ms": 3.0,
    # issue 15: search by ticket number or by a customer's phone
    "search_number_p95_ms": 30.0,
    "search_phone_p95_ms": 30.0,
    "search_name_p95_ms": 150.0,  # as the full-text search
    # issue 16: every class of search through an index, whatever it matches
    "search_class_p95_ms": 30.0,
}
LIST_QUERIES = [
    {"status": "in_progress", "channel": "whatsapp", "limit": 25},
    {"status": "new", "limit": 25},
    {"priority": 1, "status": "waiting_customer", "limit": 25},
    {"category": "service", "severity": "kompleks", "limit": 25},
    {"channel": "email", "limit": 25},
]
SEARCHES = ["paket terlambat", "refund", "pembayaran gagal", "kurir", "garansi ditolak", "retur"]
# Issue 16: what agents also search for, by how many tickets it matches. Words in no ticket
# (real words the data set never uses) and misspellings of its common words match nothing;
# the planted words (PLANTED) match exactly 1, 10, 1,000 and 5,000 tickets.
ABSENT = ["asuransi", "pesawat", "sekolah", "dokter gigi", "vaksin", "gempa bumi"]
TYPOS = ["pengirman", "pembayran", "terlmbat", "kurri", "garnasi", "refnud", "pesnaan"]
PLANTED = {"xqsatu": 1, "xqsepuluh": 10, "xqseribu": 1000, "xqlimaribu": 5000}
CLASSES = [  # (result key, label, queries' source)
    ("search_none", "search, word in no ticket", "absent"),
    ("search_typo", "search, misspelt word", "typo"),
    ("search_one", "search, word in 1 ticket", "xqsatu"),
    ("search_ten", "search, word in 10 tickets", "xqsepuluh"),
    ("search_thousand", "search, word in 1,000 tickets", "xqseribu"),
    ("search_5000", "search, word in 5,000 tickets", "xqlimaribu"),
    ("search_order", "search by order number", "order"),
    ("search_email", "search by customer email", "email"),
]


def run(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [SIGAP, *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ticket_count(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()
        return int(row[0]) if row else 0


def ticket_max_id(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket").fetchone()
        return int(row[0]) if row else 0


# The creation phase's tickets are removed afterwards (through the ORM, which deletes what
# hangs off them): 3,300 identical tickets left on top of the data set at every run would
# change what later runs' lists and searches measure.
REMOVE_CREATED = (
    "from sigap.tickets.models import Ticket; "
    "print(Ticket.objects.filter(pk__gt={before}, created_by__username='bench.admin')"
    ".delete()[0])"
)


def remove_created(before: int, env: dict[str, str]) -> None:
    run("shell", "-c", REMOVE_CREATED.format(before=int(before)), env=env)


def ids_sample(db_url: str, table: str, n: int) -> list[int]:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute(f"SELECT min(id), max(id) FROM {table}").fetchone()
        assert row is not None
        low, high = int(row[0]), int(row[1])
        # The first id at or after a random point: ids removed earlier leave gaps.
        return [
            int(found[0])
            for found in (
                conn.execute(
                    f"SELECT id FROM {table} WHERE id >= %s ORDER BY id LIMIT 1",
                    (random.randint(low, high),),
                ).fetchone()
                for _ in range(n)
            )
            if found is not None
        ]


def phone_sample(db_url: str, n: int) -> list[str]:
    """Random customers' phone numbers, written as people type them: "0812-0001-2345"."""
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute("SELECT min(id), max(id) FROM customers_customercontact").fetchone()
        assert row is not None
        low, high = int(row[0]), int(row[1])
        found: list[str] = []
        while len(found) < n:
            hit = conn.execute(
                "SELECT value FROM customers_customercontact WHERE id >= %s AND kind = 'phone' "
                "AND value LIKE '+62%%' ORDER BY id LIMIT 1",
                (random.randint(low, high),),
            ).fetchone()
            if hit is None:
                continue
            local = "0" + str(hit[0])[3:]
            found.append(f"{local[:4]}-{local[4:8]}-{local[8:]}")
        return found


def name_sample(db_url: str, n: int) -> list[str]:
    """Random customers' names, as an agent types them: the first name and the beginning
    of the last ("Budi San")."""
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        names = []
        for customer in ids_sample(db_url, "customers_customer", n):
            row = conn.execute(
                "SELECT name FROM customers_customer WHERE id = %s", (customer,)
            ).fetchone()
            if row is not None:
                words = str(row[0]).split()
                names.append(" ".join([*words[:1], *(w[:3] for w in words[1:2])]))
        return names


def order_sample(db_url: str, n: int) -> list[str]:
    """Order numbers of random tickets, as written in them ("BLJ-2026-004217")."""
    import psycopg

    found: list[str] = []
    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        for ticket in ids_sample(db_url, "tickets_ticket", n * 2):
            row = conn.execute(
                "SELECT substring(staff_text from 'blj-[0-9]{4}-[0-9]{6}') "
                "FROM tickets_ticketsearchdocument WHERE ticket_id = %s",
                (ticket,),
            ).fetchone()
            if row is not None and row[0]:
                found.append(str(row[0]).upper())
    return found[:n]


def email_sample(db_url: str, n: int) -> list[str]:
    """Random customers' email addresses, some typed in capitals."""
    import psycopg

    found: list[str] = []
    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        for contact in ids_sample(db_url, "customers_customercontact", n * 3):
            row = conn.execute(
                "SELECT value FROM customers_customercontact WHERE id >= %s AND kind = 'email' "
                "ORDER BY id LIMIT 1",
                (contact,),
            ).fetchone()
            if row is not None:
                found.append(str(row[0]).upper() if len(found) % 2 else str(row[0]))
    return found[:n]


def plant(db_url: str) -> None:
    """Each PLANTED word in exactly its number of random tickets' search documents
    (staff and public text alike), spread over the whole data set: words planted at a
    smaller size (all in the oldest tickets) are taken out and planted again. The
    documents are changed as the indexer would (their tsvector columns follow); the words
    are their own stems."""
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        high = int(conn.execute("SELECT max(ticket_id) FROM tickets_ticketsearchdocument")
                   .fetchone()[0])  # fmt: skip
        for word, count in PLANTED.items():
            have, newest = conn.execute(
                "SELECT count(*), coalesce(max(ticket_id), 0) FROM tickets_ticketsearchdocument "
                "WHERE staff_tsv @@ to_tsquery('simple', %s)",
                (word,),
            ).fetchone()  # type: ignore[misc]
            if have == count and (count < 10 or newest > high * 0.8):
                continue
            conn.execute(
                "UPDATE tickets_ticketsearchdocument SET "
                "staff_text = replace(staff_text, ' ' || %s, ''), "
                "public_text = replace(public_text, ' ' || %s, '') "
                "WHERE staff_tsv @@ to_tsquery('simple', %s)",
                (word, word, word),
            )
            conn.execute(
                "UPDATE tickets_ticketsearchdocument SET "
                "staff_text = staff_text || ' ' || %s, public_text = public_text || ' ' || %s "
                "WHERE ticket_id IN (SELECT ticket_id FROM tickets_ticketsearchdocument "
                "ORDER BY random() LIMIT %s)",
                (word, word, count),
            )
            conn.commit()


def vacuum(db_url: str) -> None:
    """VACUUM (ANALYZE) and CHECKPOINT first. Production's PostgreSQL runs autovacuum;
    this machine's runs with it off, so without this every run measures the dead rows and
    unvacuumed pages earlier runs left (the idempotency records' updates, new tickets)."""
    import psycopg

    url = db_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        # Write out what earlier work (a test run, the seeding) left dirty now, not as a
        # checkpoint in the middle of the measurement.
        conn.execute("CHECKPOINT")


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                SIGAP,
                "serve",
                "--no-migrate",
                "--no-worker",
                "--workers",
                str(WORKERS),
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Two processes import Django and open their pools: seconds on a quiet machine,
        # about a minute on a shared one under load (SIGAP_BENCH_START_TIMEOUT).
        deadline = time.monotonic() + float(os.environ.get("SIGAP_BENCH_START_TIMEOUT", "180"))
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/livez", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("sigap serve did not become healthy in time")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Http:
    """A light keep-alive client (http.client), so the load generator, which shares the
    machine's two cores with the server, costs as little CPU as possible."""

    def __init__(self, base: str, token: str) -> None:
        parsed = urlparse(base)
        self.conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> int:
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return self._send("GET", path + query, None, {})

    def post(self, path: str, json: Any, headers: dict[str, str]) -> int:
        body = jsonlib.dumps(json).encode()
        return self._send("POST", path, body, {"Content-Type": "application/json", **headers})

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
        self.conn.request(method, path, body=body, headers={**self.headers, **headers})
        response = self.conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.conn.close()


def load(
    base: str,
    token: str,
    concurrency: int,
    requests: list[Callable[[Http], int]],
) -> tuple[list[float], float, int]:
    """Run the requests over `concurrency` threads; (latencies ms, wall seconds, errors)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(requests)

    def worker() -> None:
        nonlocal errors
        client = Http(base, token)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    call = queue.pop()
                started = time.perf_counter()
                status = call(client)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status >= 400:
                        errors += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - wall, errors


def measure_reads(base: str, token: str, db_url: str, rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def get(path: str, params: dict[str, Any]) -> Callable[[Http], int]:
        return lambda c: c.get(path, params)

    # warm-up: caches, pools, plans
    load(base, token, 2, [get("/api/v1/tickets", q) for q in LIST_QUERIES * 4])
    lists = [get("/api/v1/tickets", q) for q in LIST_QUERIES] * rounds
    lat, _, err = load(base, token, 1, lists)
    out["list"] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "n": len(lat), "errors": err}
    singles = [
        get(f"/api/v1/tickets/{i}", {}) for i in ids_sample(db_url, "tickets_ticket", rounds * 5)
    ]
    lat, _, err = load(base, token, 1, singles)
    out["ticket"] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "n": len(lat), "errors": err}
    searches = [get("/api/v1/tickets", {"q": q, "limit": 25}) for q in SEARCHES] * rounds
    load(base, token, 1, searches[: len(SEARCHES)])
    lat, _, err = load(base, token, 1, searches)
    out["search"] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "n": len(lat), "errors": err}
    # Search by ticket number (as a reference and bare), by phone (typed with dashes), by
    # name (a first name and the beginning of the last): random tickets and customers.
    numbers = [
        get("/api/v1/tickets", {"q": f"SGP-{i:06d}" if n % 2 else str(i), "limit": 25})
        for n, i in enumerate(ids_sample(db_url, "tickets_ticket", rounds * 5))
    ]
    phones = [
        get("/api/v1/tickets", {"q": p, "limit": 25}) for p in phone_sample(db_url, rounds * 5)
    ]
    names = [get("/api/v1/tickets", {"q": n, "limit": 25}) for n in name_sample(db_url, rounds * 5)]
    for key, calls in (
        ("search_number", numbers),
        ("search_phone", phones),
        ("search_name", names),
    ):
        load(base, token, 1, calls[:5])
        lat, _, err = load(base, token, 1, calls)
        out[key] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "n": len(lat), "errors": err}
    out.update(measure_classes(base, token, db_url, rounds))
    return out


def class_queries(db_url: str, source: str, n: int) -> list[str]:
    if source == "absent":
        return ABSENT
    if source == "typo":
        return TYPOS
    if source == "order":
        return order_sample(db_url, n)
    if source == "email":
        return email_sample(db_url, n)
    return [source, source.upper()]  # a planted word


def measure_classes(base: str, token: str, db_url: str, rounds: int) -> dict[str, Any]:
    """Issue 16: each class of query, p50/p95. First, one request per query checks that
    it finds what it should (PLANTED: exactly that many tickets; ABSENT, TYPOS: none;
    order numbers and emails: at least one): ``wrong`` counts the queries that did not."""
    out: dict[str, Any] = {}
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    try:
        for key, _, source in CLASSES:
            queries = class_queries(db_url, source, rounds)
            wrong = 0
            for q in dict.fromkeys(queries):
                # up to 100 tickets counted through the pages; more: the first page is full
                # (plant() counted them in the index)
                expected = min(PLANTED.get(source, 0), 100)
                found = count_found(client, q, stop=expected + 1 if expected < 100 else 1)
                if source in PLANTED:
                    wrong += found != expected
                elif source in ("absent", "typo"):
                    wrong += found != 0
                else:  # order numbers and emails taken from the data set
                    wrong += found == 0
            calls = [search_call(q) for q in queries]
            calls = (calls * (rounds * 5 // max(len(calls), 1) + 1))[: rounds * 5]
            load(base, token, 1, calls[:5])
            lat, _, err = load(base, token, 1, calls)
            out[key] = {
                "p50_ms": pct(lat, 50),
                "p95_ms": pct(lat, 95),
                "n": len(lat),
                "errors": err,
                "wrong": wrong,
            }
    finally:
        client.close()
    return out


def search_call(q: str) -> Callable[[Http], int]:
    return lambda c: c.get("/api/v1/tickets", {"q": q, "limit": 25})


def count_found(client: httpx.Client, q: str, stop: int) -> int:
    """Tickets the API lists for ``q`` (following the pages, at most ``stop``)."""
    found, cursor = 0, None
    while found < stop:
        params: dict[str, Any] = {"q": q, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/tickets", params=params).json()
        found += len(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return found


def create(customer_id: int) -> Callable[[Http], int]:
    """One API creation of a complaint by ``customer_id`` (bench/served.py uses it too)."""
    body = {
        "customer_id": customer_id,
        "kind": "complaint",
        "channel": random.choice(["email", "whatsapp", "livechat", "portal"]),
        "subject": "Paket belum sampai setelah lima hari",
        "description": "Halo min, pesanan BLJ-2026-104233 belum sampai, mohon dicek.",
        "category": "service",
        "severity": "sederhana",
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    return lambda c: c.post("/api/v1/tickets", body, headers)


def measure_creation(
    base: str, token: str, db_url: str, concurrency: int, n: int
) -> dict[str, Any]:
    customers = ids_sample(db_url, "customers_customer", n)
    lat, wall, err = load(base, token, concurrency, [create(c) for c in customers])
    return {
        "per_s": len(lat) / wall,
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "p99_ms": pct(lat, 99),
        "n": len(lat),
        "errors": err,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--rounds", type=int, default=60, help="requests per read query")
    args = parser.parse_args()
    db_url = os.environ.get("SIGAP_BENCH_DATABASE_URL", DEFAULT_DB)
    db_name = urlparse(db_url).path.lstrip("/")
    env = {
        **os.environ,
        "SIGAP_DATABASE_URL": db_url,
        "SIGAP_DEBUG": "false",
        "SIGAP_DATA_DIR": os.environ.get(
            "SIGAP_BENCH_DATA_DIR", tempfile.mkdtemp(prefix="sigap-bench-")
        ),
        "SIGAP_LOG_LEVEL": "WARNING",
        # Production's pair: jobs, cache and the channel layer on Redis. The jobs a
        # creation enqueues (triage) wait in the queue: no worker runs during the bench.
        "SIGAP_REDIS_URL": os.environ.get("SIGAP_BENCH_REDIS_URL", DEFAULT_REDIS),
    }
    if args.fresh:
        host = urlparse(db_url)
        subprocess.run(
            [
                "dropdb",
                "-h",
                host.hostname or "127.0.0.1",
                "-U",
                host.username or "postgres",
                "--if-exists",
                db_name,
            ],
            check=True,
        )
    subprocess.run(
        [
            "createdb",
            "-h",
            urlparse(db_url).hostname or "127.0.0.1",
            "-U",
            urlparse(db_url).username or "postgres",
            db_name,
        ],
        capture_output=True,
    )
    run("migrate", "--verbosity", "0", env=env)
    import redis

    redis.Redis.from_url(env["SIGAP_REDIS_URL"]).flushdb()  # jobs left by an earlier run
    results: dict[str, Any] = {
        "database": "postgresql",
        "redis": True,
        "workers": WORKERS,
        "http_threads": int(os.environ.get("SIGAP_HTTP_THREADS", "4")),
        "sizes": {},
    }
    token = ""
    for size in [int(s) for s in args.sizes.split(",")]:
        have = ticket_count(db_url)
        if have < size:
            print(f"seeding {size - have:,} tickets (have {have:,}) …", flush=True)
            started = time.monotonic()
            run("bench-seed", str(size - have), "--quiet", env=env)
            results.setdefault("seed_seconds", {})[str(size)] = time.monotonic() - started
        if not token:
            token = run("token", "create", "bench.admin", env=env)
        plant(db_url)
        vacuum(db_url)
        server = Server(env)
        try:
            print(f"measuring at {ticket_count(db_url):,} tickets …", flush=True)
            entry = measure_reads(server.url, token, db_url, args.rounds)
            if not results.get("create"):
                before = ticket_max_id(db_url)
                results["create"] = {
                    "c1": measure_creation(server.url, token, db_url, 1, 300),
                    "c16": measure_creation(server.url, token, db_url, 16, 3000),
                }
                remove_created(before, env)
            results["sizes"][str(size)] = entry
        finally:
            server.stop()
    report(results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    return 0


def report(results: dict[str, Any]) -> None:
    rows = []
    create = results["create"]
    for c in ("c1", "c16"):
        r = create[c]
        rows.append(
            (
                f"API ticket creation, concurrency {c[1:]}",
                f"{r['per_s']:.0f} tickets/s  p50 {r['p50_ms']:.1f}  p95 {r['p95_ms']:.1f}  "
                f"p99 {r['p99_ms']:.1f} ms  ({r['errors']} errors)",
                _verdict(r["per_s"], TARGETS["create_c16_per_s"], higher=True)
                if c == "c16"
                else "",
            )
        )
    for size, entry in results["sizes"].items():
        label = f"{int(size):,}"
        final = int(size) >= 1_000_000
        for key, name, target in (
            ("list", "list, first page, filters", "list_p95_ms"),
            ("search", "full-text search", "search_p95_ms"),
            ("ticket", "single ticket", "ticket_p95_ms"),
            ("search_number", "search by ticket number", "search_number_p95_ms"),
            ("search_phone", "search by customer phone", "search_phone_p95_ms"),
            ("search_name", "search by customer name", "search_name_p95_ms"),
            *((key, name, "search_class_p95_ms") for key, name, _ in CLASSES),
        ):
            if key not in entry:
                continue
            r = entry[key]
            rows.append(
                (
                    f"{name} @ {label}",
                    f"p50 {r['p50_ms']:.1f}  p95 {r['p95_ms']:.1f} ms"
                    f"  ({r['n']} req, {r['errors']} errors"
                    + (f", {r['wrong']} wrong" if r.get("wrong") else "")
                    + ")",
                    (
                        _verdict(r["p95_ms"], TARGETS[target])
                        + (
                            f" p50 {_verdict(r['p50_ms'], TARGETS[f'{key}_p50_ms'])}"
                            if f"{key}_p50_ms" in TARGETS
                            else ""
                        )
                    )
                    if final
                    else "",
                )
            )
    width = max(len(r[0]) for r in rows)
    print()
    print("Sigap benchmark (PostgreSQL + Redis, sigap serve --workers 2)")
    for name, value, verdict in rows:
        print(f"  {name:<{width}}  {value}  {verdict}")
    for size, seconds in results.get("seed_seconds", {}).items():
        print(f"  bench-seed up to {int(size):,}: {seconds:.0f} s")


def _verdict(value: float, target: float, higher: bool = False) -> str:
    ok = value >= target if higher else value <= target
    sign = "≥" if higher else "≤"
    return f"[{'PASS' if ok else 'FAIL'} target {sign} {target:g}]"


if __name__ == "__main__":
    sys.exit(main())
