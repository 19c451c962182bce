# The security audit log's kind for a customer's personal data erased (UU PDP).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_message_templates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="securityevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sign_in", "Masuk"),
                    ("sign_in_failed", "Gagal masuk"),
                    ("locked_out", "Terkunci (terlalu banyak gagal)"),
                    ("sign_out", "Keluar"),
                    ("token_created", "Token API dibuat"),
                    ("token_revoked", "Token API dicabut"),
                    ("role_changed", "Peran diubah"),
                    ("activated", "Akun diaktifkan"),
                    ("deactivated", "Akun dinonaktifkan"),
                    ("password_changed", "Kata sandi diubah"),
                    ("team_changed", "Anggota tim diubah"),
                    ("2fa_enabled", "2FA diaktifkan"),
                    ("2fa_disabled", "2FA dimatikan"),
                    ("2fa_reset", "2FA disetel ulang oleh admin"),
                    ("2fa_failed", "Kode 2FA salah"),
                    ("recovery_used", "Kode pemulihan dipakai"),
                    ("recovery_new", "Kode pemulihan dibuat ulang"),
                    ("sessions_ended", "Sesi diakhiri"),
                    ("export", "Data diekspor"),
                    ("data_erased", "Data pribadi pelanggan dihapus"),
                    ("settings_changed", "Pengaturan diubah"),
                    ("sso_provisioned", "Akun dibuat lewat SSO"),
                    ("invited", "Diundang lewat email"),
                    ("invite_accepted", "Undangan diterima"),
                ],
                max_length=20,
                verbose_name="jenis",
            ),
        ),
    ]
