# Several connections per provider, one per brand (issue 17): the provider is no longer
# unique by itself. The rows already stored (one per provider) satisfy both constraints.
# On SQLite the AlterField rebuilds the table; it has no triggers to lose
# (tests/test_migrations.py). On PostgreSQL it drops the unique constraint and its index.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_brands"),
        ("sigap_channels", "0016_channel_brand"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channelaccount",
            name="provider",
            field=models.CharField(max_length=20, verbose_name="saluran"),
        ),
        migrations.AddConstraint(
            model_name="channelaccount",
            constraint=models.UniqueConstraint(
                condition=models.Q(("brand__isnull", True)),
                fields=("provider",),
                name="channel_account_one_default",
            ),
        ),
        migrations.AddConstraint(
            model_name="channelaccount",
            constraint=models.UniqueConstraint(
                fields=("provider", "brand"), name="channel_account_one_per_brand"
            ),
        ),
    ]
