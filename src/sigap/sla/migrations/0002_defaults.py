from django.db import migrations


def seed(apps, schema_editor):
    from sigap.sla.defaults import CALENDARS, POLICIES, indonesian_holidays

    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    WorkingPeriod = apps.get_model("sla", "WorkingPeriod")
    Holiday = apps.get_model("sla", "Holiday")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    if BusinessCalendar.objects.exists():
        return
    calendars = {}
    for name, spec in CALENDARS.items():
        cal = BusinessCalendar.objects.create(
            name=name,
            around_the_clock=spec["around_the_clock"],
            national_holidays=spec["national_holidays"],
        )
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=cal, weekday=d, start=a, end=b) for d, a, b in spec["periods"]
        )
        calendars[name] = cal
    Holiday.objects.bulk_create(
        Holiday(date=day, name=name, kind=kind) for day, name, kind in indonesian_holidays()
    )
    for name, position, conditions, calendar, targets in POLICIES:
        policy = SlaPolicy.objects.create(
            name=name, position=position, calendar=calendars[calendar], **conditions
        )
        SlaTarget.objects.bulk_create(
            SlaTarget(
                policy=policy,
                priority=p,
                first_response_minutes=f,
                next_response_minutes=n,
                resolution_minutes=r,
            )
            for p, (f, n, r) in targets.items()
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
