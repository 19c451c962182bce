"""Due-time computation speed. Run: `make bench-sla` (or `.venv/bin/python bench/sla.py`).

Loads the SLA policies, calendars and holidays of the benchmark database
(SIGAP_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sigap_bench; the
defaults a migration installs) into memory once, then computes first-response and
resolution due times for --n synthetic tickets: random channel, priority and a start
anywhere in 2026 (nights, weekends, holidays included), as the SLA sweep and a policy
change do. Target (issue 6): >= 20,000 tickets/s. Prints the figure.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

CHANNELS = ["email", "whatsapp", "livechat", "telegram", "instagram", "phone", "portal", "x"]
TARGET = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()
    os.environ.setdefault(
        "SIGAP_DATABASE_URL",
        os.environ.get(
            "SIGAP_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sigap_bench"
        ),
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sigap.sla.book import PolicyBook

    rng = random.Random(7)
    year = datetime(2026, 1, 1, tzinfo=UTC)
    work = [
        (
            rng.choice(CHANNELS),
            rng.choice([1, 2, 3, 3, 3, 4]),
            year + timedelta(minutes=rng.randrange(365 * 24 * 60)),
        )
        for _ in range(args.n)
    ]
    book = PolicyBook.load()
    started = time.perf_counter()
    for channel, priority, start in work:
        book.due(start=start, channel=channel, priority=priority)
    elapsed = time.perf_counter() - started
    rate = args.n / elapsed
    verdict = "PASS" if rate >= TARGET else "FAIL"
    print(
        f"SLA due times: {args.n:,} tickets in {elapsed:.2f} s = {rate:,.0f} tickets/s "
        f"[{verdict} target >= {TARGET:,}/s] ({len(book.policies)} policies)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
