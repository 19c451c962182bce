"""The metrics a report shows: names, units, which way is better, default targets, and
the seed's interpretation rules for what to do when a metric misses its target."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.core.money import format_number


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "%", "menit", "jam", "tiket", "skor"
    better: int  # +1 higher is better, -1 lower is better, 0 neither
    target: float | None
    action: str  # what to do when it misses the target (DOMAIN.md §8)


METRICS: list[Metric] = [
    Metric(
        "volume",
        gettext_noop("Volume tiket"),
        "tiket",
        0,
        None,
        gettext_noop(
            "Cari penyebab perubahan volume (laporan akar masalah) dan tinjau proses yang "
            "paling banyak memicu keluhan."
        ),
    ),
    Metric(
        "csat",
        gettext_noop("Kepuasan pelanggan (CSAT)"),
        "%",
        +1,
        90,
        gettext_noop(
            "Tinjau umpan balik pelanggan yang memberi nilai rendah; bisa jadi masalah produk, "
            "proses, atau kebutuhan pelatihan agen."
        ),
    ),
    Metric(
        "nps",
        gettext_noop("Net Promoter Score (NPS)"),
        "skor",
        +1,
        30,
        gettext_noop(
            "Loyalitas pelanggan rendah: hubungi detraktor, tindak lanjuti keluhan mereka, dan "
            "perkuat program loyalitas."
        ),
    ),
    Metric(
        "ces",
        gettext_noop("Kemudahan bagi pelanggan (CES)"),
        "%",
        +1,
        80,
        gettext_noop(
            "Sederhanakan langkah yang harus dilakukan pelanggan (formulir, dokumen, "
            "perpindahan saluran)."
        ),
    ),
    Metric(
        "fcr",
        gettext_noop("Selesai pada kontak pertama (FCR)"),
        "%",
        +1,
        70,
        gettext_noop(
            "Adakan pelatihan agen atau sederhanakan proses agar masalah selesai pada "
            "kontak pertama."
        ),
    ),
    Metric(
        "fcr_resolved",
        gettext_noop("FCR varian: dari tiket selesai"),
        "%",
        +1,
        None,
        gettext_noop(
            "Adakan pelatihan agen atau sederhanakan proses agar masalah selesai pada "
            "kontak pertama."
        ),
    ),
    Metric(
        "aht",
        gettext_noop("Rata-rata waktu penanganan (AHT)"),
        "menit",
        -1,
        10,
        gettext_noop("Otomatiskan pekerjaan berulang (templat balasan, chatbot) atau latih agen."),
    ),
    Metric(
        "frt",
        gettext_noop("Waktu respons pertama"),
        "menit",
        -1,
        60,
        gettext_noop("Tambah agen pada jam sibuk (lihat peta jam) atau perbaiki pembagian tiket."),
    ),
    Metric(
        "wait",
        gettext_noop("Rata-rata waktu tunggu"),
        "menit",
        -1,
        60,
        gettext_noop("Tinjau proses dan jadwal agen; pelanggan terlalu lama menunggu balasan."),
    ),
    Metric(
        "resolution_time",
        gettext_noop("Waktu penyelesaian"),
        "jam",
        -1,
        48,
        gettext_noop("Periksa tiket yang paling lama selesai dan percepat koordinasi antartim."),
    ),
    Metric(
        "sla",
        gettext_noop("Selesai dalam tenggat (SLA)"),
        "%",
        +1,
        90,
        gettext_noop(
            "Tinjau beban kerja dan kebijakan SLA; eskalasi lebih awal tiket yang berisiko."
        ),
    ),
    Metric(
        "sla_first_response",
        gettext_noop("Respons pertama dalam tenggat"),
        "%",
        +1,
        95,
        gettext_noop(
            "Pastikan tiket baru segera ditangani; atur pemberitahuan dan pembagian otomatis."
        ),
    ),
    Metric(
        "backlog",
        gettext_noop("Tiket belum selesai (backlog)"),
        "tiket",
        -1,
        None,
        gettext_noop(
            "Kurangi antrean: alihkan agen ke tiket lama dan tutup tiket yang sudah selesai."
        ),
    ),
    Metric(
        "reopen",
        gettext_noop("Tiket dibuka kembali"),
        "%",
        -1,
        5,
        gettext_noop(
            "Pastikan solusi benar-benar menyelesaikan masalah sebelum tiket dinyatakan selesai."
        ),
    ),
]
BY_KEY = {m.key: m for m in METRICS}

# Every metric but the two counts rests on a sample: a report shows how many items (n)
# and draws no conclusion (met or missed, the action) from fewer than MIN_SAMPLE of them.
SURVEY_METRICS = frozenset({"csat", "ces", "nps"})
COUNT_METRICS = frozenset({"volume", "backlog"})
MIN_SAMPLE = 30
# what n counts, per metric (the report's "baru 12 tiket selesai, minimal 30")
BASIS: dict[str, str] = {
    "csat": gettext_noop("jawaban"),
    "ces": gettext_noop("jawaban"),
    "nps": gettext_noop("jawaban"),
    "fcr": gettext_noop("tiket"),
    "fcr_resolved": gettext_noop("tiket selesai"),
    "aht": gettext_noop("interaksi terukur"),
    "frt": gettext_noop("tiket terjawab"),
    "wait": gettext_noop("penantian"),
    "resolution_time": gettext_noop("tiket selesai"),
    "sla": gettext_noop("tiket selesai"),
    "sla_first_response": gettext_noop("tiket"),
    "reopen": gettext_noop("tiket selesai"),
}


def fmt(value: float | None, unit: str) -> str:
    """A metric's value in the active language: Indonesian comma decimals and dot
    thousands ("1.234", "2,5"), English the other way round; one decimal, none when it is 0."""
    if value is None:
        return "—"
    decimals = 0 if unit == "tiket" or round(value, 1) == round(value) else 1
    text = format_number(value, decimals)
    if unit == "menit":
        return _("%(n)s menit") % {"n": text}
    if unit == "jam":
        return _("%(n)s jam") % {"n": text}
    return f"{text}%" if unit == "%" else text
