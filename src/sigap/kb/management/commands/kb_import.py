"""``sigap kb-import FILE.json``: create or update knowledge-base articles from a file.

The file is a JSON list of ``{slug, title, category, body}`` with the optional
``summary, questions, title_en, summary_en, body_en, visibility, status, category_en``
(see ``sigap.kb.services.import_articles``). Running it again changes only what changed
(each changed article gets a new version).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.core.errors import SigapError
from sigap.kb.services import load_articles


class Command(BaseCommand):
    help = "Import knowledge-base articles from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON file: a list of articles")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = load_articles(opts["file"])
        except SigapError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Artikel: {result}.")
