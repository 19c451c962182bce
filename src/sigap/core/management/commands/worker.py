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

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="worker threads")

    def handle(self, *args: Any, **opts: Any) -> None:
        threads = opts["threads"] or settings.HUEY["consumer"]["workers"]
        self.stdout.write(f"Pekerja latar belakang berjalan ({threads} utas).")
        call_command("run_huey", workers=threads)
