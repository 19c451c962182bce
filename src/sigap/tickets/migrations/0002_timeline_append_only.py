"""The timeline is append-only: the database itself refuses UPDATE of an event."""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER tickets_timelineevent_no_update
BEFORE UPDATE ON tickets_timelineevent
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS tickets_timelineevent_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION tickets_timelineevent_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'timeline events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tickets_timelineevent_no_update
BEFORE UPDATE ON tickets_timelineevent
FOR EACH ROW EXECUTE FUNCTION tickets_timelineevent_no_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS tickets_timelineevent_no_update ON tickets_timelineevent;
DROP FUNCTION IF EXISTS tickets_timelineevent_no_update();
"""


def forwards(apps, schema_editor):
    sql = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    schema_editor.execute(sql)


def backwards(apps, schema_editor):
    sql = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
