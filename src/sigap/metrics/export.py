"""A report's content to PDF (WeasyPrint, from the same template as the page), XLSX
(openpyxl) and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.metrics import charts

KPI_HEADER = [  # said with gettext when written out
    gettext_noop("Metrik"),
    gettext_noop("Target"),
    gettext_noop("Hasil"),
    gettext_noop("Periode sebelumnya"),
    gettext_noop("Analisis"),
    gettext_noop("Tindakan"),
]


def context(content: dict[str, Any], title: str) -> dict[str, Any]:
    """What the report template needs: the content plus the charts drawn from it."""
    out: dict[str, Any] = {"c": content, "title": title, "charts": {}}
    pictures = out["charts"]
    if content.get("by_category"):
        pictures["category"] = charts.bar(
            _("Volume per kategori"), [(r["label"], r["count"]) for r in content["by_category"]]
        )
    if content.get("by_root_cause"):
        pictures["root_cause"] = charts.bar(
            _("Volume per akar masalah"),
            [(r["label"], r["count"]) for r in content["by_root_cause"]],
        )
    if content.get("root_causes"):
        pictures["root_cause"] = charts.bar(
            _("Akar masalah"), [(r["label"], r["count"]) for r in content["root_causes"]]
        )
    if content.get("by_channel"):
        pictures["channel"] = charts.bar(
            _("Volume per saluran"), [(r["label"], r["count"]) for r in content["by_channel"]]
        )
    if content.get("trend"):
        months = [r["month"] for r in content["trend"]]
        pictures["trend_volume"] = charts.line(
            _("Volume tiket"), months, {"Volume": [r["volume"] for r in content["trend"]]}
        )
        pictures["trend_satisfaction"] = charts.line(
            _("CSAT dan NPS"),
            months,
            {
                "CSAT (%)": [r["csat"] for r in content["trend"]],
                "NPS": [r["nps"] for r in content["trend"]],
            },
        )
        pictures["trend_frt"] = charts.line(
            _("Respons pertama (menit)"), months, {"FRT": [r["frt"] for r in content["trend"]]}
        )
    if content.get("csat_distribution"):
        pictures["csat"] = charts.bar(
            _("Sebaran nilai CSAT"),
            [
                (_("Nilai %(score)s") % {"score": r["score"]}, r["count"])
                for r in content["csat_distribution"]
            ],
        )
    if content.get("heatmap"):
        days = [_(day) for day in charts.WEEKDAYS]
        out["heat"] = list(zip(days, charts.heat_cells(content["heatmap"]), strict=True))
    return out


def pdf(content: dict[str, Any], title: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string("metrics/report_pdf.html", context(content, title))
    return bytes(HTML(string=html).write_pdf())


def _table(content: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report's main table."""
    if content.get("rows"):
        return [_(h) for h in KPI_HEADER], [
            [
                r["label"],
                r["target_text"],
                r["result_text"],
                r["previous_text"],
                r["analysis"],
                r["action"],
            ]
            for r in content["rows"]
        ]
    if content.get("trend"):
        keys = ["volume", "csat", "nps", "ces", "fcr", "frt", "resolution_time", "sla"]
        return [_("Bulan"), *keys], [
            [r["month"], *[r.get(k) for k in keys]] for r in content["trend"]
        ]
    if content.get("incidents") is not None and content.get("kind") == "incident":
        header = [
            _("Tiket"),
            _("Subjek"),
            _("Dibuat"),
            _("Status"),
            _("Tim"),
            _("Penanggung jawab"),
            _("Langkah"),
        ]
        return header, [
            [
                i["reference"],
                i["subject"],
                i["created"],
                i["status"],
                i["team"],
                i["owner"],
                "; ".join(i["steps"]),
            ]
            for i in content["incidents"]
        ]
    if content.get("root_causes") is not None:
        return [_("Akar masalah"), _("Tiket"), _("Porsi (%)"), _("Periode sebelumnya")], [
            [r["label"], r["count"], r["share"], r["previous"]] for r in content["root_causes"]
        ]
    if content.get("csat_distribution"):
        return [_("Nilai CSAT"), _("Jawaban")], [
            [r["score"], r["count"]] for r in content["csat_distribution"]
        ]
    return [_("Keterangan")], [[_("Tidak ada data.")]]


def csv_bytes(content: dict[str, Any]) -> bytes:
    header, rows = _table(content)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8


def xlsx(content: dict[str, Any], title: str) -> bytes:
    # imported here, not with the URLconf: openpyxl is about a quarter of a second of every
    # server process's start
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Laporan")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Periode: %(period)s") % {"period": content.get("period", "")}])
    sheet.append([])
    header, rows = _table(content)
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1D4ED8")
    for row in rows:
        sheet.append(row)
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 22 if index < 5 else 48
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for key, name in (
        ("by_category", _("Kategori")),
        ("by_root_cause", _("Akar masalah")),
        ("by_channel", _("Saluran")),
    ):
        if content.get(key):
            extra = book.create_sheet(name)
            extra.append([name, _("Tiket"), _("Porsi (%)")])
            for r in content[key]:
                extra.append([r["label"], r["count"], r["share"]])
    for key, name, by in (("agents", _("Agen"), "name"), ("teams", _("Tim"), "name")):
        if content.get(key):
            extra = book.create_sheet(name)
            cols = [by, "volume", "resolved", "fcr", "frt", "aht", "sla", "csat"]
            rated = ("fcr", "frt", "aht", "sla", "csat")  # each with what it rests on
            extra.append(
                [
                    _("Nama"),
                    _("Tiket"),
                    _("Selesai"),
                    "FCR (%)",
                    _("FRT (menit)"),
                    _("AHT (menit)"),
                    "SLA (%)",
                    "CSAT (%)",
                    *[f"n {name.upper()}" for name in rated],
                    _("Sampel terlalu kecil"),
                ]
            )
            for r in content[key]:
                n = r.get("n", {})
                extra.append(
                    [
                        *[r.get(c) for c in cols],
                        *[n.get(name, 0) for name in rated],
                        ", ".join(name.upper() for name in r.get("small", [])),
                    ]
                )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
