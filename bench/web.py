"""The web workspace under production conditions. Run: `make bench-web`
(or `.venv/bin/python bench/web.py`).

Uses the database `make bench` seeds (SIGAP_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench; seeded up to --size tickets), starts
`sigap serve --workers 2` with the Redis channel layer (SIGAP_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/14), signs in as a supervisor (who sees every ticket) and measures:

* the inbox's first page over every saved view and sort (one client, so the time is the
  server's time plus loopback);
* the ticket page for random tickets (its first paint; the side column it loads right
  after, `?part=side`, is timed on its own);
* live updates: a ticket created through the API, until its row shows in a second
  agent's inbox in Debian's chromium (Playwright), without reloading.

Targets (issue 3, at 1,000,000 tickets): inbox and ticket page p95 <= 80 ms; live update
< 1 s. Prints a table; writes bench/results/web.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    DEFAULT_DB,
    ROOT,
    Server,
    _verdict,
    ids_sample,
    pct,
    phone_sample,
    run,
    ticket_count,
    vacuum,
)

TARGETS = {
    "inbox_p95_ms": 80.0,
    "ticket_p95_ms": 80.0,
    # issue 16: where people wait, at the median (and the ticket page's p95 tighter)
    "inbox_p50_ms": 12.0,
    "ticket_p50_ms": 15.0,
    "ticket_p95_ms_16": 30.0,
    "live_max_ms": 1000.0,
    # issue 15: the search box. A ticket number answers with the redirect to the ticket;
    # a phone with the inbox page of the customer's tickets (an inbox page: 80 ms).
    "search_number_p95_ms": 30.0,
    "search_phone_p95_ms": 80.0,
}
VIEWS = ["mine", "team", "unassigned", "due", "escalated", "waiting", "resolved", "all"]
SORTS = ["newest", "priority", "due", "updated"]
USER, PASSWORD = "bench.spv", "bench-password-2026"
AGENT = "bench.web.agent"  # sees their team's tickets, their own and the triage queue


def _verdicts(r: dict[str, Any], key: str) -> str:
    """The page's targets: p95 (issue 9), p50 and the ticket page's p95 (issue 16)."""
    found = [_verdict(r["p95_ms"], TARGETS[f"{key}_p95_ms"])]
    if f"{key}_p50_ms" in TARGETS:
        found.append("p50 " + _verdict(r["p50_ms"], TARGETS[f"{key}_p50_ms"]))
    if f"{key}_p95_ms_16" in TARGETS:
        found.append("p95 " + _verdict(r["p95_ms"], TARGETS[f"{key}_p95_ms_16"]))
    return " ".join(found)


def ensure_users(env: dict[str, str]) -> None:
    script = (
        "from sigap.accounts.models import User, Role, Team\n"
        f"for name, role in (('{USER}', Role.SUPERVISOR), ('{AGENT}', Role.AGENT)):\n"
        "    u = User.objects.filter(username=name).first() or User(username=name)\n"
        "    u.role = role; u.is_active = True; u.first_name = 'Bench'\n"
        f"    u.set_password('{PASSWORD}'); u.save()\n"
        "    if role == Role.AGENT: Team.objects.order_by('id').first().members.add(u)\n"
    )
    run("shell", "-c", script, env=env)


def signed_in(base: str, user: str = USER) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/masuk/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    response = client.post(
        "/masuk/",
        data={"username": user, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/masuk/"},
    )
    assert response.status_code == 302, f"sign-in failed: {response.status_code}"
    return client


def timed(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return elapsed


def measure_pages(base: str, db_url: str, rounds: int, user: str) -> dict[str, Any]:
    client = signed_in(base, user)
    urls = [f"/inbox/?view={v}&sort={s}" for v in VIEWS for s in SORTS]
    for url in urls:  # warm-up: pools, plans, templates
        timed(client, url)
    inbox = [timed(client, url) for _ in range(rounds) for url in urls]
    per_view: dict[str, float] = {}
    for i, url in enumerate(urls):
        per_view[url] = pct(inbox[i :: len(urls)], 95)
    tickets = (
        ids_sample(db_url, "tickets_ticket", rounds * 10)
        if user == USER
        else team_ticket_ids(db_url, rounds * 10)
    )
    for t in tickets[:10]:
        timed(client, f"/tickets/{t}/")
    page = [timed(client, f"/tickets/{t}/") for t in tickets]
    # what the page loads right after its first paint (the side column), on its own
    side = [timed(client, f"/tickets/{t}/?part=side") for t in tickets]
    client.close()
    slowest = max(per_view.items(), key=lambda kv: kv[1])
    return {
        "inbox": {"p50_ms": pct(inbox, 50), "p95_ms": pct(inbox, 95), "n": len(inbox)},
        "inbox_slowest": {"url": slowest[0], "p95_ms": slowest[1]},
        "ticket": {"p50_ms": pct(page, 50), "p95_ms": pct(page, 95), "n": len(page)},
        "ticket_side": {"p50_ms": pct(side, 50), "p95_ms": pct(side, 95), "n": len(side)},
    }


def timed_status(client: httpx.Client, url: str, status: int) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == status, f"{url}: {response.status_code}"
    return elapsed


def measure_search(base: str, db_url: str, rounds: int, user: str) -> dict[str, Any]:
    """The inbox's search box: a ticket number the user may see (the answer is the
    redirect to its page) and a customer's phone typed with dashes (the results page)."""
    client = signed_in(base, user)
    n = rounds * 10
    tickets = (
        ids_sample(db_url, "tickets_ticket", n) if user == USER else team_ticket_ids(db_url, n)
    )
    numbers = [
        f"/inbox/?q=SGP-{t:06d}" if i % 2 else f"/inbox/?q={t}" for i, t in enumerate(tickets)
    ]
    phones = [f"/inbox/?view=all&q={p}" for p in phone_sample(db_url, n)]
    for url in numbers[:5]:
        timed_status(client, url, 302)
    number = [timed_status(client, url, 302) for url in numbers]
    for url in phones[:5]:
        timed(client, url)
    phone = [timed(client, url) for url in phones]
    client.close()
    return {
        "search_number": {"p50_ms": pct(number, 50), "p95_ms": pct(number, 95), "n": len(number)},
        "search_phone": {"p50_ms": pct(phone, 50), "p95_ms": pct(phone, 95), "n": len(phone)},
    }


def team_ticket_ids(db_url: str, n: int) -> list[int]:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute(
            "SELECT id FROM tickets_ticket WHERE team_id = (SELECT min(id) FROM accounts_team)"
            " ORDER BY random() LIMIT %s",
            [n],
        ).fetchall()
    return [int(r[0]) for r in rows]


def measure_live(base: str, db_url: str, token: str, n: int) -> dict[str, Any]:
    chromium = (
        os.environ.get("SIGAP_TEST_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-headless-shell")  # what .ci/run installs
    )
    if not chromium:
        return {"skipped": "no chromium (apt-get install chromium)"}
    from playwright.sync_api import sync_playwright

    customers = ids_sample(db_url, "customers_customer", n)
    latencies: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/masuk/")
        page.fill("#id_username", USER)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/(inbox|beranda)/"))  # a supervisor starts on her home
        page.goto(f"{base}/inbox/?view=all")
        # a selector, not a JS predicate: the pages' CSP refuses the evaluation it needs
        page.wait_for_selector("body[data-live-connected='1']", state="attached")
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        for customer in customers:
            started = time.perf_counter()
            response = api.post(
                "/api/v1/tickets",
                json={
                    "customer_id": customer,
                    "kind": "inquiry",
                    "channel": "livechat",
                    "subject": f"Uji pembaruan langsung {uuid.uuid4().hex[:8]}",
                    "description": "Apakah pesanan saya bisa dikirim hari ini?",
                },
            )
            assert response.status_code == 201, response.text
            page.wait_for_selector(f"tr[data-ticket='{response.json()['id']}']", timeout=10_000)
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)
        api.close()
        browser.close()
    return {"p50_ms": pct(latencies, 50), "max_ms": max(latencies), "n": len(latencies)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="passes over views and sorts")
    parser.add_argument("--live", type=int, default=10, help="live-update samples")
    args = parser.parse_args()
    db_url = os.environ.get("SIGAP_BENCH_DATABASE_URL", DEFAULT_DB)
    env = {
        **os.environ,
        "SIGAP_DATABASE_URL": db_url,
        "SIGAP_REDIS_URL": os.environ.get("SIGAP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "SIGAP_DEBUG": "false",
        "SIGAP_DATA_DIR": os.environ.get(
            "SIGAP_BENCH_DATA_DIR", tempfile.mkdtemp(prefix="sigap-bench-")
        ),
    }
    host = urlparse(db_url)
    subprocess.run(
        [
            "createdb",
            "-h",
            host.hostname or "127.0.0.1",
            "-U",
            host.username or "postgres",
            host.path.lstrip("/"),
        ],
        capture_output=True,
    )
    run("migrate", "--verbosity", "0", env=env)
    have = ticket_count(db_url)
    if have < args.size:
        print(f"seeding {args.size - have:,} tickets (have {have:,}) …", flush=True)
        run("bench-seed", str(args.size - have), "--quiet", env=env)
    ensure_users(env)
    token = run("token", "create", USER, env=env)
    vacuum(db_url)  # what `make bench`'s creations left (dead rows where the inbox reads)
    server = Server(env)
    try:
        count = ticket_count(db_url)
        print(f"measuring the web pages at {count:,} tickets …", flush=True)
        results: dict[str, Any] = {
            "tickets": count,
            **measure_pages(server.url, db_url, args.rounds, USER),
            **measure_search(server.url, db_url, args.rounds, USER),
            "agent": {
                **measure_pages(server.url, db_url, args.rounds, AGENT),
                **measure_search(server.url, db_url, args.rounds, AGENT),
            },
        }
        results["live"] = measure_live(server.url, db_url, token, args.live)
    finally:
        server.stop()
    final = count >= 1_000_000
    print("\nSigap web benchmark (PostgreSQL, sigap serve --workers 2, Redis channel layer)")
    for key, name in (
        ("inbox", "inbox, first page (all views × sorts)"),
        ("ticket", "ticket page"),
        ("search_number", "search by number (redirect)"),
        ("search_phone", "search by phone (results page)"),
    ):
        r = results[key]
        verdict = _verdicts(r, key) if final else ""
        print(
            f"  {name:<40} p50 {r['p50_ms']:.1f}  p95 {r['p95_ms']:.1f} ms ({r['n']} req) {verdict}"
        )
    side = results["ticket_side"]
    print(
        f"  {'ticket side column (loaded after)':<40} p50 {side['p50_ms']:.1f}  "
        f"p95 {side['p95_ms']:.1f} ms ({side['n']} req)"
    )
    slow = results["inbox_slowest"]
    print(f"  {'slowest inbox view':<40} p95 {slow['p95_ms']:.1f} ms  {slow['url']}")
    agent = results["agent"]
    for key, name in (
        ("inbox", "inbox as an agent"),
        ("ticket", "ticket page as an agent"),
        ("search_number", "search by number as an agent"),
        ("search_phone", "search by phone as an agent"),
    ):
        r = agent[key]
        verdict = _verdicts(r, key) if final else ""
        print(
            f"  {name:<40} p50 {r['p50_ms']:.1f}  p95 {r['p95_ms']:.1f} ms ({r['n']} req) {verdict}"
        )
    side = agent["ticket_side"]
    print(
        f"  {'ticket side column as an agent':<40} p50 {side['p50_ms']:.1f}  "
        f"p95 {side['p95_ms']:.1f} ms ({side['n']} req)"
    )
    live = results["live"]
    if "skipped" in live:
        print(f"  {'live update to a second browser':<40} skipped: {live['skipped']}")
    else:
        verdict = _verdict(live["max_ms"], TARGETS["live_max_ms"])
        print(
            f"  {'live update to a second browser':<40} p50 {live['p50_ms']:.0f}  "
            f"max {live['max_ms']:.0f} ms ({live['n']} tickets) {verdict}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
