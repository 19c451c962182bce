"""The security audit log's one sanctioned UPDATE: pseudonymising an erased customer
(UU PDP).

The append-only trigger (0003) now lets an UPDATE through only when it sets
``pseudonymised_at`` (to a later time than before) and leaves the row's time, kind,
actor and account ids and address as they were: the names, the detail and the data may
be rewritten with a pseudonym in place of the person, nothing else changes. Any other
UPDATE is still refused; DELETE stays refused on PostgreSQL (0007, ``sigap_append_only``,
left as it was). A nullable column without a default is an ``ALTER TABLE ADD COLUMN`` on
SQLite (no table rebuild).
"""

from django.db import migrations, models

SQLITE_DROP = "DROP TRIGGER IF EXISTS security_event_append_only;"
SQLITE_UP = """
CREATE TRIGGER security_event_append_only
BEFORE UPDATE ON accounts_securityevent
WHEN NOT (
    NEW.pseudonymised_at IS NOT NULL
    AND (OLD.pseudonymised_at IS NULL OR NEW.pseudonymised_at > OLD.pseudonymised_at)
    AND NEW.id = OLD.id
    AND NEW.at = OLD.at
    AND NEW.kind = OLD.kind
    AND NEW.actor_id IS OLD.actor_id
    AND NEW.user_id IS OLD.user_id
    AND NEW.ip = OLD.ip
)
BEGIN
    SELECT RAISE(ABORT, 'the security audit log is append-only');
END;
"""
SQLITE_DOWN = (
    "CREATE TRIGGER security_event_append_only BEFORE UPDATE ON accounts_securityevent "
    "BEGIN SELECT RAISE(ABORT, 'the security audit log is append-only'); END;"
)

# A function of its own: sigap_append_only() also guards DELETE (0007).
PG_UP = [
    """
CREATE OR REPLACE FUNCTION security_event_no_update() RETURNS trigger AS $$
BEGIN
    IF NEW.pseudonymised_at IS NOT NULL
        AND (OLD.pseudonymised_at IS NULL OR NEW.pseudonymised_at > OLD.pseudonymised_at)
        AND NEW.id = OLD.id
        AND NEW.at = OLD.at
        AND NEW.kind = OLD.kind
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id
        AND NEW.ip = OLD.ip
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the security audit log is append-only';
END;
$$ LANGUAGE plpgsql;
""",
    "DROP TRIGGER IF EXISTS security_event_append_only ON accounts_securityevent;",
    "CREATE TRIGGER security_event_append_only BEFORE UPDATE ON accounts_securityevent "
    "FOR EACH ROW EXECUTE FUNCTION security_event_no_update();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS security_event_append_only ON accounts_securityevent;",
    "CREATE TRIGGER security_event_append_only BEFORE UPDATE ON accounts_securityevent "
    "FOR EACH ROW EXECUTE FUNCTION sigap_append_only();",
    "DROP FUNCTION IF EXISTS security_event_no_update();",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in PG_UP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":  # one statement per execute() there
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in PG_DOWN:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_security_kind_data_erased"),
    ]

    operations = [
        migrations.AddField(
            model_name="securityevent",
            name="pseudonymised_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
