from django.db import migrations


def seed(apps, schema_editor):
    from sigap.triage.priority import default_rows

    PriorityRule = apps.get_model("triage", "PriorityRule")
    if PriorityRule.objects.exists():
        return
    PriorityRule.objects.bulk_create(
        PriorityRule(severity=s, tier=t, customer_kind=k, priority=p)
        for s, t, k, p in default_rows()
    )


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
