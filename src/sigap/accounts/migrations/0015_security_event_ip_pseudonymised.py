"""A pseudonymisation (accounts/0013) may also blank the row's address: an erased
customer's (UU PDP) own sign-ins, sign-outs and other actions lose the IP address they
came from (``audit.pseudonymise``). Any other change of the address, and every other
UPDATE, is still refused; the kind, time and ids stay."""

import importlib

from django.db import migrations

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
    AND (NEW.ip = OLD.ip OR NEW.ip = '')
)
BEGIN
    SELECT RAISE(ABORT, 'the security audit log is append-only');
END;
"""
PG_UP = """
CREATE OR REPLACE FUNCTION security_event_no_update() RETURNS trigger AS $$
BEGIN
    IF NEW.pseudonymised_at IS NOT NULL
        AND (OLD.pseudonymised_at IS NULL OR NEW.pseudonymised_at > OLD.pseudonymised_at)
        AND NEW.id = OLD.id
        AND NEW.at = OLD.at
        AND NEW.kind = OLD.kind
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id
        AND (NEW.ip = OLD.ip OR NEW.ip = '')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the security audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def _previous():  # type: ignore[no-untyped-def]
    return importlib.import_module("sigap.accounts.migrations.0013_security_event_pseudonymised")


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
        schema_editor.execute(_previous().PG_UP[0])
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(_previous().SQLITE_UP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_security_event_subject"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
