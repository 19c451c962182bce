"""Webhook ingestion speed. Run: `.venv/bin/python bench/webhooks.py`.

Posts signed WhatsApp Cloud API deliveries (one text message each, shaped as Meta
documents them, with a valid X-Hub-Signature-256) through Django's test client: the whole
middleware stack, the signature check, the parse, and filing (customer, ticket, message,
timeline, search document, InboundDelivery) in one process, one request at a time. On
SQLite (a temporary file) and on PostgreSQL when it is reachable
(SIGAP_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432): a throwaway
database is created, migrated and dropped. As deployed: SQLite with the embedded SQLite job
queue; PostgreSQL through the psycopg pool, with jobs on Redis when it is reachable
(SIGAP_BENCH_REDIS_URL, default redis://127.0.0.1:6379/13; the keys the run creates are
deleted afterwards).

The webhook answers once a message is checked and stored (``received``) and its filing
job queued in Huey's queue (SQLite here, not consumed); the ticket work is that job. So:

* accepted/s: the first message of --customers new customers and --messages follow-ups,
  each a delivery (target: >= 300 deliveries/s), with p50/p95/p99 latency;
* dup/s: every delivery once more (Meta's redeliveries), each answered ``duplicate``;
* filed/s: the filing job run over the stored messages in this process, one at a time as
  one worker thread runs it: new conversations (customer, ticket, SLA, acknowledgement
  queued, search document) and follow-ups threaded onto them. Not part of the target;
  printed so the backlog a burst leaves is known.

  --customers 400 --messages 1600   sizes
  --only sqlite|postgres            one backend
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = 300.0
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"  # bench/web.py uses /14
SECRET = "bench-app-secret"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the measuring process (one per database) -----------------------------------------------


def child(customers: int, messages: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from sigap.connectors.whatsapp.inbound import sign

    call_command("migrate", verbosity=0)
    client = Client()
    numbers = [f"62812{7000000 + i:07d}" for i in range(customers)]
    rng_texts = [
        "Halo kak, paket saya belum sampai, nomor resi BLJ-2026-{n}.",
        "Sudah {n} hari belum ada kabar, mohon dicek ya.",
        "Kak, saldo saya terpotong dua kali untuk pesanan {n}.",
        "Apakah bisa refund? Barang datang rusak ({n}).",
    ]

    def delivery(i: int, number: str) -> bytes:
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": "106540352242922",
                                },
                                "contacts": [
                                    {
                                        "profile": {"name": f"Pelanggan {number[-4:]}"},
                                        "wa_id": number,
                                    }
                                ],
                                "messages": [
                                    {
                                        "from": number,
                                        "id": f"wamid.BENCH{i:08d}{uuid.uuid4().hex[:8]}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": rng_texts[i % 4].format(n=100000 + i)},
                                    }
                                ],
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }
        return json.dumps(payload).encode()

    def run(bodies: list[bytes], expect: str) -> tuple[float, list[float]]:
        latencies = []
        started = time.perf_counter()
        for body in bodies:
            t0 = time.perf_counter()
            response = client.post(
                "/hooks/whatsapp/",
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body, SECRET),
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            outcome = response.json().get("messages", {}) if response.status_code == 200 else {}
            if outcome != {expect: 1}:
                raise SystemExit(f"unexpected answer {response.status_code}: {response.content!r}")
        return time.perf_counter() - started, latencies

    from sigap.connectors import messaging
    from sigap.connectors.models import InboundDelivery
    from sigap.tickets.models import Ticket

    first = [delivery(i, n) for i, n in enumerate(numbers)]
    follow = [delivery(customers + i, numbers[i % customers]) for i in range(messages)]
    t_accept, l_accept = run(first + follow, "accepted")
    t_dup, _ = run(first + follow, "duplicate")
    # the filing job, as one worker thread runs it (Huey's queue is not consumed here)
    ids = list(
        InboundDelivery.objects.filter(status="received")
        .order_by("id")
        .values_list("pk", flat=True)
    )
    started = time.perf_counter()
    created = messaging.file_many(ids[:customers])
    t_new = time.perf_counter() - started
    started = time.perf_counter()
    appended = messaging.file_many(ids[customers:])
    t_thread = time.perf_counter() - started
    assert created == {"created": customers}, created
    assert appended == {"appended": messages}, appended
    assert Ticket.objects.count() == customers
    assert InboundDelivery.objects.filter(status="filed").count() == customers + messages
    return {
        "accepted_per_s": len(l_accept) / t_accept,
        "duplicate_per_s": len(l_accept) / t_dup,
        "p50_ms": pct(l_accept, 50),
        "p95_ms": pct(l_accept, 95),
        "p99_ms": pct(l_accept, 99),
        "filed_new_per_s": customers / t_new,
        "filed_threaded_per_s": messages / t_thread,
        "filed_per_s": (customers + messages) / (t_new + t_thread),
    }


# --- the driver -----------------------------------------------------------------------------


def measure(
    name: str, db_url: str, data_dir: str, args: argparse.Namespace, redis_url: str = ""
) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sigap.settings",
        "SIGAP_DATABASE_URL": db_url,
        "SIGAP_DATA_DIR": data_dir,
        # as in production: PostgreSQL through the psycopg pool (else every request would
        # open a connection: CONN_MAX_AGE is 0)
        "SIGAP_DB_POOL": "true" if name == "postgres" else "false",
        "SIGAP_DEBUG": "false",
        "SIGAP_SECRET_KEY": "bench-secret-key",
        "SIGAP_WHATSAPP_APP_SECRET": SECRET,
        # replies (the acknowledgements) are queued for the worker, which does not run here
        "SIGAP_WHATSAPP_ACCESS_TOKEN": "bench-token",
        "SIGAP_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "SIGAP_WHATSAPP_API_BASE": "http://127.0.0.1:9/v21.0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if redis_url:  # jobs (and cache) on Redis, as a PostgreSQL deployment runs
        env["SIGAP_REDIS_URL"] = redis_url
    command = [
        sys.executable,
        __file__,
        "--child",
        "--customers",
        str(args.customers),
        "--messages",
        str(args.messages),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name}: benchmark failed\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def postgres_server() -> str | None:
    url = os.environ.get("SIGAP_BENCH_POSTGRES_URL", DEFAULT_PG).rstrip("/")
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    try:
        import psycopg

        with psycopg.connect(
            base.replace("postgres://", "postgresql://", 1) + "/postgres", connect_timeout=3
        ):
            return base
    except Exception as exc:  # any failure means: not reachable
        print(f"PostgreSQL not reachable at {base} ({type(exc).__name__}); skipped")
        return None


def redis_for_jobs() -> Any:
    """The Redis database for the PostgreSQL run's job queue, or None (SQLite queue)."""
    url = os.environ.get("SIGAP_BENCH_REDIS_URL", DEFAULT_REDIS)
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        return client
    except Exception as exc:  # any failure means: not reachable
        print(f"Redis not reachable at {url} ({type(exc).__name__}); jobs queue in SQLite")
        return None


def on_postgres(base: str, args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    name = f"sigap_bench_webhooks_{os.getpid()}"
    admin = base.replace("postgres://", "postgresql://", 1) + "/postgres"
    jobs = redis_for_jobs()
    before = set(jobs.keys("*")) if jobs is not None else set()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="sigap-bench-") as data_dir:
            url = os.environ.get("SIGAP_BENCH_REDIS_URL", DEFAULT_REDIS) if jobs else ""
            result = measure("postgres", f"{base}/{name}", data_dir, args, url)
            result["jobs"] = "redis" if jobs is not None else "sqlite"
            return result
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if jobs is not None:  # the queued filing jobs and cache entries of this run only
            created = set(jobs.keys("*")) - before
            if created:
                jobs.delete(*created)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--messages", type=int, default=1600)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.customers, args.messages)))
        return 0
    results: dict[str, dict[str, Any]] = {}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="sigap-bench-") as data_dir:
            url = f"sqlite:///{data_dir}/bench.sqlite3"
            results["SQLite"] = measure("sqlite", url, data_dir, args)
            results["SQLite"]["jobs"] = "sqlite"
    if args.only in (None, "postgres"):
        base = postgres_server()
        if base is not None:
            results["PostgreSQL"] = on_postgres(base, args)
    total = args.customers + args.messages
    print(
        f"WhatsApp webhook ingestion: {total} signed deliveries ({args.customers} new "
        f"conversations, {args.messages} follow-ups), one at a time through Django's test "
        "client; then all again (duplicates); then the filing job over them"
    )
    print(
        f"{'database':<11} {'jobs':<6} {'accepted/s':>10} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'dup/s':>7} | {'filed/s':>7} {'new':>5} {'thread':>6}   "
        f"target >= {TARGET:.0f}/s"
    )
    ok = True
    for name, r in results.items():
        verdict = "PASS" if r["accepted_per_s"] >= TARGET else "FAIL"
        ok = ok and verdict == "PASS"
        print(
            f"{name:<11} {r['jobs']:<6} {r['accepted_per_s']:>10.0f} {r['p50_ms']:>7.1f} "
            f"{r['p95_ms']:>7.1f} "
            f"{r['p99_ms']:>7.1f} {r['duplicate_per_s']:>7.0f} | {r['filed_per_s']:>7.0f} "
            f"{r['filed_new_per_s']:>5.0f} {r['filed_threaded_per_s']:>6.0f}   {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
