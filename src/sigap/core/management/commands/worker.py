from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run the background-job worker (Huey): SLA sweep, cleanups and every queued job. "
        "Several workers may run at once, on one machine or many (Redis queue)."
    )

    # No system checks at start, as a Huey or Celery worker runs none: they import every
    # view and API schema (the URLconf) that a worker never serves, about half of its
    # start's CPU (2.5 -> 1.1-1.6 s, 2026-12-07). `sigap serve` runs them, and
    # `sigap check --deploy` for a deployment's settings.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="worker threads")

    def handle(self, *args: Any, **opts: Any) -> None:
        threads = opts["threads"] or settings.HUEY["consumer"]["workers"]
        self.stdout.write(f"Pekerja latar belakang berjalan ({threads} utas).")
        call_command("run_huey", workers=threads)
