from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from sigap.sla.defaults import indonesian_holidays
from sigap.sla.models import Holiday


class Command(BaseCommand):
    help = "Load Indonesian national holidays and cuti bersama for the given years."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="+", type=int, help="e.g. 2028 2029")

    @transaction.atomic
    def handle(self, *args: Any, **opts: Any) -> None:
        added = 0
        for day, name, kind in indonesian_holidays(tuple(opts["years"])):
            _, created = Holiday.objects.get_or_create(
                date=day, name=name, calendar=None, defaults={"kind": kind}
            )
            added += created
        self.stdout.write(f"{added} hari libur ditambahkan.")
