"""Reports: the KPI template with analysis and action, the supervisor's edits, exports
read back (PDF page by page with pdftoppm, XLSX with openpyxl, CSV), access, scheduled
delivery by email once, and the dashboard's query count."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.metrics import compute as m
from sigap.metrics import delivery, export, reports, sync
from sigap.metrics.catalog import MIN_SAMPLE
from sigap.metrics.models import MetricTarget, Report, ReportSchedule
from sigap.metrics.tests.conftest import surveys
from sigap.surveys.models import Survey
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def kpi(march: dict[str, Ticket], customer: Customer) -> dict[str, dict[str, object]]:
    surveys(march, customer)
    sync.sync()
    return {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 3))}


def test_kpi_rows_compare_with_the_previous_period_and_the_target(
    march: dict[str, Ticket], customer: Customer
) -> None:
    MetricTarget.objects.create(metric="fcr", target=15)
    rows = kpi(march, customer)
    volume = rows["volume"]
    assert (volume["result_text"], volume["previous_text"]) == ("5", "1")  # T5 in February
    assert volume["analysis"] == "Naik 400% dibanding periode sebelumnya (1)."
    csat = rows["csat"]  # 2 of 4 answers good: 50%, but 4 answers conclude nothing
    assert (csat["target_text"], csat["result_text"]) == (
        "≥ 90%",
        "50% (rata-rata 3,5 dari 5; n = 4)",  # the average score beside the percentage
    )
    assert csat["verdict"] == "none"
    assert "Sampel terlalu kecil untuk disimpulkan" in str(csat["analysis"])
    assert "Belum memenuhi target" not in str(csat["analysis"])
    assert "Kumpulkan lebih banyak jawaban" in str(csat["action"])
    # five tickets, three measured replies: too few to judge against any target
    fcr = rows["fcr"]
    assert (fcr["target_text"], fcr["verdict"], fcr["sample"]) == ("≥ 15%", "none", 5)
    assert "Sampel terlalu kecil" in str(fcr["analysis"]) and "Pertahankan" not in str(
        fcr["action"]
    )
    aht = rows["aht"]  # 5.7 minutes against at most 10, from three measured replies
    assert (aht["result_text"], aht["verdict"]) == (
        "5,7 menit (median 5 menit, p90 10 menit; n = 3 dari 5 interaksi)",
        "none",
    )
    assert "baru 3 interaksi terukur" in str(aht["analysis"])
    assert rows["sla"]["verdict"] == "none" and rows["volume"]["sample"] is None
    nps = rows["nps"]
    assert nps["analysis"].startswith("Tidak ada data periode sebelumnya")  # type: ignore[union-attr]


def test_no_nps_answers_say_no_data_not_low_loyalty(
    march: dict[str, Ticket], customer: Customer
) -> None:
    sync.sync()  # no surveys at all
    rows = {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 3))}
    nps = rows["nps"]
    assert nps["result_text"] == "belum ada data (n = 0)"
    assert nps["verdict"] == "none"
    assert "Belum ada data" in str(nps["analysis"])
    assert "loyalitas" not in f"{nps['analysis']} {nps['action']}".lower()
    assert rows["csat"]["result_text"] == "belum ada data (n = 0)"
    assert rows["volume"]["sample"] is None  # not a survey metric


def test_a_large_enough_sample_is_judged_against_the_target(
    march: dict[str, Ticket], customer: Customer
) -> None:
    when = datetime(2026, 3, 15, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    common = {"customer": customer, "sent_via": "email", "sent_at": when, "expires_at": when}
    Survey.objects.bulk_create(
        [
            Survey(kind="resolution", csat=2 if i < 6 else 5, answered_at=when, **common)
            for i in range(MIN_SAMPLE)
        ]
    )
    sync.sync()
    csat = {r["metric"]: r for r in reports.kpi_rows(m.month(2026, 3))}["csat"]
    assert csat["result_text"] == f"80% (rata-rata 4,4 dari 5; n = {MIN_SAMPLE})"
    assert csat["verdict"] == "missed"
    assert "Belum memenuhi target" in str(csat["analysis"])
    assert "pelatihan" in str(csat["action"])  # low CSAT -> review feedback and train


def test_the_sentiment_report_shows_sample_sizes(
    march: dict[str, Ticket], customer: Customer
) -> None:
    surveys(march, customer)
    content = reports.build("sentiment", m.month(2026, 3))
    html = render_to_string("metrics/_report_body.html", export.context(content, "x"))
    assert "CSAT: 50% (n = 4, sampel terlalu kecil untuk disimpulkan)" in html
    # five NPS answers in March: 3 promoters, 1 detractor -> 40
    assert "NPS: 40 (n = 5, sampel terlalu kecil untuk disimpulkan)" in html
    empty = reports.build("sentiment", m.month(2026, 5))
    html = render_to_string("metrics/_report_body.html", export.context(empty, "x"))
    assert "NPS: belum ada data (n = 0)" in html


def test_low_fcr_suggests_training_and_high_aht_automation(
    march: dict[str, Ticket], customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "MIN_SAMPLE", 1)  # the hand-computed month is small
    MetricTarget.objects.create(metric="aht", target=3)
    rows = kpi(march, customer)
    assert rows["fcr"]["verdict"] == "missed" and "pelatihan" in str(rows["fcr"]["action"]).lower()
    assert rows["aht"]["verdict"] == "missed" and "Otomatiskan" in str(rows["aht"]["action"])


@pytest.fixture
def staff_client(supervisor: User) -> Client:
    c = Client()
    c.force_login(supervisor)
    return c


def test_only_supervisors_and_admins_see_reports(
    agent: User, customer_user: User, supervisor: User
) -> None:
    c = Client()
    assert c.get("/dasbor/").status_code == 302  # sign in first
    c.force_login(agent)
    assert c.get("/dasbor/").status_code == 403
    assert c.get("/laporan/").status_code == 403
    c.force_login(customer_user)
    assert c.get("/laporan/").status_code == 302  # to the portal
    report = delivery.create("kpi", m.month(2026, 3))
    c.force_login(agent)
    assert c.get(f"/laporan/{report.pk}/unduh.pdf").status_code == 403


def test_create_edit_and_export_a_kpi_report(
    march: dict[str, Ticket], customer: Customer, staff_client: Client, tmp_path: Path
) -> None:
    surveys(march, customer)
    sync.sync()
    refused = staff_client.post(
        "/laporan/", {"kind": "kpi", "start": "2026-03-31", "end": "2026-03-01"}
    )
    assert refused.status_code == 422 and "sebelum" in refused.content.decode()
    made = staff_client.post("/laporan/", {"kind": "kpi", "month": "2026-03"})
    report = Report.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/laporan/{report.pk}/"
    assert report.title == "Laporan KPI — Maret 2026"
    page = staff_client.get(f"/laporan/{report.pk}/").content.decode()
    assert 'data-metric="csat"' in page and "<svg" in page and "data-heatmap" in page
    assert "n = 4" in page  # the sample beside the survey metric

    staff_client.post(
        f"/laporan/{report.pk}/",
        {"summary": "Bulan yang berat.", "action-csat": "Pelatihan empati untuk tim Pengiriman."},
    )
    report.refresh_from_db()
    assert report.content["summary"] == "Bulan yang berat."
    csat = next(r for r in report.content["rows"] if r["metric"] == "csat")
    assert csat["action"] == "Pelatihan empati untuk tim Pengiriman."

    pdf = staff_client.get(f"/laporan/{report.pk}/unduh.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    check_pdf(pdf.content, tmp_path, ["Laporan KPI", "Pelatihan empati", "pelanggan (CSAT)"])

    sheet = load_workbook(io.BytesIO(staff_client.get(f"/laporan/{report.pk}/unduh.xlsx").content))
    rows = list(sheet["Laporan"].iter_rows(values_only=True))
    assert rows[0][0] == report.title and rows[3][:3] == ("Metrik", "Target", "Hasil")
    by_metric = {r[0]: r for r in rows[4:]}
    assert by_metric["Kepuasan pelanggan (CSAT)"][1:3] == (
        "≥ 90%",
        "50% (rata-rata 3,5 dari 5; n = 4)",
    )
    assert by_metric["Kepuasan pelanggan (CSAT)"][5] == "Pelatihan empati untuk tim Pengiriman."
    assert "Agen" in sheet.sheetnames

    text = staff_client.get(f"/laporan/{report.pk}/unduh.csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == export.KPI_HEADER and len(table) == 1 + len(report.content["rows"])
    assert staff_client.get(f"/laporan/{report.pk}/unduh.exe").status_code == 404


def check_pdf(content: bytes, tmp_path: Path, expected: list[str]) -> None:
    """Every page renders to a picture that is not blank; the text is there."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "report.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(source), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages, "no page rendered"
    from PIL import Image

    for page in pages:
        with Image.open(page) as picture:
            colours = picture.convert("L").getextrema()
            assert colours[0] < 128, f"{page.name} looks blank"
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout
    for words in expected:
        assert words in text


@pytest.mark.parametrize("kind", ["executive", "trend", "sentiment", "incident", "root_cause"])
def test_every_report_kind_renders_and_exports(
    kind: str, march: dict[str, Ticket], customer: Customer, staff_client: Client, tmp_path: Path
) -> None:
    surveys(march, customer)
    Ticket.objects.filter(pk=march["t2"].pk).update(severity="penting", root_cause="ignored")
    sync.sync()
    report = delivery.create(kind, m.month(2026, 3))
    page = staff_client.get(f"/laporan/{report.pk}/")
    assert page.status_code == 200
    pdf = staff_client.get(f"/laporan/{report.pk}/unduh.pdf").content
    check_pdf(pdf, tmp_path, [str(report.content["kind_label"])])
    load_workbook(io.BytesIO(staff_client.get(f"/laporan/{report.pk}/unduh.xlsx").content))
    if kind == "incident":
        (incident,) = report.content["incidents"]
        assert incident["reference"] == march["t2"].reference
        assert any("status" in s for s in incident["steps"])
    if kind == "root_cause":
        top = report.content["root_causes"][0]
        assert top["key"] in ("", "ignored") and any(
            r["key"] == "ignored" and r["count"] == 1 for r in report.content["root_causes"]
        )
    if kind == "trend":
        assert len(report.content["trend"]) == 12
        assert report.content["trend"][-1]["volume"] == 5


def test_sending_mails_the_pdf_and_the_spreadsheet(staff_client: Client) -> None:
    report = delivery.create("kpi", m.month(2026, 3))
    bad = staff_client.post(f"/laporan/{report.pk}/kirim/", {"recipients": "bukan-email"})
    assert bad.status_code == 302 and not mail.outbox
    mail.outbox.clear()
    staff_client.post(
        f"/laporan/{report.pk}/kirim/", {"recipients": "direksi@contoh.id, qa@contoh.id"}
    )
    (sent,) = mail.outbox
    assert sent.to == ["direksi@contoh.id", "qa@contoh.id"]
    names = sorted(a[0] for a in sent.attachments)  # type: ignore[index]
    assert names == ["laporan-kpi-20260301.pdf", "laporan-kpi-20260301.xlsx"]
    report.refresh_from_db()
    assert report.sent_at is not None and report.sent_to == ["direksi@contoh.id", "qa@contoh.id"]


def test_schedules_send_each_period_once() -> None:
    weekly = ReportSchedule.objects.create(
        kind="kpi", frequency="weekly", recipients=["a@contoh.id"]
    )
    ReportSchedule.objects.create(kind="trend", frequency="monthly", recipients=["b@contoh.id"])
    mail.outbox.clear()
    assert delivery.run_schedules(date(2026, 3, 3)) == 0  # a Tuesday, not the 1st
    assert delivery.run_schedules(date(2026, 3, 2)) == 1  # Monday: last week's KPI report
    assert delivery.run_schedules(date(2026, 3, 2)) == 0  # once
    weekly.refresh_from_db()
    assert weekly.last_period_end == date(2026, 3, 1)
    report = Report.objects.get(kind="kpi")
    assert (report.period_start, report.period_end) == (date(2026, 2, 23), date(2026, 3, 1))
    assert delivery.run_schedules(date(2026, 4, 1)) == 1  # the 1st (a Wednesday): March trend
    assert Report.objects.get(kind="trend").period_start == date(2026, 3, 1)
    assert [m.to for m in mail.outbox] == [["a@contoh.id"], ["b@contoh.id"]]


def per_user_caches_cold(client: Client) -> None:
    """The signed-in user and their menu read from the database on the next request: the
    changes a test makes between two counted requests (a notification, a user saved) empty
    those caches for one of them only, and the counts would differ by that alone."""
    from sigap.accounts import middleware
    from sigap.core import menucache

    menucache.forget([int(client.session["_auth_user_id"])])
    middleware.forget_here()


def test_dashboard_queries_do_not_grow_with_agents(
    march: dict[str, Ticket], staff_client: Client, outsider_agent: User
) -> None:
    sync.sync()
    staff_client.get("/akun/sesi/")  # a session's first page records it: not counted
    per_user_caches_cold(staff_client)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get("/dasbor/", {"month": "2026-03"}).status_code == 200
    from sigap.tickets import services

    t4 = Ticket.objects.get(pk=march["t4"].pk)
    outsider_agent.role = "supervisor"  # may own a ticket of any team
    outsider_agent.save()
    services.ticket_update(
        actor=outsider_agent,
        ticket=t4,
        version=t4.version,
        changes={"team": None, "assignee": outsider_agent},
    )
    sync.sync()  # a second agent in the table; the facts moved, so no cached figures
    assert m.TicketFact.objects.get(pk=t4.pk).agent_id == outsider_agent.pk
    per_user_caches_cold(staff_client)
    with CaptureQueriesContext(connection) as more:
        page = staff_client.get("/dasbor/", {"month": "2026-03"})
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
    html = page.content.decode()
    assert 'data-card="csat"' in html and "data-live-ops" in html and "<svg" in html
    assert '<div class="muted" data-sample>n = 0</div>' in html  # no answers: no data
    live = staff_client.get("/dasbor/langsung/").content.decode()
    assert 'data-op="open">1<' in live  # T4


def test_the_dashboard_filters_by_agent(
    march: dict[str, Ticket], staff_client: Client, agent: User, outsider_agent: User
) -> None:
    sync.sync()
    mine = staff_client.get("/dasbor/", {"month": "2026-03", "agent": agent.pk}).content.decode()
    assert '<div class="big">4</div>' in mine  # T3 lost its owner when it moved teams
    other = staff_client.get("/dasbor/", {"month": "2026-03", "agent": outsider_agent.pk})
    assert '<div class="big">0</div>' in other.content.decode()


def test_the_dashboard_is_recomputed_only_when_the_facts_change(
    march: dict[str, Ticket], staff_client: Client, agent: User
) -> None:
    sync.sync()
    staff_client.get("/akun/sesi/")  # a session's first page records it: not counted
    per_user_caches_cold(staff_client)
    with CaptureQueriesContext(connection) as first:
        staff_client.get("/dasbor/", {"month": "2026-03"})
    with CaptureQueriesContext(connection) as again:
        html = staff_client.get("/dasbor/", {"month": "2026-03"}).content.decode()
    assert len(again) < len(first) - 10 and '<div class="big">5</div>' in html
    from sigap.tickets import services

    t4 = Ticket.objects.get(pk=march["t4"].pk)
    services.ticket_close(actor=agent, ticket=t4, reason="Duplikat")
    sync.sync()  # the facts moved: the dashboard computes afresh
    per_user_caches_cold(staff_client)
    with CaptureQueriesContext(connection) as after:
        staff_client.get("/dasbor/", {"month": "2026-03"})
    assert len(after) == len(first)


def test_the_live_panel_is_for_supervisors_only(agent: User) -> None:
    c = Client()
    c.force_login(agent)
    assert c.get("/dasbor/langsung/").status_code == 403


def test_the_dashboard_opens_on_the_current_month_and_shows_bad_filters(
    staff_client: Client,
) -> None:
    plain = staff_client.get("/dasbor/")  # the menu link: no parameters
    assert plain.status_code == 200 and 'data-card="volume"' in plain.content.decode()
    bad = staff_client.get("/dasbor/", {"start": "2026-03-10"})
    assert bad.status_code == 200 and "Isi kedua tanggal" in bad.content.decode()
