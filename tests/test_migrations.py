from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_are_in_step() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_every_foreign_key_has_an_index_leading_with_it() -> None:
    """Deleting a row makes PostgreSQL look for rows still pointing at it, through each
    foreign key; without an index that is a scan of the whole referencing table per row.
    Found at 1M tickets: deleting 3,300 tickets took over 9 minutes, one scan of the
    tickets table per ticket, for ``merged_into`` (now a partial index)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalogue (the SQLite run has no such check)")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
              AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
              )
            ORDER BY 1, 2
            """
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_every_trigger_the_migrations_create_is_still_there() -> None:
    """On SQLite, adding a column with a foreign key (and most other changes) rebuilds the
    table, and the rebuild drops the table's triggers: the customers' name search lost its
    index triggers that way when 0005 added ``organization`` (the inbox's name search then
    found nothing new). Every trigger a migration creates for this engine must exist."""
    import re
    from pathlib import Path

    from django.db import connection

    root = Path(__file__).resolve().parent.parent / "src" / "sigap"
    created: set[str] = set()
    for path in root.glob("**/migrations/0*.py"):
        text = path.read_text(encoding="utf-8")
        blocks = re.findall(r"(SQLITE_UP|PG_UP)\s*=\s*\[(.*?)\n\]", text, flags=re.S)
        blocks += re.findall(r'(SQLITE_UP|PG_UP)\s*=\s*"""(.*?)"""', text, flags=re.S)
        for block in blocks:
            wanted = "SQLITE_UP" if connection.vendor == "sqlite" else "PG_UP"
            if block[0] == wanted:
                created |= set(re.findall(r"CREATE TRIGGER (?:IF NOT EXISTS )?(\w+)", block[1]))
    assert created, "no trigger found in the migrations: the pattern above is out of date"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        present = {row[0] for row in cursor.fetchall()}
    assert sorted(created - present) == []
