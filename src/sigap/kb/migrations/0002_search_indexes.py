"""Full-text indexes over the article search documents, and the index generation row.

PostgreSQL: one generated, weighted tsvector (head 'A', body 'B' with the ``indonesian``
configuration over Sastrawi stems; english 'C' with ``simple``) and a GIN index.
SQLite: an FTS5 external-content table kept in step by triggers.
"""

import uuid

from django.db import migrations

PG_UP = [
    """ALTER TABLE kb_articlesearchdocument ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('indonesian', head), 'A')
           || setweight(to_tsvector('indonesian', body), 'B')
           || setweight(to_tsvector('simple', english), 'C')) STORED""",
    "CREATE INDEX kb_article_search_gin ON kb_articlesearchdocument USING gin (tsv)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS kb_article_search_gin",
    "ALTER TABLE kb_articlesearchdocument DROP COLUMN IF EXISTS tsv",
]
SQLITE_UP = [
    """CREATE VIRTUAL TABLE kb_article_fts USING fts5(
           head, body, english,
           content='kb_articlesearchdocument', content_rowid='article_id',
           tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER kb_article_fts_ai AFTER INSERT ON kb_articlesearchdocument BEGIN
           INSERT INTO kb_article_fts(rowid, head, body, english)
           VALUES (new.article_id, new.head, new.body, new.english);
       END""",
    """CREATE TRIGGER kb_article_fts_ad AFTER DELETE ON kb_articlesearchdocument BEGIN
           INSERT INTO kb_article_fts(kb_article_fts, rowid, head, body, english)
           VALUES ('delete', old.article_id, old.head, old.body, old.english);
       END""",
    """CREATE TRIGGER kb_article_fts_au AFTER UPDATE ON kb_articlesearchdocument BEGIN
           INSERT INTO kb_article_fts(kb_article_fts, rowid, head, body, english)
           VALUES ('delete', old.article_id, old.head, old.body, old.english);
           INSERT INTO kb_article_fts(rowid, head, body, english)
           VALUES (new.article_id, new.head, new.body, new.english);
       END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS kb_article_fts_au",
    "DROP TRIGGER IF EXISTS kb_article_fts_ad",
    "DROP TRIGGER IF EXISTS kb_article_fts_ai",
    "DROP TABLE IF EXISTS kb_article_fts",
]


def forwards(apps, schema_editor):
    for sql in PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP:
        schema_editor.execute(sql)
    apps.get_model("kb", "IndexGeneration").objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex}
    )


def backwards(apps, schema_editor):
    for sql in PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
