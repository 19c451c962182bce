# The timeline kinds of 0019 (merge, split, links) and 0021 (approvals), together.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0021_approval_rules_and_fulfilment"),
    ]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Tiket dibuat"),
                    ("field_changed", "Kolom diubah"),
                    ("status_changed", "Status diubah"),
                    ("assigned", "Penanggung jawab diubah"),
                    ("team_changed", "Tim diubah"),
                    ("tags_changed", "Label diubah"),
                    ("message_received", "Pesan masuk"),
                    ("reply_sent", "Balasan dikirim"),
                    ("note_added", "Catatan internal"),
                    ("recorded", "Fakta dicatat"),
                    ("confirmation", "Konfirmasi"),
                    ("apology", "Permintaan maaf"),
                    ("proposal_created", "Usulan dibuat"),
                    ("proposal_approved", "Usulan disetujui"),
                    ("proposal_accepted", "Usulan diterima"),
                    ("proposal_rejected", "Usulan ditolak"),
                    ("proposal_withdrawn", "Usulan ditarik"),
                    ("proposal_declined", "Usulan ditolak supervisor"),
                    ("proposal_changes", "Usulan dikembalikan untuk diubah"),
                    ("proposal_resubmitted", "Usulan diajukan ulang"),
                    ("proposal_review_note", "Catatan supervisor atas usulan"),
                    ("compensation_recorded", "Pemberian kompensasi dicatat"),
                    ("sla_warning", "Tenggat hampir lewat"),
                    ("sla_breached", "Tenggat terlampaui"),
                    ("escalated", "Eskalasi"),
                    ("sla_paused", "Jam SLA berhenti"),
                    ("sla_resumed", "Jam SLA berjalan lagi"),
                    ("automation", "Otomasi"),
                    ("survey_answered", "Survei dijawab"),
                    ("call_logged", "Panggilan telepon"),
                    ("merged", "Tiket digabung"),
                    ("split", "Tiket dipisah"),
                    ("linked", "Tautan tiket"),
                ],
                max_length=24,
            ),
        ),
    ]
