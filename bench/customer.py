"""The whole customer (issue 19) under production conditions. Run: `make bench-customer`
(or `.venv/bin/python bench/customer.py`).

Uses the database `make bench` seeds (SIGAP_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench; 1,000,000 tickets), tops its customers up
to 200,000 (rows without tickets, as most customers are), and gives one customer a long
history: 100 tickets with 7 messages each, 100 calls, 50 answered surveys and 50 proposals
over two years (1,000 interactions with the tickets themselves). Then it starts
`sigap serve --workers 2` and measures, signed in as a supervisor and as an agent of the
customer's team:

* the customer page (profile, the newest 30 of the stream, tickets, calls);
* the stream's older pages, walked with their cursors.

Target (issue 19, at 1M tickets and 200,000 customers): the customer page p95 <= 100 ms.
Prints a table; writes bench/results/customer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DEFAULT_DB, ROOT, SIGAP, Server, _verdict, pct, run, ticket_count
from web import AGENT, USER, ensure_users, signed_in

TARGET_P95_MS = 100.0
CUSTOMERS = 200_000
HEAVY_EMAIL = "bench.heavy@contoh.id"

TOP_UP = """
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT count(*), coalesce(max(id), 0) FROM customers_customer")
    have, top = c.fetchone()
    missing = {customers} - have
    if missing > 0:
        c.execute(
            "INSERT INTO customers_customer (id, name, kind, temperament, loyalty_tier, notes,"
            " birthday, preferred_channel, preferred_language, organization_id, time_zone,"
            " user_id, version, created_at, updated_at, erased_at, merged_into_id, merged_at)"
            " SELECT %s + g, 'Pelanggan ' || (%s + g), 'external', '', 'regular', '', NULL,"
            " '', '', NULL, '', NULL, 1, now(), now(), NULL, NULL, NULL"
            " FROM generate_series(1, %s) AS g",
            [top, top, missing],
        )
        c.execute("SELECT setval(pg_get_serial_sequence('customers_customer', 'id'),"
                  " (SELECT max(id) FROM customers_customer))")
    print(max(missing, 0))
"""

HEAVY = """
import random
from datetime import timedelta
from django.utils import timezone
from sigap.accounts.models import Team, User
from sigap.connectors.phone.models import Call
from sigap.customers.models import CustomerContact
from sigap.customers.services import ContactIn, customer_create
from sigap.surveys.models import Survey
from sigap.tickets.models import Message, Proposal, Ticket
from django.db import transaction
found = CustomerContact.objects.filter(kind="email", value="{email}").first()
if found:
    print(found.customer_id)
else:
  with transaction.atomic():
      rng = random.Random(19)
      team = Team.objects.order_by("id").first()
      agent = User.objects.get(username="{agent}")
      customer = customer_create(name="Pelanggan Setia Bench", loyalty_tier="gold",
                                 contacts=[ContactIn("email", "{email}")])
      start = timezone.now() - timedelta(days=730)
      tickets = Ticket.objects.bulk_create(
          Ticket(kind="complaint", channel=rng.choice(["email", "whatsapp", "livechat", "phone"]),
                 subject=f"Keluhan ke-{{n}}", description="Paket belum sampai.",
                 category="service", severity="sederhana", status="closed",
                 customer=customer, team=team, assignee=agent,
                 created_at=start + timedelta(days=7 * n), updated_at=start + timedelta(days=7 * n))
          for n in range(100))
      Message.objects.bulk_create(
          Message(ticket=t, kind=("inbound", "reply")[k % 2], channel=t.channel,
                  body=f"Pesan {{k}} tentang {{t.subject}}: paket saya belum sampai, mohon dicek.",
                  created_at=t.created_at + timedelta(hours=k + 1))
          for t in tickets for k in range(7))
      Call.objects.bulk_create(
          Call(customer=customer, ticket=t, agent=agent,
               started_at=t.created_at + timedelta(hours=2),
               duration=rng.randint(30, 600), notes="Menelepon soal paket.")
          for t in tickets)
      Survey.objects.bulk_create(
          Survey(kind="csat", customer=customer, ticket=t, sent_via="email",
                 sent_at=t.created_at + timedelta(days=2),
                 expires_at=t.created_at + timedelta(days=9),
                 csat=rng.randint(1, 5), answered_at=t.created_at + timedelta(days=3))
          for t in tickets[:50])
      Proposal.objects.bulk_create(
          Proposal(ticket=t, summary="Kirim ulang paket.", compensation_type="voucher",
                   compensation_amount=50000, status="accepted",
                   created_at=t.created_at + timedelta(days=1))
          for t in tickets[50:])
      print(customer.pk)
"""


def shell(script: str, env: dict[str, str]) -> str:
    """Runs ``script`` in `sigap shell`; its last line of output, or its error in full."""
    done = subprocess.run(
        [SIGAP, "shell", "--no-imports", "-c", script],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"sigap shell failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def timed(client: httpx.Client, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return elapsed, response.text


def measure(base: str, customer_id: int, rounds: int, user: str) -> dict[str, Any]:
    client = signed_in(base, user)
    url = f"/customers/{customer_id}/"
    for _ in range(5):  # warm-up: pools, plans, templates
        timed(client, url)
    pages: list[float] = []
    older: list[float] = []
    items = 0
    for _ in range(rounds):
        elapsed, html = timed(client, url)
        pages.append(elapsed)
    cursor = re.search(r"\?before=([^\"&]+)", html)
    while cursor:  # walk the whole stream once, page by page
        elapsed, part = timed(client, f"/customers/{customer_id}/stream/?before={cursor.group(1)}")
        older.append(elapsed)
        items += part.count('class="stream-item')
        cursor = re.search(r"\?before=([^\"&]+)", part)
    client.close()
    return {
        "page": {"p50_ms": pct(pages, 50), "p95_ms": pct(pages, 95), "n": len(pages)},
        "older": {"p50_ms": pct(older, 50), "p95_ms": pct(older, 95), "n": len(older)},
        "stream_items": items + html.count('class="stream-item'),
    }


def bench_env() -> tuple[dict[str, str], str]:
    """The production-like settings `make bench` uses, and the database's URL."""
    db_url = os.environ.get("SIGAP_BENCH_DATABASE_URL", DEFAULT_DB)
    data_dir = os.environ.get("SIGAP_BENCH_DATA_DIR") or tempfile.mkdtemp(prefix="sigap-bench-")
    env = {
        **os.environ,
        "SIGAP_DATABASE_URL": db_url,
        "SIGAP_REDIS_URL": os.environ.get("SIGAP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "SIGAP_DEBUG": "false",
        "SIGAP_DATA_DIR": data_dir,
    }
    return env, db_url


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    env, db_url = bench_env()
    run("migrate", "--verbosity", "0", env=env)
    if ticket_count(db_url) < 1_000_000:
        print("note: fewer than 1,000,000 tickets; run `make bench` first for the target")
    ensure_users(env)
    added = shell(TOP_UP.format(customers=CUSTOMERS), env)
    customer_id = int(shell(HEAVY.format(email=HEAVY_EMAIL, agent=AGENT), env))
    server = Server(env)
    try:
        results = {
            "tickets": ticket_count(db_url),
            "customers_added": int(added),
            "customer_id": customer_id,
            "supervisor": measure(server.url, customer_id, args.rounds, USER),
            "agent": measure(server.url, customer_id, args.rounds, AGENT),
        }
    finally:
        server.stop()
    print("\nSigap customer page benchmark (PostgreSQL, sigap serve --workers 2)")
    print(f"  {results['tickets']:,} tickets; customer #{customer_id}, long history")
    for who in ("supervisor", "agent"):
        r = results[who]
        page, older = r["page"], r["older"]
        print(
            f"  customer page as a {who:<11} p50 {page['p50_ms']:.1f}  p95 {page['p95_ms']:.1f} ms"
            f" ({page['n']} req) {_verdict(page['p95_ms'], TARGET_P95_MS)}"
        )
        print(
            f"  older stream pages as a {who:<6} p50 {older['p50_ms']:.1f}  "
            f"p95 {older['p95_ms']:.1f} ms ({older['n']} pages, {r['stream_items']} items)"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "customer.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
