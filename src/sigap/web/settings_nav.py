"""The settings area's sections, in one list: the hub page (``/settings/``) and every
settings page's side menu are drawn from it. A new settings page adds one ``Section``.

``scope``: ``"team"`` sections open for supervisors too (they see and change only their
own teams' part, ``accounts.access``); ``"global"`` ones only for admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sigap.accounts import access
from sigap.accounts.models import User


@dataclass(frozen=True)
class Section:
    url_name: str  # the page's URL name (``web:settings_people``)
    label: str | Promise
    description: str | Promise
    scope: Literal["team", "global"]
    # other URL names that belong to this section (an edit page), for the current mark
    also: tuple[str, ...] = ()


SECTIONS: list[Section] = [
    Section(
        "web:settings_setup",
        _("Daftar persiapan"),
        _("Nama, logo dan zona waktu usaha; langkah-langkah menyiapkan Sigap dan keluhan uji."),
        "global",
    ),
    Section(
        "web:settings_people",
        _("Orang"),
        _("Undang petugas, atur peran, tim, keahlian dan kapasitas, nonaktifkan akun."),
        "team",
        also=("web:settings_person", "web:settings_invitations"),
    ),
    Section(
        "web:settings_teams",
        _("Tim"),
        _("Tim, supervisor, anggota, dan aturan persetujuan usulan."),
        "team",
        also=("web:settings_team",),
    ),
    Section(
        "web:settings_canned",
        _("Templat balasan"),
        _("Balasan siap pakai dan makro."),
        "team",
        also=("web:settings_canned_edit",),
    ),
    Section(
        "web:settings_sla",
        _("Tingkat layanan (SLA)"),
        _(
            "Kebijakan SLA, kalender kerja, jam Ramadan, hari libur, tangga eskalasi, "
            "dan pratinjau tenggat."
        ),
        "team",
        also=(
            "web:settings_sla_policy",
            "web:settings_sla_policy_new",
            "web:settings_sla_calendars",
            "web:settings_sla_calendar",
            "web:settings_sla_calendar_new",
            "web:settings_sla_special",
            "web:settings_sla_special_new",
            "web:settings_sla_holidays",
            "web:settings_sla_escalation",
        ),
    ),
    Section(
        "web:settings_automations",
        _("Otomatisasi"),
        _("Aturan syarat → tindakan, urutan, aktif/nonaktif, dan uji coba pada tiket terakhir."),
        "team",
        also=("web:settings_automation", "web:settings_automation_new"),
    ),
    Section(
        "web:settings_time_rules",
        _("Aturan waktu"),
        _("Pengingat dan tutup otomatis per kebijakan SLA."),
        "team",
    ),
    Section(
        "web:settings_routing",
        _("Perutean"),
        _("Aturan yang mengarahkan tiket baru ke tim, dengan uji coba."),
        "team",
        also=("web:settings_routing_rule", "web:settings_routing_new"),
    ),
    Section(
        "web:settings_channels",
        _("Saluran"),
        _("Kotak surat (IMAP/POP3, SMTP, OAuth2) dengan uji koneksi; WhatsApp, Telegram, Meta."),
        "global",
        also=(
            "web:settings_mailbox",
            "web:settings_mailbox_new",
            "web:settings_channel",
            "web:settings_mailbox_delete",
            "web:settings_channel_disconnect",
        ),
    ),
    Section(
        "web:settings_priority",
        _("Matriks prioritas"),
        _("Prioritas P1–P4 tiket baru menurut tingkat keluhan dan tingkat loyalitas pelanggan."),
        "global",
    ),
    Section(
        "web:settings_targets",
        _("Target metrik"),
        _(
            "Target tiap metrik laporan (CSAT, respons pertama, SLA, …) untuk seluruh usaha, "
            "dan target tiap tim."
        ),
        "team",
        also=("web:settings_targets_team",),
    ),
    Section(
        "web:settings_templates",
        _("Templat pesan"),
        _(
            "Tanda terima, pengingat, undangan survei, email portal, usulan dan sapaan widget, "
            "per merek dan bahasa."
        ),
        "global",
        also=("web:settings_template",),
    ),
    Section(
        "web:settings_brands",
        _("Merek"),
        _("Nama, logo, warna, pengirim email, tanda tangan dan saluran tiap merek."),
        "global",
        also=("web:settings_brand",),
    ),
    Section(
        "web:settings_tags",
        _("Label"),
        _("Ganti nama, gabungkan atau hapus label tiket, dengan jumlah tiketnya."),
        "global",
    ),
    Section(
        "web:settings_api_tokens",
        _("Token API"),
        _("Token untuk sistem lain yang memakai API: buat (ditampilkan sekali) dan cabut."),
        "global",
        also=("web:settings_api_token_revoke",),
    ),
    Section(
        "web:settings_webhooks",
        _("Webhook"),
        _("Kirim peristiwa ke sistem lain: alamat, peristiwa, rahasia, dan pengiriman uji."),
        "global",
        also=("web:settings_webhook", "web:settings_webhook_new"),
    ),
    Section(
        "web:settings_facts",
        _("Fakta wajib chatbot"),
        _("Fakta yang diminta chatbot sebelum menjawab (nomor pesanan…), dengan uji pola."),
        "global",
        also=("web:settings_fact", "web:settings_fact_new"),
    ),
    Section(
        "web:loyalty_settings",
        _("Program loyalitas"),
        _("Poin, tingkat, kumpulan voucher, dan impor pembelian."),
        "team",
    ),
    Section(
        "web:settings_categories",
        _("Golongan keluhan"),
        _("Golongan keluhan prosedur dan jumlah tiketnya."),
        "team",
    ),
]


def sections_for(user: User) -> list[Section]:
    if not access.can_open_settings(user):
        return []
    admin = access.is_settings_admin(user)
    return [s for s in SECTIONS if admin or s.scope == "team"]


def current(url_name: str) -> str:
    """The section a page (by its namespaced URL name) belongs to."""
    for s in SECTIONS:
        if url_name == s.url_name or url_name in s.also:
            return s.url_name
    return ""
