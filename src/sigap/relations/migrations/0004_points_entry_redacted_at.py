"""The points ledger's one sanctioned change: an erased customer's (UU PDP) typed reasons
redacted, marked ``redacted_at`` (``PointsEntryQuerySet.redact_reasons``). A nullable
column without a default: an ``ALTER TABLE ADD COLUMN`` on SQLite."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0003_campaigns"),
    ]

    operations = [
        migrations.AddField(
            model_name="pointsentry",
            name="redacted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
