"""Reports by email: the PDF and the spreadsheet attached, sent by the worker; and the
schedules (weekly on Mondays, monthly on the 1st) that prepare and send them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sigap.core.locale import said_in_default_language
from sigap.metrics import compute as m
from sigap.metrics import export, reports
from sigap.metrics.models import Frequency, Report, ReportKind, ReportSchedule


def create(kind: str, f: m.Filter, *, user_id: int | None = None) -> Report:
    content = reports.build(kind, f)
    title = f"{ReportKind(kind).label} — {content['period']}"
    filters = {k: v for k, v in asdict(f).items() if k not in ("start", "end") and v}
    return Report.objects.create(
        kind=kind,
        title=title,
        period_start=f.start,
        period_end=f.end,
        filters=filters,
        content=content,
        created_by_id=user_id,
    )


def filter_of(report: Report) -> m.Filter:
    return m.Filter(report.period_start, report.period_end, **report.filters)


def send(report: Report, recipients: list[str]) -> None:
    """Mail the report (raises on SMTP errors: the job retries)."""
    slug = f"laporan-{report.kind}-{report.period_start:%Y%m%d}"
    body = said_in_default_language(
        gettext_lazy("Terlampir %(title)s.\n\n%(summary)s\n\nSalam,\n%(business)s"),
        title=report.title,
        summary=report.content.get("summary", ""),
        business=settings.SIGAP_BUSINESS_NAME,
    )
    mail = EmailMessage(report.title, body, None, recipients)
    mail.attach(f"{slug}.pdf", export.pdf(report.content, report.title), "application/pdf")
    mail.attach(
        f"{slug}.xlsx",
        export.xlsx(report.content, report.title),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    mail.send()
    Report.objects.filter(pk=report.pk).update(sent_at=timezone.now(), sent_to=recipients)


def due_period(schedule: ReportSchedule, today: date) -> m.Filter | None:
    """The period a schedule should send today, or None (not its day, or already sent)."""
    if schedule.frequency == Frequency.WEEKLY:
        if today.weekday() != 0:
            return None
        f = reports.last_full_week(today)
    else:
        if today.day != 1:
            return None
        f = reports.last_full_month(today)
    if schedule.last_period_end and schedule.last_period_end >= f.end:
        return None
    return f


def run_schedules(today: date | None = None) -> int:
    """Prepare and send every schedule due today, once: the period is recorded in the
    transaction that claims the schedule and creates the report, and the mail goes out
    through a job that retries until the SMTP server takes it."""
    from sigap.metrics.tasks import send_report

    today = today or timezone.localdate()
    sent = 0
    for schedule_id in ReportSchedule.objects.filter(active=True).values_list("pk", flat=True):
        with transaction.atomic():
            schedule = ReportSchedule.objects.select_for_update().get(pk=schedule_id)
            f = due_period(schedule, today)
            if f is None:
                continue
            dims: dict[str, Any] = schedule.filters or {}
            report = create(schedule.kind, m.Filter(f.start, f.end, **dims))
            schedule.last_period_end = f.end
            schedule.save(update_fields=["last_period_end"])
        send_report(report.pk, list(schedule.recipients))
        sent += 1
    return sent
