from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.accounts.models import User
from sigap.accounts.services import token_create


class Command(BaseCommand):
    help = "API tokens: `sigap token create USERNAME` prints a new bearer token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"Pengguna aktif '{opts['username']}' tidak ditemukan.")
        self.stdout.write(token_create(user=user, name=opts["name"]))
