"""The security audit log's ``subject``: who a row concerns when no account does (a failed
sign-in's typed name, a lockout, a refused single sign-on's address), as a keyed digest,
indexed, so that erasing a customer (UU PDP) finds their rows by index instead of reading
the whole log for their name.

A nullable column without a default is an ``ALTER TABLE ADD COLUMN`` on SQLite (no table
rebuild, the triggers stay). The rows recorded before get their digest here: the only
rows written outside the append-only triggers (suspended for this backfill, inside the
migration's transaction), and only the new column, only on rows without an account (an
admin-site change of a user gets its username's digest).
"""

import importlib
import json

from django.db import migrations, models
from django.utils.crypto import salted_hmac

# As ``accounts.models.subject_digests`` (under the current key) when this was written.
SUBJECT_SALT = "sigap.accounts.SecurityEvent.subject"

PG_SUSPEND = "ALTER TABLE accounts_securityevent DISABLE TRIGGER security_event_append_only;"
PG_RESUME = "ALTER TABLE accounts_securityevent ENABLE TRIGGER security_event_append_only;"


def _digest(name: str) -> str:
    value = name.strip().casefold()
    return salted_hmac(SUBJECT_SALT, value, algorithm="sha256").hexdigest()


BATCH = 2000


def _rows(connection):  # type: ignore[no-untyped-def]
    """(id, digest) of every row that names someone without an account: a typed name, or
    an admin-site change of a user (its username, looked up by the row's object id)."""
    memo: dict[str, str] = {}

    def digest(name: str) -> str:
        if name not in memo:
            memo[name] = _digest(name)
        return memo[name]

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, username FROM accounts_user")
        usernames = {str(pk): name for pk, name in cursor.fetchall()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, user_name, kind, data FROM accounts_securityevent "
            "WHERE user_id IS NULL AND pseudonymised_at IS NULL ORDER BY id"
        )
        while batch := cursor.fetchmany(BATCH):
            found = []
            for pk, user_name, kind, data in batch:
                if user_name.strip():
                    found.append((digest(user_name), pk))
                    continue
                if kind != "settings_changed":
                    continue
                values = json.loads(data) if isinstance(data, str) else (data or {})
                if values.get("model") == "user" and values.get("object_id") in usernames:
                    found.append((digest(usernames[values["object_id"]]), pk))
            if found:
                yield found


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """One UPDATE by primary key per row found, sent in batches (each digest computed once
    per name): linear in the rows, where an UPDATE per distinct name would read the whole
    log for each name (``user_name`` has no index)."""
    connection = schema_editor.connection
    batches = list(_rows(connection))
    if not batches:
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
        for found in batches:
            cursor.executemany(
                "UPDATE accounts_securityevent SET subject = %s WHERE id = %s", found
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
