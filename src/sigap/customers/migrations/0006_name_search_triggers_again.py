"""0005 added columns with a foreign key to ``customers_customer``; on SQLite Django does
that by rebuilding the table, which drops the triggers that keep ``customers_name_fts``
(0004) in step. Create them again and rebuild the index. PostgreSQL's generated column
and GIN index survive ``ADD COLUMN``: nothing to do there."""

from importlib import import_module

from django.db import migrations

name_search = import_module("sigap.customers.migrations.0004_name_search")
TRIGGERS = [sql for sql in name_search.SQLITE_UP if sql.lstrip().startswith("CREATE TRIGGER")]
DROP = [sql for sql in name_search.SQLITE_DOWN if "TRIGGER" in sql]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in [*DROP, *TRIGGERS]:
        schema_editor.execute(sql)
    schema_editor.execute("INSERT INTO customers_name_fts(customers_name_fts) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_organizations_profile_changes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
