from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.accounts import business
from sigap.accounts.models import Role, User
from sigap.accounts.services import user_create


class Command(BaseCommand):
    help = "Create an administrator (password from --password, SIGAP_ADMIN_PASSWORD or a prompt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        username = opts["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"Pengguna '{username}' sudah ada.")
        password = opts["password"] or os.environ.get("SIGAP_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Kata sandi admin: ")
        if len(password) < 8:
            raise CommandError("Kata sandi minimal 8 karakter.")
        user_create(username=username, password=password, role=Role.ADMIN, email=opts["email"])
        self.stdout.write(self.style.SUCCESS(f"Admin '{username}' dibuat."))
        if business.open_setup_if_new():
            self.stdout.write("Masuk sebagai admin: daftar persiapan menunggu di /settings/setup/.")
