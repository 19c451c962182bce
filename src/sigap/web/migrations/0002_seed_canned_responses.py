from django.db import migrations


def seed(apps, schema_editor):
    from sigap.web.seed import CANNED

    CannedResponse = apps.get_model("web", "CannedResponse")
    if CannedResponse.objects.exists():
        return
    CannedResponse.objects.bulk_create(
        CannedResponse(purpose=purpose, title=title, body=body) for purpose, title, body in CANNED
    )


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
