"""Where a fast request's time goes: py-spy samples of the ticket page, the inbox, the API's
single ticket, the API's list and the API's ticket creation (``--kinds create``: it adds
tickets to the benchmark's database, which `make bench` does not remove), each served in a
loop inside one process (Django's test client: the whole middleware stack and view, no HTTP
server), against the benchmark's database. Run: `make bench-profile` (or
`.venv/bin/python bench/pyspy.py`).

Uses the database `make bench` seeds (SIGAP_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench; the users `bench.web.agent` and
`bench.admin` that `make bench-web` and `make bench` create). Prints, for each request kind,
the share of the sampled time spent in each layer (a sample counts for every layer on its
stack, so the shares overlap) and the Sigap functions that hold most of it. The raw samples
stay in bench/results/profile-<kind>.raw (`py-spy record --format raw`; flamegraph.pl or
speedscope draw them). docs/decisions/0009-python-overhead.md reads the findings.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sigap_bench"

# What the loop runs under py-spy (a separate process, so py-spy starts it and samples it).
LOOP = """
import json, os, sys, time, uuid
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
import django
django.setup()
from django.test import Client
from sigap.accounts.models import User
from sigap.tickets.access import visible_tickets

kind, n = sys.argv[1], int(sys.argv[2])
user = User.objects.get(username="bench.web.agent" if kind in ("page", "inbox") else "bench.admin")
from sigap.customers.models import Customer
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
ids = list(visible_tickets(user).order_by("-pk").values_list("pk", flat=True)[:300])
urls = {
    "page": [f"/tickets/{pk}/" for pk in ids],
    "inbox": ["/inbox/", "/inbox/?view=all", "/inbox/?view=mine", "/inbox/?sort=due"],
    "single": [f"/api/v1/tickets/{pk}" for pk in ids],
    "list": [
        "/api/v1/tickets?limit=25",
        "/api/v1/tickets?limit=25&status=new",
        "/api/v1/tickets?limit=25&priority=1",
    ],
    # ticket creation as `make bench` posts it (each with its own Idempotency-Key)
    "create": [
        ("/api/v1/tickets", {
            "customer_id": pk, "kind": "complaint", "channel": "whatsapp",
            "subject": "Paket belum sampai setelah lima hari",
            "description": "Halo min, pesanan BLJ-2026-104233 belum sampai, mohon dicek.",
            "category": "service", "severity": "sederhana",
        })
        for pk in Customer.objects.order_by("-pk").values_list("pk", flat=True)[:300]
    ],
}[kind]


def call(target):
    if isinstance(target, tuple):  # a POST: (url, JSON body)
        return client.post(
            target[0], json.dumps(target[1]), content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    return client.get(target)


def warm_up():  # the URLconf, templates and lazy imports load here: left out of the figures
    for url in urls[:3]:
        call(url)


warm_up()
started = time.perf_counter()
for i in range(n):
    response = call(urls[i % len(urls)])
    assert response.status_code in (200, 201), (urls[i % len(urls)], response.status_code)
print(f"{kind}: {(time.perf_counter() - started) * 1000 / n:.1f} ms per request in-process")
"""

# Layers of the stack, by the frames py-spy names ("function (package/module.py:line)").
LAYERS = [
    ("templates (django.template)", r"\(django/template/"),
    ("forms and widgets (django.forms)", r"\(django/forms/"),
    ("ORM: building queries (filter, Q, clone)", r"\(django/db/models/sql/query\.py"),
    ("ORM: compiling SQL (SQLCompiler)", r"SQLCompiler\.(as_sql|pre_sql_setup|setup_query)"),
    ("database round trips (psycopg)", r"\(psycopg/"),
    ("ORM: rows into model instances", r"Model\.from_db|Model\.__init__ \(django"),
    ("django-ninja (routing, params, auth)", r"\(ninja/"),
    ("pydantic", r"\(pydantic"),
    ("session and user load", r"\(django/contrib/sessions/|get_user \(django/contrib/auth/"),
    ("translation (gettext)", r"\(django/utils/translation/"),
    ("URL resolving and reversing", r"\(django/urls/"),
]
OWN = re.compile(r"(\S+) \(sigap/([^:]+):\d+\)")
# Where the innermost frame of a sample is: its package (exclusive time, no overlap).
PACKAGE = re.compile(r"\((django/[a-z_]+(?:/[a-z_]+)?|[a-z_]+)[/.:]")


def _package(frame: str) -> str:
    m = PACKAGE.search(frame)
    return m.group(1) if m else frame


def summarise(raw: Path, top: int) -> str:
    total = 0
    layers: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "RequestFactory.generic" not in stack or "warm_up (" in stack:
            continue  # outside the measured requests: setup, imports, the warm-up
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf[_package(frames[-1])] += n
        for name, pattern in LAYERS:
            if any(re.search(pattern, f) for f in frames):
                layers[name] += n
        seen = set()
        for f in frames:
            m = OWN.match(f)
            if m and (key := f"{m.group(2)}:{m.group(1)}") not in seen:
                seen.add(key)
                own[key] += n
    lines = [f"  samples in requests: {total}"]
    lines += [f"  {100 * layers[name] / total:5.1f} %  {name}" for name, _ in LAYERS]
    lines.append("  by the package of the innermost frame (exclusive):")
    lines += [f"  {100 * n / total:5.1f} %  {key}" for key, n in leaf.most_common(12)]
    lines.append("  Sigap's functions (inclusive):")
    lines += [f"  {100 * n / total:5.1f} %  {key}" for key, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="per request kind")
    parser.add_argument("--kinds", default="page,inbox,single,list")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    env = {
        **os.environ,
        "SIGAP_DATABASE_URL": os.environ.get("SIGAP_BENCH_DATABASE_URL", DEFAULT_DB),
        "SIGAP_DEBUG": "false",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    for kind in args.kinds.split(","):
        raw = RESULTS / f"profile-{kind}.raw"
        subprocess.run(
            [
                str(bin_dir / "py-spy"),
                "record",
                "--format",
                "raw",
                "--rate",
                str(args.rate),
                "--output",
                str(raw),
                "--",
                sys.executable,
                "-c",
                LOOP,
                kind,
                str(args.requests),
            ],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        print(summarise(raw, args.top), flush=True)


if __name__ == "__main__":
    main()
