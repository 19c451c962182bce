"""``sigap metrics sync|rebuild|verify [--sample N]``: upkeep of the metric facts."""

from __future__ import annotations

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.metrics import sync
from sigap.tickets.models import Ticket


class Command(BaseCommand):
    help = "Keep the metric facts in step with the timeline, rebuild or verify them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sync", "rebuild", "verify"])
        parser.add_argument("--sample", type=int, default=0, help="verify: N random tickets")

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        action = opts["action"]
        if action == "sync":
            result = sync.sync()
            self.stdout.write(f"{result.tickets} tiket diperbarui.")
        elif action == "rebuild":
            total = Ticket.objects.count()

            def progress(done: int) -> None:
                if done % 50_000 < sync.BATCH:
                    self.stdout.write(f"  {done:,} / {total:,}")

            done = sync.rebuild(progress=progress)
            self.stdout.write(f"{done:,} fakta dihitung ulang.")
        else:
            ids = list(Ticket.objects.values_list("pk", flat=True))
            if opts["sample"]:
                ids = sorted(random.sample(ids, min(opts["sample"], len(ids))))
            wrong = sync.verify(ids)
            if wrong:
                raise CommandError(f"{len(wrong)} dari {len(ids)} fakta berbeda: {wrong[:20]}")
            self.stdout.write(f"{len(ids):,} fakta sama dengan hitungan ulang.")
        self.stdout.write(f"({time.monotonic() - started:.1f} s)")
