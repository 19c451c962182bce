"""The security audit log's ``subject``: who a row concerns when no account does (a failed
sign-in's typed name, a lockout, a refused single sign-on's address), as a keyed digest,
indexed, so that erasing a customer (UU PDP) finds their rows by index instead of reading
the whole log for their name.

A nullable column without a default is an ``ALTER TABLE ADD COLUMN`` on SQLite (no table
rebuild, the triggers stay). The rows recorded before get their digest here: the only
rows written outside the append-only triggers (suspended for this one UPDATE, inside the
migration's transaction), and only the new column, only on rows without an account.
"""

import importlib

from django.db import migrations, models
from django.utils.crypto import salted_hmac

# As ``accounts.models.subject_digests`` (under the current key) when this was written.
SUBJECT_SALT = "sigap.accounts.SecurityEvent.subject"

PG_SUSPEND = "ALTER TABLE accounts_securityevent DISABLE TRIGGER security_event_append_only;"
PG_RESUME = "ALTER TABLE accounts_securityevent ENABLE TRIGGER security_event_append_only;"


def _digest(name: str) -> str:
    value = name.strip().casefold()
    return salted_hmac(SUBJECT_SALT, value, algorithm="sha256").hexdigest()


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT user_name FROM accounts_securityevent "
            "WHERE user_id IS NULL AND user_name <> '' AND pseudonymised_at IS NULL"
        )
        names = [row[0] for row in cursor.fetchall() if row[0].strip()]
    if not names:
        return
    vendor = connection.vendor
    sqlite_trigger = importlib.import_module(
        "sigap.accounts.migrations.0013_security_event_pseudonymised"
    )
    if vendor == "postgresql":
        schema_editor.execute(PG_SUSPEND)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite_trigger.SQLITE_DROP)
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(
                "UPDATE accounts_securityevent SET subject = %s "
                "WHERE user_id IS NULL AND user_name = %s AND pseudonymised_at IS NULL",
                [_digest(name), name],
            )
    if vendor == "postgresql":
        schema_editor.execute(PG_RESUME)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite_trigger.SQLITE_UP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_security_event_pseudonymised"),
    ]

    operations = [
        migrations.AddField(
            model_name="securityevent",
            name="subject",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="securityevent",
            index=models.Index(fields=["subject"], name="security_subject"),
        ),
    ]
