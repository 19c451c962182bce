from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sigap.accounts.models import Role, User
from sigap.core import siteurl
from sigap.demo.loader import DEMO_PASSWORD, demo_exists, load_demo
from sigap.tickets.models import Ticket


class Command(BaseCommand):
    help = "Load the Indonesian demo data (teams, staff, customers, tickets). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=320)
        parser.add_argument("--seed", type=int, default=2026)
        # The address `sigap serve` will be started with (`make demo` passes HOST and PORT):
        # the printed addresses, and the links in the mail sent while loading, point there.
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["port"] is not None:
            warning = siteurl.adopt(opts["host"], opts["port"])
            if warning:
                self.stderr.write(warning)
        if demo_exists():
            self.stdout.write("Data demo sudah ada; tidak dimuat ulang.")
        else:
            started = time.monotonic()
            self.stdout.write("Memuat data demo…")
            load_demo(tickets=opts["tickets"], seed=opts["seed"])
            self.stdout.write(
                f"{Ticket.objects.count()} tiket dibuat dalam {time.monotonic() - started:.0f} s."
            )
        self._print_logins()

    def _print_logins(self) -> None:
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Login demo (kata sandi semua akun: {DEMO_PASSWORD})")
        )
        order = {Role.ADMIN: 0, Role.SUPERVISOR: 1, Role.AGENT: 2, Role.CUSTOMER: 3}
        users = sorted(
            User.objects.filter(is_active=True).exclude(username__startswith="bench."),
            key=lambda u: (order[Role(u.role)], u.username),
        )
        for user in users:
            self.stdout.write(f"  {user.get_role_display():<11} {user.username}")
        self.stdout.write("")
        self.stdout.write(f"  Ruang kerja petugas: {site}/masuk/")
        self.stdout.write(f"  Portal pelanggan:    {site}/portal/masuk/ (masuk dengan email)")
        self.stdout.write(f"  Admin:               {site}/admin/")
        self.stdout.write(f"  API:                 {site}/api/v1/docs")
