"""Full-text indexes: PostgreSQL tsvector columns ('indonesian') with GIN; SQLite FTS5."""

from django.db import migrations

PG_UP = [
    """ALTER TABLE tickets_ticketsearchdocument
       ADD COLUMN staff_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('indonesian', staff_text)) STORED""",
    """ALTER TABLE tickets_ticketsearchdocument
       ADD COLUMN public_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('indonesian', public_text)) STORED""",
    "CREATE INDEX ticket_search_staff_gin ON tickets_ticketsearchdocument USING gin (staff_tsv)",
    "CREATE INDEX ticket_search_public_gin ON tickets_ticketsearchdocument USING gin (public_tsv)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ticket_search_public_gin",
    "DROP INDEX IF EXISTS ticket_search_staff_gin",
    "ALTER TABLE tickets_ticketsearchdocument DROP COLUMN IF EXISTS public_tsv",
    "ALTER TABLE tickets_ticketsearchdocument DROP COLUMN IF EXISTS staff_tsv",
]
SQLITE_UP = [
    """CREATE VIRTUAL TABLE tickets_search_fts USING fts5(
           staff_text, public_text,
           content='tickets_ticketsearchdocument', content_rowid='ticket_id',
           tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER tickets_search_fts_ai AFTER INSERT ON tickets_ticketsearchdocument BEGIN
           INSERT INTO tickets_search_fts(rowid, staff_text, public_text)
           VALUES (new.ticket_id, new.staff_text, new.public_text);
       END""",
    """CREATE TRIGGER tickets_search_fts_ad AFTER DELETE ON tickets_ticketsearchdocument BEGIN
           INSERT INTO tickets_search_fts(tickets_search_fts, rowid, staff_text, public_text)
           VALUES ('delete', old.ticket_id, old.staff_text, old.public_text);
       END""",
    """CREATE TRIGGER tickets_search_fts_au AFTER UPDATE ON tickets_ticketsearchdocument BEGIN
           INSERT INTO tickets_search_fts(tickets_search_fts, rowid, staff_text, public_text)
           VALUES ('delete', old.ticket_id, old.staff_text, old.public_text);
           INSERT INTO tickets_search_fts(rowid, staff_text, public_text)
           VALUES (new.ticket_id, new.staff_text, new.public_text);
       END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_search_fts_au",
    "DROP TRIGGER IF EXISTS tickets_search_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_search_fts_ai",
    "DROP TABLE IF EXISTS tickets_search_fts",
]


def forwards(apps, schema_editor):
    for sql in PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_search_document")]

    operations = [migrations.RunPython(forwards, backwards)]
