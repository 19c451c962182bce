"""The timeline's one sanctioned UPDATE: redacting a customer's personal data (UU PDP).

The append-only trigger (0002) now lets an UPDATE through only when it sets
``redacted_at`` (to a later time than before) and leaves the event's ticket, actor, kind,
field, visibility and time as they were: the words in ``old_value``, ``new_value`` and
``data`` may be blanked, nothing else changes. Any other UPDATE is still refused on both
engines. Adding a nullable column without a default is an ``ALTER TABLE ADD COLUMN`` on
SQLite (no table rebuild), and the trigger is re-created here anyway.
"""

from django.db import migrations, models

# What may differ in a redaction: old_value, new_value, data, redacted_at.
SQLITE_DROP = "DROP TRIGGER IF EXISTS tickets_timelineevent_no_update;"
SQLITE_UP = """
CREATE TRIGGER tickets_timelineevent_no_update
BEFORE UPDATE ON tickets_timelineevent
WHEN NOT (
    NEW.redacted_at IS NOT NULL
    AND (OLD.redacted_at IS NULL OR NEW.redacted_at > OLD.redacted_at)
    AND NEW.id = OLD.id
    AND NEW.ticket_id = OLD.ticket_id
    AND NEW.actor_id IS OLD.actor_id
    AND NEW.kind = OLD.kind
    AND NEW.field = OLD.field
    AND NEW.public = OLD.public
    AND NEW.created_at = OLD.created_at
)
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
"""
SQLITE_DOWN = """
CREATE TRIGGER tickets_timelineevent_no_update
BEFORE UPDATE ON tickets_timelineevent
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
"""

# The trigger (0002) stays; its function gains the one exception.
PG_UP = """
CREATE OR REPLACE FUNCTION tickets_timelineevent_no_update() RETURNS trigger AS $$
BEGIN
    IF NEW.redacted_at IS NOT NULL
        AND (OLD.redacted_at IS NULL OR NEW.redacted_at > OLD.redacted_at)
        AND NEW.id = OLD.id
        AND NEW.ticket_id = OLD.ticket_id
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.kind = OLD.kind
        AND NEW.field = OLD.field
        AND NEW.public = OLD.public
        AND NEW.created_at = OLD.created_at
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'timeline events are append-only';
END;
$$ LANGUAGE plpgsql;
"""
PG_DOWN = """
CREATE OR REPLACE FUNCTION tickets_timelineevent_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'timeline events are append-only';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":  # one statement per execute() there
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0026_ticket_brand"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineevent",
            name="redacted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
