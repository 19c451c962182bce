"""Drop the single-column foreign-key indexes that a composite index already leads with
(each index costs every ticket, message and timeline write).

Only the indexes are dropped: Django's own AlterField would rebuild the tables on SQLite
(losing the timeline's append-only trigger) and re-create the foreign keys on PostgreSQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the indexes ``db_index=True`` created, the same on both databases.
REDUNDANT = {
    "tickets_message_ticket_id_a1134910": ("tickets_message", "ticket_id"),
    "tickets_ticket_assignee_id_3a5aa407": ("tickets_ticket", "assignee_id"),
    "tickets_ticket_customer_id_f2d9135a": ("tickets_ticket", "customer_id"),
    "tickets_ticket_team_id_5a4e7469": ("tickets_ticket", "team_id"),
    "tickets_timelineevent_ticket_id_19b14374": ("tickets_timelineevent", "ticket_id"),
}
DROP = [f'DROP INDEX IF EXISTS "{name}"' for name in REDUNDANT]
CREATE = [
    f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
    for name, (table, column) in REDUNDANT.items()
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("customers", "0003_customer_merged_into"),
        ("tickets", "0014_event_kind_call_logged"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=DROP,
                    reverse_sql=CREATE,
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assigned_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="penanggung jawab",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="customers.customer",
                        verbose_name="pelanggan",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="accounts.team",
                        verbose_name="tim",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="tickets.ticket",
                    ),
                ),
            ],
        )
    ]
