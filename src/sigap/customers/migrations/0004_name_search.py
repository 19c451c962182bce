"""Customer name search by word prefix ("budi san" finds "Budi Santoso"), indexed on both
databases: PostgreSQL a generated tsvector column ('simple': lower-case words, no stemming,
no stop words, no extension needed) with a GIN index, queried with prefix terms
(``'budi':* & 'san':*``); SQLite an FTS5 external-content table kept in step by triggers,
queried with quoted prefix tokens (``"budi"* AND "san"*``)."""

from django.db import migrations

PG_UP = [
    """ALTER TABLE customers_customer
       ADD COLUMN name_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED""",
    "CREATE INDEX customer_name_gin ON customers_customer USING gin (name_tsv)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS customer_name_gin",
    "ALTER TABLE customers_customer DROP COLUMN IF EXISTS name_tsv",
]
SQLITE_UP = [
    """CREATE VIRTUAL TABLE customers_name_fts USING fts5(
           name, content='customers_customer', content_rowid='id',
           tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER customers_name_fts_ai AFTER INSERT ON customers_customer BEGIN
           INSERT INTO customers_name_fts(rowid, name) VALUES (new.id, new.name);
       END""",
    """CREATE TRIGGER customers_name_fts_ad AFTER DELETE ON customers_customer BEGIN
           INSERT INTO customers_name_fts(customers_name_fts, rowid, name)
           VALUES ('delete', old.id, old.name);
       END""",
    """CREATE TRIGGER customers_name_fts_au AFTER UPDATE OF name ON customers_customer BEGIN
           INSERT INTO customers_name_fts(customers_name_fts, rowid, name)
           VALUES ('delete', old.id, old.name);
           INSERT INTO customers_name_fts(rowid, name) VALUES (new.id, new.name);
       END""",
    "INSERT INTO customers_name_fts(customers_name_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS customers_name_fts_au",
    "DROP TRIGGER IF EXISTS customers_name_fts_ad",
    "DROP TRIGGER IF EXISTS customers_name_fts_ai",
    "DROP TABLE IF EXISTS customers_name_fts",
]


def forwards(apps, schema_editor):
    for sql in PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_merged_into")]

    operations = [migrations.RunPython(forwards, backwards)]
