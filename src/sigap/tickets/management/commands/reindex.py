from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from sigap.tickets.search import reindex_all


class Command(BaseCommand):
    help = "Rebuild the full-text search documents of every ticket."

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        count = reindex_all()
        self.stdout.write(f"{count} tiket diindeks ulang dalam {time.monotonic() - started:.1f} s.")
