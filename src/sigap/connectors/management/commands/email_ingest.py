from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sigap.connectors.email.inbound import ingest
from sigap.connectors.models import QuarantinedEmail


class Command(BaseCommand):
    help = (
        "File raw emails (RFC 5322 files, or one message on stdin, e.g. from an MTA pipe) "
        "as tickets; --retry-quarantine tries the quarantined ones again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="files with one raw message each")
        parser.add_argument("--retry-quarantine", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["retry_quarantine"]:
            for q in QuarantinedEmail.objects.filter(released_at__isnull=True).order_by("id"):
                result = ingest(bytes(q.raw), keep=False)
                if result.status == "quarantined":
                    q.reason = result.reason[:300]
                    q.save(update_fields=["reason"])
                else:
                    q.released_at = timezone.now()
                    q.save(update_fields=["released_at"])
                self.stdout.write(f"karantina #{q.pk}: {result.status} {result.reason}".rstrip())
            return
        sources = [Path(f).read_bytes() for f in opts["files"]] or [sys.stdin.buffer.read()]
        for raw in sources:
            result = ingest(raw)
            ref = result.ticket.reference if result.ticket else "-"
            self.stdout.write(f"{result.status} {ref} {result.reason}".rstrip())
