"""The periodic SLA sweep at scale. Run: `make bench-sweep` (or `.venv/bin/python bench/sweep.py`).

On the benchmark database (SIGAP_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench, seeded by `make bench` to 1,000,000
tickets): first brings the sweep up to date (tickets seeded before the SLA columns
existed), then makes --due open tickets newly overdue and --warn newly past their warning
mark, and times one `sweep()` — the job the worker runs every minute — finding and
processing them (claim, timeline events, escalation, notifications) among all open
tickets. Target (issue 6): every newly due ticket processed within 2 s at 1M tickets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--warn", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault(
        "SIGAP_DATABASE_URL",
        os.environ.get(
            "SIGAP_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sigap_bench"
        ),
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    os.environ.setdefault("SIGAP_DB_POOL", "false")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from sigap.tickets.models import OPEN_STATUSES, Ticket
    from sigap.tickets.sweep import sweep

    now = timezone.now()
    # Catch up once: tickets seeded before the sweep existed count as already handled.
    Ticket.objects.filter(
        status__in=OPEN_STATUSES, sla_breached_at__isnull=True, resolution_due_at__lte=now
    ).update(
        sla_breached_at=F("resolution_due_at"),
        sla_warned_at=F("resolution_due_at"),
        escalation_level=2,
    )
    Ticket.objects.filter(
        status__in=OPEN_STATUSES, escalation_level=1, sla_breached_at__lte=now
    ).update(escalation_level=2)
    Ticket.objects.filter(
        status__in=OPEN_STATUSES, sla_warned_at__isnull=True, sla_warn_at__lte=now
    ).update(sla_warned_at=F("sla_warn_at"))
    open_count = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    total = Ticket.objects.count()
    ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, sla_paused_at__isnull=True)
        .exclude(status="waiting_customer")
        .order_by("?")
        .values_list("pk", flat=True)[: args.due + args.warn]
    )
    due_ids, warn_ids = ids[: args.due], ids[args.due :]
    Ticket.objects.filter(pk__in=due_ids).update(
        resolution_due_at=now - timedelta(minutes=1),
        sla_warn_at=now - timedelta(minutes=30),
        sla_breached_at=None,
        sla_warned_at=now - timedelta(minutes=30),
        escalation_level=0,
    )
    Ticket.objects.filter(pk__in=warn_ids).update(
        resolution_due_at=now + timedelta(hours=2),
        sla_warn_at=now - timedelta(minutes=1),
        sla_warned_at=None,
        sla_breached_at=None,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    started = time.perf_counter()
    if os.environ.get("SIGAP_BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        result = profile.runcall(sweep, now)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    else:
        result = sweep(now)
    elapsed = time.perf_counter() - started
    verdict = "PASS" if elapsed <= 2.0 else "FAIL"
    print(
        f"SLA sweep over {total:,} tickets ({open_count:,} open): {result.breached:,} newly "
        f"breached and escalated, {result.warned:,} warned, in {elapsed:.2f} s "
        f"[{verdict} target <= 2 s]"
    )
    again = time.perf_counter()
    idle = sweep(timezone.now())
    print(
        f"next sweep with nothing new: {time.perf_counter() - again:.3f} s "
        f"({idle.breached} breached, {idle.warned} warned)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
