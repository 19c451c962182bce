from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sigap.sla.services import holidays_import


class Command(BaseCommand):
    help = "Load Indonesian national holidays and cuti bersama for the given years."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="+", type=int, help="e.g. 2028 2029")

    def handle(self, *args: Any, **opts: Any) -> None:
        added = holidays_import(actor=None, years=opts["years"])
        self.stdout.write(f"{added} hari libur ditambahkan.")
