import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seed(apps, schema_editor):
    EscalationLevel = apps.get_model("sla", "EscalationLevel")
    if EscalationLevel.objects.exists():
        return
    EscalationLevel.objects.bulk_create(
        [
            EscalationLevel(
                level=1, name="Supervisor tim", after_minutes=0, audience="team_supervisor"
            ),
            EscalationLevel(level=2, name="Manajemen", after_minutes=240, audience="management"),
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EscalationLevel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("level", models.PositiveSmallIntegerField(unique=True, verbose_name="tingkat")),
                ("name", models.CharField(max_length=80, verbose_name="nama")),
                (
                    "after_minutes",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Tingkat 1 selalu pada saat tenggat terlampaui.",
                        verbose_name="setelah (menit sejak tenggat terlampaui)",
                    ),
                ),
                (
                    "audience",
                    models.CharField(
                        choices=[
                            ("team_supervisor", "Supervisor tim (semua supervisor bila tanpa tim)"),
                            ("supervisors", "Semua supervisor"),
                            ("management", "Manajemen (admin)"),
                            ("user", "Pengguna tertentu"),
                        ],
                        default="team_supervisor",
                        max_length=20,
                        verbose_name="dieskalasi ke",
                    ),
                ),
                (
                    "reassign",
                    models.BooleanField(
                        default=False,
                        help_text="Hanya bila eskalasi ditujukan ke satu orang.",
                        verbose_name="jadikan penerima sebagai penanggung jawab",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="aktif")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        help_text="Hanya untuk 'pengguna tertentu'.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="pengguna",
                    ),
                ),
            ],
            options={
                "verbose_name": "tingkat eskalasi",
                "verbose_name_plural": "tingkat eskalasi",
                "ordering": ["level"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("level__gte", 1)), name="escalation_level_gte_1"
                    )
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
