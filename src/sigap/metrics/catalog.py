"""The metrics a report shows: names, units, which way is better, default targets, and
the seed's interpretation rules for what to do when a metric misses its target."""

from __future__ import annotations

from dataclasses import dataclass


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
        "Volume tiket",
        "tiket",
        0,
        None,
        "Cari penyebab perubahan volume (laporan akar masalah) dan tinjau proses yang "
        "paling banyak memicu keluhan.",
    ),
    Metric(
        "csat",
        "Kepuasan pelanggan (CSAT)",
        "%",
        +1,
        90,
        "Tinjau umpan balik pelanggan yang memberi nilai rendah; bisa jadi masalah produk, "
        "proses, atau kebutuhan pelatihan agen.",
    ),
    Metric(
        "nps",
        "Net Promoter Score (NPS)",
        "skor",
        +1,
        30,
        "Loyalitas pelanggan rendah: hubungi detraktor, tindak lanjuti keluhan mereka, dan "
        "perkuat program loyalitas.",
    ),
    Metric(
        "ces",
        "Kemudahan bagi pelanggan (CES)",
        "%",
        +1,
        80,
        "Sederhanakan langkah yang harus dilakukan pelanggan (formulir, dokumen, "
        "perpindahan saluran).",
    ),
    Metric(
        "fcr",
        "Selesai pada kontak pertama (FCR)",
        "%",
        +1,
        70,
        "Adakan pelatihan agen atau sederhanakan proses agar masalah selesai pada kontak pertama.",
    ),
    Metric(
        "fcr_resolved",
        "FCR varian: dari tiket selesai",
        "%",
        +1,
        None,
        "Adakan pelatihan agen atau sederhanakan proses agar masalah selesai pada kontak pertama.",
    ),
    Metric(
        "aht",
        "Rata-rata waktu penanganan (AHT)",
        "menit",
        -1,
        10,
        "Otomatiskan pekerjaan berulang (templat balasan, chatbot) atau latih agen.",
    ),
    Metric(
        "frt",
        "Waktu respons pertama",
        "menit",
        -1,
        60,
        "Tambah agen pada jam sibuk (lihat peta jam) atau perbaiki pembagian tiket.",
    ),
    Metric(
        "wait",
        "Rata-rata waktu tunggu",
        "menit",
        -1,
        60,
        "Tinjau proses dan jadwal agen; pelanggan terlalu lama menunggu balasan.",
    ),
    Metric(
        "resolution_time",
        "Waktu penyelesaian",
        "jam",
        -1,
        48,
        "Periksa tiket yang paling lama selesai dan percepat koordinasi antartim.",
    ),
    Metric(
        "sla",
        "Selesai dalam tenggat (SLA)",
        "%",
        +1,
        90,
        "Tinjau beban kerja dan kebijakan SLA; eskalasi lebih awal tiket yang berisiko.",
    ),
    Metric(
        "sla_first_response",
        "Respons pertama dalam tenggat",
        "%",
        +1,
        95,
        "Pastikan tiket baru segera ditangani; atur pemberitahuan dan pembagian otomatis.",
    ),
    Metric(
        "backlog",
        "Tiket belum selesai (backlog)",
        "tiket",
        -1,
        None,
        "Kurangi antrean: alihkan agen ke tiket lama dan tutup tiket yang sudah selesai.",
    ),
    Metric(
        "reopen",
        "Tiket dibuka kembali",
        "%",
        -1,
        5,
        "Pastikan solusi benar-benar menyelesaikan masalah sebelum tiket dinyatakan selesai.",
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
    "csat": "jawaban",
    "ces": "jawaban",
    "nps": "jawaban",
    "fcr": "tiket",
    "fcr_resolved": "tiket selesai",
    "aht": "interaksi terukur",
    "frt": "tiket terjawab",
    "wait": "penantian",
    "resolution_time": "tiket selesai",
    "sla": "tiket selesai",
    "sla_first_response": "tiket",
    "reopen": "tiket selesai",
}


def fmt(value: float | None, unit: str) -> str:
    """Indonesian number formatting: comma decimals, dot thousands."""
    if value is None:
        return "—"
    if unit == "tiket":
        text = f"{value:,.0f}".replace(",", ".")
    else:
        text = f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
        if text.endswith(",0"):
            text = text[:-2]
    return {"%": f"{text}%", "menit": f"{text} menit", "jam": f"{text} jam"}.get(unit, text)
