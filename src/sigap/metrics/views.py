"""Dashboard and reports (supervisors and admins)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib import messages as flash
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts import audit
from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import SecurityKind, User
from sigap.core.locale import said_in_default_language
from sigap.metrics import compute as m
from sigap.metrics import delivery, export, extra, live, reports
from sigap.metrics.catalog import BY_KEY, COUNT_METRICS, MIN_SAMPLE, fmt
from sigap.metrics.forms import PeriodForm, ReportForm, ScheduleForm, SendForm
from sigap.metrics.models import Report, ReportSchedule, SyncState
from sigap.metrics.sync import STATE
from sigap.metrics.tasks import send_report
from sigap.surveys.models import Survey


def _filter(form: PeriodForm) -> m.Filter:
    data = form.cleaned_data
    dims: dict[str, Any] = {
        "team_id": data["team"].pk if data.get("team") else None,
        "agent_id": data["agent"].pk if data.get("agent") else None,
        "channel": data.get("channel") or "",
        "category": data.get("category") or "",
        "tier": data.get("tier") or "",
    }
    if data.get("year"):
        return m.month(data["year"], data["number"], **dims)
    if data.get("start") and data.get("end"):
        return m.Filter(data["start"], data["end"], **dims)
    this = timezone.localdate()
    return m.Filter(this.replace(day=1), this, **dims)


@require_GET
@supervisor_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        f = _filter(form)
    else:  # the current month so far (and the form's errors, if it was filled in wrongly)
        today = timezone.localdate()
        f = m.Filter(today.replace(day=1), today)
        if not form.is_bound:
            form = PeriodForm(initial={"month": f"{f.start:%Y-%m}"})
    data = _analytics(f)
    context = export.context(data["content"], "")
    context.update(
        {
            "form": form,
            "cards": data["cards"],
            "period": reports.period_text(f.start, f.end),
            "previous_period": reports.period_text(f.previous().start, f.previous().end),
            "agents": data["agents"],
            "teams": reports.judge_teams(data["teams"]),
            "ops": live.snapshot(),
            "extra_cards": extra.cards(f.since, f.until),
            "ops_poll_seconds": settings.SIGAP_LIVE_OPS_POLL_SECONDS,
        }
    )
    return render(request, "metrics/dashboard.html", context)


# A first-response due time is at most a few days after the ticket was created: a period
# that ended longer ago than this has no ticket left whose due time is still to come.
DUE_HORIZON = timedelta(days=7)


def _analytics(f: m.Filter) -> dict[str, Any]:
    """The dashboard's figures for a period. They only change when the facts do (the sync
    moves its position), a survey is answered or an answer changed, or, while the period
    may still hold tickets not yet due, the clock passes a due time; so they are cached
    under a key made of the filter and those marks (the current minute for a recent
    period): a refresh with nothing new costs two small queries, and anything new is
    computed afresh."""
    position = SyncState.objects.filter(name=STATE).values_list("high", flat=True).first()
    answers = Survey.objects.aggregate(
        last=Max("answered_at"), changed=Max("changed_at"), n=Count("answered_at")
    )
    now = timezone.now()
    clock: object = timezone.localdate()
    if f.until > now - DUE_HORIZON:
        clock = now.replace(second=0, microsecond=0)
    key = (
        "sigap:dashboard:"
        + hashlib.sha256(
            repr((f, position, answers["last"], answers["changed"], answers["n"], clock)).encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return cast(dict[str, Any], cached)
    values = m.compute(f)
    before = m.compute(f.previous(), spreads=False)
    cards = []
    for name in ("volume", "csat", "nps", "fcr", "frt", "aht", "sla", "backlog"):
        metric = BY_KEY[name]
        sample = None if name in COUNT_METRICS else int(values[name].denominator)
        average = values[name].extra.get("average")
        cards.append(
            {
                "key": name,
                "label": _(metric.label),
                "value": (
                    _(reports.NO_DATA)
                    if values[name].value is None and sample is not None
                    else fmt(values[name].value, metric.unit)
                ),
                "previous": fmt(before[name].value, metric.unit),
                # how many items the value rests on (not for the two counts)
                "sample": sample,
                "small": sample is not None and sample < MIN_SAMPLE,
                "average": None if average is None else fmt(average, ""),
                "interactions": values[name].extra.get("interactions"),
                "spread": reports.spread(values[name], metric.unit),
            }
        )
    content = {
        "by_category": reports._labelled(m.breakdown(f, "category"), "category"),
        "by_root_cause": reports._labelled(m.breakdown(f, "root_cause"), "root_cause"),
        "heatmap": m.heatmap(f),
        "trend": [
            {"month": f"{reports.month_name(d.month)[:3]} {d.year}", **vals}
            for d, vals in m.series(f, 6)
        ],
    }
    agents = m.table(f)
    reports._names(agents, "agent_id")
    teams = m.table(f, by="team_id")
    reports._names(teams, "team_id")
    data = {"cards": cards, "content": content, "agents": agents, "teams": teams}
    cache.set(key, data, 600)
    return data


@require_GET
@supervisor_required
def dashboard_live(request: HttpRequest) -> HttpResponse:
    """The live operations panel, polled by htmx every SIGAP_LIVE_OPS_POLL_SECONDS (15)."""
    context = {"ops": live.snapshot(), "ops_poll_seconds": settings.SIGAP_LIVE_OPS_POLL_SECONDS}
    return render(request, "metrics/_live.html", context)


@require_http_methods(["GET", "POST"])
@supervisor_required
def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = delivery.create(
            form.cleaned_data["kind"], _filter(form), user_id=cast(User, request.user).pk
        )
        return redirect("metrics:report", report.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "metrics/reports.html",
        {
            "form": form,
            "reports": Report.objects.select_related("created_by")[:50],
            "schedules": ReportSchedule.objects.all(),
            "schedule_form": ScheduleForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report, and the supervisor's edits of the summary and each row's analysis and
    action before it is sent."""
    report = get_object_or_404(Report, pk=report_id)
    if request.method == "POST":
        content = dict(report.content)
        if "summary" in request.POST:
            content["summary"] = request.POST["summary"].strip()[:4000]
        for row in content.get("rows", []):
            for part in ("analysis", "action"):
                key = f"{part}-{row['metric']}"
                if key in request.POST:
                    row[part] = request.POST[key].strip()[:2000]
        report.content = content
        report.save(update_fields=["content"])
        flash.success(request, _("Laporan disimpan."))
        return redirect("metrics:report", report.pk)
    context = export.context(report.content, report.title)
    context.update({"report": report, "send_form": SendForm()})
    return render(request, "metrics/report.html", context)


TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@require_GET
@supervisor_required
def report_export(request: HttpRequest, report_id: int, fmt_: str) -> HttpResponse:
    if fmt_ not in TYPES:
        raise Http404
    report = get_object_or_404(Report, pk=report_id)
    if fmt_ == "pdf":
        body = export.pdf(report.content, report.title)
    elif fmt_ == "xlsx":
        body = export.xlsx(report.content, report.title)
    else:
        body = export.csv_bytes(report.content)
    response = HttpResponse(body, content_type=TYPES[fmt_])
    name = f"laporan-{report.kind}-{report.period_start:%Y%m%d}.{fmt_}"
    audit.record(
        SecurityKind.EXPORT,
        detail=said_in_default_language(
            gettext_lazy("laporan “%(title)s” (%(format)s)"), title=report.title, format=fmt_
        ),
        data={"report": report.pk, "format": fmt_},
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@supervisor_required
def report_send(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=report_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        flash.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("metrics:report", report.pk)
    send_report(report.pk, form.cleaned_data["recipients"])
    flash.success(request, _("Laporan sedang dikirim."))
    return redirect("metrics:report", report.pk)


@require_POST
@supervisor_required
def schedule_add(request: HttpRequest) -> HttpResponse:
    form = ScheduleForm(request.POST)
    if form.is_valid():
        ReportSchedule.objects.create(
            kind=form.cleaned_data["kind"],
            frequency=form.cleaned_data["frequency"],
            recipients=form.cleaned_data["recipients"],
            created_by=cast(User, request.user),
        )
        flash.success(request, _("Jadwal laporan disimpan."))
    else:
        flash.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("metrics:reports")


@require_POST
@supervisor_required
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    ReportSchedule.objects.filter(pk=schedule_id).delete()
    flash.success(request, _("Jadwal laporan dihapus."))
    return redirect("metrics:reports")
