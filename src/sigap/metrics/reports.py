"""Building the reports of DOMAIN.md §9 as plain data (JSON in ``Report.content``), which
the page, the PDF, the spreadsheet and the CSV all render.

KPI report rows follow the seed's template: Metric | Target | Result | Analysis | Action.
The analysis states the change against the previous period and the target; the action
follows the interpretation rules in ``catalog`` and can be edited by the supervisor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sigap.accounts.models import Team, User
from sigap.core.money import format_rupiah
from sigap.metrics import compute as m
from sigap.metrics import targets as metric_targets
from sigap.metrics.catalog import (
    BASIS,
    BY_KEY,
    COUNT_METRICS,
    METRICS,
    MIN_SAMPLE,
    SURVEY_METRICS,
    Metric,
    fmt,
)
from sigap.metrics.models import ReportKind
from sigap.surveys.models import Survey, SurveyKind
from sigap.tickets.models import (
    Category,
    Channel,
    CompensationType,
    EventKind,
    RootCause,
    Severity,
    Ticket,
    TimelineEvent,
)

MONTHS = [
    gettext_noop("Januari"),
    gettext_noop("Februari"),
    gettext_noop("Maret"),
    gettext_noop("April"),
    gettext_noop("Mei"),
    gettext_noop("Juni"),
    gettext_noop("Juli"),
    gettext_noop("Agustus"),
    gettext_noop("September"),
    gettext_noop("Oktober"),
    gettext_noop("November"),
    gettext_noop("Desember"),
]
LABELS: dict[str, dict[str, Any]] = {
    "channel": dict(Channel.choices),
    "category": dict(Category.choices),
    "severity": dict(Severity.choices),
    "root_cause": dict(RootCause.choices),
    "sentiment": {
        "positif": gettext_lazy("Positif"),
        "netral": gettext_lazy("Netral"),
        "negatif": gettext_lazy("Negatif"),
    },
}


def month_name(number: int) -> str:
    """The month's name in the active language (its first three letters: the short one)."""
    return _(MONTHS[number - 1])


def period_text(start: date, end: date) -> str:
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and start.month == end.month:
        return f"{month_name(start.month)} {start.year}"
    return f"{_day(start)} – {_day(end)}"


def _day(d: date) -> str:
    return f"{d.day} {month_name(d.month)} {d.year}"


def targets(team_id: int | None = None) -> dict[str, float | None]:
    """The targets a report compares with: a team's own (a report filtered to one team),
    else the business's, else the catalogue's defaults (``metrics.targets.in_force``)."""
    return metric_targets.in_force(team_id)


def _change(now: float | None, before: float | None, metric: Metric) -> str:
    if now is None:
        return _("Belum ada data pada periode ini.")
    if before is None:
        return _("Tidak ada data periode sebelumnya untuk dibandingkan.")
    was = {"before": fmt(before, metric.unit)}
    if metric.unit in ("%", "skor"):
        delta = now - before
        if abs(delta) < 0.05:
            return _("Sama dengan periode sebelumnya (%(before)s).") % was
        points = fmt(abs(delta), "").replace("%", "")
        if delta > 0:
            return _("Naik %(points)s poin dibanding periode sebelumnya (%(before)s).") % {
                "points": points,
                **was,
            }
        return _("Turun %(points)s poin dibanding periode sebelumnya (%(before)s).") % {
            "points": points,
            **was,
        }
    if before == 0:
        return _("Periode sebelumnya %(before)s.") % was
    pct = 100 * (now - before) / before
    if abs(pct) < 0.05:
        return _("Sama dengan periode sebelumnya (%(before)s).") % was
    change = {"change": fmt(abs(pct), "%"), **was}
    if pct > 0:
        return _("Naik %(change)s dibanding periode sebelumnya (%(before)s).") % change
    return _("Turun %(change)s dibanding periode sebelumnya (%(before)s).") % change


def _verdict(value: float | None, target: float | None, metric: Metric) -> str:
    """``met``, ``missed`` or ``none`` (no target or no data)."""
    if value is None or target is None or metric.better == 0:
        return "none"
    ok = value >= target if metric.better > 0 else value <= target
    return "met" if ok else "missed"


TABLE_METRICS = ("fcr", "frt", "aht", "sla", "csat")


def judge_teams(teams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The team table's rows (``compute.table(by="team_id")``), each figure judged
    against the team's own target, else the business's (``metrics.targets.in_force``):
    ``verdict[metric]`` is ``met``, ``missed`` or ``none`` (no figure, or one resting on
    too small a sample). One query."""
    goals = metric_targets.by_team(r["team_id"] for r in teams)
    rows = []
    for r in teams:
        goal = goals[r["team_id"]]
        verdict = {
            key: "none"
            if key in r.get("small", ())
            else _verdict(r[key], goal.get(key), BY_KEY[key])
            for key in TABLE_METRICS
        }
        rows.append({**r, "verdict": verdict})
    return rows


# Marked for the catalog; said with _() where shown.
NO_DATA = gettext_noop("belum ada data")
SMALL_SAMPLE = gettext_noop("Sampel terlalu kecil untuk disimpulkan")


def sample_text(value: m.Value, unit: str) -> str:
    """A survey metric with the number of answers it rests on: "belum ada data (n = 0)",
    "100% (n = 1, sampel terlalu kecil untuk disimpulkan)", "82,5% (n = 40)"."""
    n = int(value.denominator)
    if value.value is None:
        return f"{_(NO_DATA)} (n = {n})"
    caveat = f", {_(SMALL_SAMPLE).lower()}" if n < MIN_SAMPLE else ""
    return f"{fmt(value.value, unit)} (n = {n}{caveat})"


def spread(value: m.Value, unit: str) -> str:
    """A time metric's median and p90 beside its mean, wall-clock and (where the SLA is
    counted in business hours) in business time: "median 84 menit, p90 3.570 menit; jam
    kerja: median 84 menit, p90 270 menit"; "" for a metric without them."""
    extra = value.extra
    if extra.get("median") is None:
        return ""
    text = _("median %(median)s, p90 %(p90)s") % {
        "median": fmt(extra["median"], unit),
        "p90": fmt(extra["p90"], unit),
    }
    if extra.get("business_median") is not None:
        text += _("; jam kerja: median %(median)s, p90 %(p90)s") % {
            "median": fmt(extra["business_median"], unit),
            "p90": fmt(extra["business_p90"], unit),
        }
    return text


def kpi_rows(f: m.Filter) -> list[dict[str, Any]]:
    now = m.compute(f)
    before = m.compute(f.previous(), spreads=False)
    goal = targets(f.team_id)
    rows = []
    for metric in METRICS:
        value, previous, target = now[metric.key].value, before[metric.key].value, goal[metric.key]
        # Every metric but the counts: how many items the value rests on (n = ...).
        sample = None if metric.key in COUNT_METRICS else int(now[metric.key].denominator)
        small = sample is not None and 0 < sample < MIN_SAMPLE
        verdict = "none" if small else _verdict(value, target, metric)
        analysis = _change(value, previous, metric)
        if small:
            basis = _(BASIS.get(metric.key, "data"))
            analysis += " " + _(
                "%(small)s: baru %(n)s %(basis)s (n = %(n)s), minimal %(min)s %(basis)s."
            ) % {"small": _(SMALL_SAMPLE), "n": sample, "basis": basis, "min": MIN_SAMPLE}
            action = (
                _("Kumpulkan lebih banyak jawaban survei sebelum menarik kesimpulan.")
                if metric.key in SURVEY_METRICS
                else _("Tunggu sampai datanya cukup sebelum menarik kesimpulan.")
            )
        elif verdict == "met":
            analysis += " " + _("Memenuhi target.")
            action = _("Pertahankan; bagikan praktik baik ke tim.")
        elif verdict == "missed":
            analysis += " " + _("Belum memenuhi target.")
            action = _(metric.action)
        elif value is None:
            action = _("Pastikan data terkumpul (survei terkirim, balasan tercatat).")
        else:
            action = _(metric.action) if _worse(value, previous, metric) else _("Pantau.")
        value_text = _(NO_DATA) if value is None and sample is not None else fmt(value, metric.unit)
        detail = f"n = {sample}" if sample is not None else ""
        interactions = now[metric.key].extra.get("interactions")
        if interactions is not None:  # AHT: measured interactions of all those done
            detail += " " + _("dari %(total)s interaksi") % {"total": interactions}
        average = now[metric.key].extra.get("average")
        average_text = (
            ""
            if average is None
            else _("rata-rata %(average)s dari 5") % {"average": fmt(average, "")}
        )
        if average_text:
            detail = f"{average_text}; {detail}"
        spread_text = spread(now[metric.key], metric.unit)
        if spread_text:
            detail = f"{spread_text}; {detail}"
        result_text = f"{value_text} ({detail})" if detail else value_text
        rows.append(
            {
                "metric": metric.key,
                "label": _(metric.label),
                "unit": metric.unit,
                "target": target,
                "target_text": _target_text(target, metric),
                "result": value,
                "result_text": result_text,
                "value_text": value_text,
                "sample": sample,
                "small": small,
                "average_text": average_text,
                "interactions": interactions,
                "spread_text": spread_text,
                "previous": previous,
                "previous_text": fmt(previous, metric.unit),
                "verdict": verdict,
                "analysis": analysis,
                "action": action,
            }
        )
    return rows


def _worse(now: float, before: float | None, metric: Metric) -> bool:
    """No target: suggest the action when the metric moved the wrong way by over 10%."""
    if before is None or before == 0:
        return False
    change = (now - before) / abs(before)
    if metric.better == 0:
        return abs(change) > 0.10
    return change * metric.better < -0.10


def _target_text(target: float | None, metric: Metric) -> str:
    if target is None:
        return "—"
    sign = "≥ " if metric.better > 0 else "≤ " if metric.better < 0 else ""
    return sign + fmt(target, metric.unit)


def _labelled(rows: list[tuple[str, int]], dimension: str) -> list[dict[str, Any]]:
    names = LABELS.get(dimension, {})
    total = sum(n for _key, n in rows) or 1
    return [
        {
            "key": k,
            "label": str(names.get(k, k or "—")),
            "count": n,
            "share": round(100 * n / total, 1),
        }
        for k, n in rows
    ]


def _names(rows: list[dict[str, Any]], by: str) -> None:
    ids = [r[by] for r in rows]
    if by == "agent_id":
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)}
    else:
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    for r in rows:
        r["name"] = names.get(r[by], "—")


def build(kind: str, f: m.Filter) -> dict[str, Any]:
    """The content of a report of ``kind`` for the filter's period."""
    content: dict[str, Any] = {
        "kind": kind,
        "kind_label": str(ReportKind(kind).label),
        "period": period_text(f.start, f.end),
        "previous_period": period_text(f.previous().start, f.previous().end),
        "generated_at": timezone.localtime().strftime("%d-%m-%Y %H:%M"),
    }
    if kind in (ReportKind.KPI, ReportKind.EXECUTIVE):
        content["rows"] = kpi_rows(f)
        content["by_category"] = _labelled(m.breakdown(f, "category"), "category")
        content["by_root_cause"] = _labelled(m.breakdown(f, "root_cause"), "root_cause")
        content["by_channel"] = _labelled(m.breakdown(f, "channel"), "channel")
        content["compensation"] = compensation_section(f)
        content["rows"].extend(compensation_rows(content["compensation"]))
        content["summary"] = _summary(content["rows"])
    if kind == ReportKind.KPI:
        agents = m.table(f)
        _names(agents, "agent_id")
        teams = m.table(f, by="team_id")
        _names(teams, "team_id")
        content["agents"], content["teams"] = agents, judge_teams(teams)
        content["heatmap"] = m.heatmap(f)
    elif kind == ReportKind.TREND:
        content["trend"] = [
            {"month": f"{month_name(d.month)[:3]} {d.year}", **vals} for d, vals in m.series(f, 12)
        ]
    elif kind == ReportKind.SENTIMENT:
        content.update(_sentiment(f))
    elif kind == ReportKind.INCIDENT:
        content["incidents"] = _incidents(f)
    elif kind == ReportKind.ROOT_CAUSE:
        now = dict(m.breakdown(f, "root_cause"))
        before = dict(m.breakdown(f.previous(), "root_cause"))
        rows = _labelled(sorted(now.items(), key=lambda kv: -kv[1]), "root_cause")
        for r in rows:
            r["previous"] = before.get(r["key"], 0)
        content["root_causes"] = rows
        content["by_category"] = _labelled(m.breakdown(f, "category"), "category")
        content["summary"] = _root_summary(rows)
    return content


# --- compensation paid (the seed's efficiency principle: cost per contact) -------------------


def _money_change(now: int | None, before: int | None) -> str:
    if now is None:
        return _("Belum ada tiket pada periode ini.")
    if before is None:
        return _("Tidak ada data periode sebelumnya untuk dibandingkan.")
    was = {"before": format_rupiah(before)}
    if before == 0:
        if now:
            return _("Periode sebelumnya %(before)s.") % was
        return _("Sama dengan periode sebelumnya (%(before)s).") % was
    pct = 100 * (now - before) / before
    if abs(pct) < 0.05:
        return _("Sama dengan periode sebelumnya (%(before)s).") % was
    change = {"change": fmt(abs(pct), "%"), **was}
    if pct > 0:
        return _("Naik %(change)s dibanding periode sebelumnya (%(before)s).") % change
    return _("Turun %(change)s dibanding periode sebelumnya (%(before)s).") % change


def compensation_section(f: m.Filter) -> dict[str, Any]:
    """Compensation given in the period and the one before, by complaint category and by
    kind, and the compensation cost per contact (``compute.compensation``)."""
    now, before = m.compensation(f), m.compensation(f.previous())
    categories, kinds = dict(Category.choices), dict(CompensationType.choices)

    def rows(items: list[tuple[str, int, int]], names: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": str(names.get(key, key or "—")) if key else _("Belum digolongkan"),
                "count": n,
                "total": total,
                "total_text": format_rupiah(total),
            }
            for key, n, total in items
        ]

    cost, cost_before = now["cost_per_contact"], before["cost_per_contact"]
    return {
        "total": now["total"],
        "total_text": format_rupiah(now["total"]),
        "count": now["count"],
        "volume": now["volume"],
        "cost_per_contact": cost,
        "cost_per_contact_text": "—" if cost is None else format_rupiah(cost),
        "previous_total": before["total"],
        "previous_total_text": format_rupiah(before["total"]),
        "previous_count": before["count"],
        "previous_cost_per_contact": cost_before,
        "previous_cost_per_contact_text": "—"
        if cost_before is None
        else format_rupiah(cost_before),
        "total_analysis": _money_change(now["total"], before["total"]),
        "cost_analysis": _money_change(cost, cost_before),
        "by_category": rows(now["by_category"], categories),
        "by_type": rows(now["by_type"], kinds),
    }


def _money_action(now: int | None, before: int | None) -> str:
    if now and before and (now - before) / before > 0.10:
        return _(
            "Tinjau golongan keluhan dengan kompensasi terbesar dan perbaiki penyebabnya; "
            "kompensasi menutup kerugian, bukan akar masalah."
        )
    return _("Pantau.")


def compensation_rows(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The KPI table's two rows for compensation: the total given and its cost per contact
    (no target: the business sets its own; the seed asks for a low cost per contact)."""
    return [
        {
            "metric": "compensation_total",
            "label": _("Kompensasi diberikan"),
            "unit": "Rp",
            "target": None,
            "target_text": "—",
            "result": c["total"],
            "result_text": _("%(total)s (%(count)s kali)")
            % {"total": c["total_text"], "count": c["count"]},
            "previous": c["previous_total"],
            "previous_text": _("%(total)s (%(count)s kali)")
            % {"total": c["previous_total_text"], "count": c["previous_count"]},
            "verdict": "none",
            "analysis": c["total_analysis"],
            "action": _money_action(c["total"], c["previous_total"]),
        },
        {
            "metric": "compensation_per_contact",
            "label": _("Biaya kompensasi per kontak"),
            "unit": "Rp",
            "target": None,
            "target_text": "—",
            "result": c["cost_per_contact"],
            "result_text": c["cost_per_contact_text"],
            "previous": c["previous_cost_per_contact"],
            "previous_text": c["previous_cost_per_contact_text"],
            "verdict": "none",
            "analysis": c["cost_analysis"],
            "action": _money_action(c["cost_per_contact"], c["previous_cost_per_contact"]),
        },
    ]


def _summary(rows: list[dict[str, Any]]) -> str:
    missed = [r for r in rows if r["verdict"] == "missed"]
    met = [r for r in rows if r["verdict"] == "met"]
    volume = next(r for r in rows if r["metric"] == "volume")
    parts = [
        _("Tiket masuk: %(volume)s.") % {"volume": volume["result_text"]} + " " + volume["analysis"]
    ]
    if met:
        parts.append(
            _("Memenuhi target: %(names)s.") % {"names": ", ".join(r["label"] for r in met)}
        )
    if missed:
        names = ", ".join(
            _("%(name)s (%(result)s, target %(target)s)")
            % {"name": r["label"], "result": r["result_text"], "target": r["target_text"]}
            for r in missed
        )
        parts.append(_("Perlu perhatian: %(names)s.") % {"names": names})
    return " ".join(parts)


def _root_summary(rows: list[dict[str, Any]]) -> str:
    known = [r for r in rows if r["key"]]
    if not known:
        return _("Belum ada tiket dengan akar masalah tercatat pada periode ini.")
    top = known[0]
    return _(
        "Akar masalah terbanyak: %(label)s (%(count)s tiket, %(share)s); "
        "periode sebelumnya %(previous)s tiket."
    ) % {
        "label": top["label"],
        "count": top["count"],
        "share": fmt(top["share"], "%"),
        "previous": top["previous"],
    }


def _sentiment(f: m.Filter) -> dict[str, Any]:
    answers = Survey.objects.filter(answered_at__gte=f.since, answered_at__lt=f.until)
    csat = dict(
        answers.filter(kind=SurveyKind.RESOLUTION, csat__isnull=False)
        .values_list("csat")
        .annotate(n=Count("pk"))
    )
    nps = dict(
        answers.filter(kind=SurveyKind.NPS, nps__isnull=False)
        .values_list("nps")
        .annotate(n=Count("pk"))
    )
    values = m.compute(f, spreads=False)
    low = list(
        answers.filter(Q(csat__lte=2) | Q(nps__lte=6))
        .exclude(comment="")
        .select_related("ticket")
        .order_by("-answered_at")[:20]
    )
    return {
        "sentiment": _labelled(m.breakdown(f, "sentiment"), "sentiment"),
        "csat_distribution": [{"score": s, "count": csat.get(s, 0)} for s in range(1, 6)],
        "nps_distribution": [{"score": s, "count": nps.get(s, 0)} for s in range(11)],
        "comments": [
            {
                "ticket": s.ticket.reference if s.ticket else "",
                "score": s.csat if s.kind == SurveyKind.RESOLUTION else s.nps,
                "kind": s.kind,
                "comment": s.comment,
            }
            for s in low
        ],
        "values": {k: v.value for k, v in values.items() if k in SURVEY_METRICS},
        "samples": {k: int(v.denominator) for k, v in values.items() if k in SURVEY_METRICS},
        "survey_summary": [
            {"label": label, "text": sample_text(values[key], BY_KEY[key].unit)}
            for key, label in (("csat", "CSAT"), ("nps", "NPS"), ("ces", "CES"))
        ],
    }


def _incidents(f: m.Filter) -> list[dict[str, Any]]:
    """Critical tickets of the period (severity *penting* or P1) and the steps taken."""
    tickets = list(
        Ticket.objects.filter(created_at__gte=f.since, created_at__lt=f.until)
        .filter(Q(severity=Severity.PENTING) | Q(priority=1))
        .select_related("team", "assignee", "customer")
        .order_by("created_at")[:200]
    )
    steps: dict[int, list[str]] = {}
    shown = (
        EventKind.STATUS_CHANGED,
        EventKind.ESCALATED,
        EventKind.TEAM_CHANGED,
        EventKind.PROPOSAL_ACCEPTED,
        EventKind.SLA_BREACHED,
    )
    for e in (
        TimelineEvent.objects.filter(ticket__in=[t.pk for t in tickets], kind__in=shown)
        .order_by("created_at", "pk")
        .values("ticket_id", "kind", "new_value", "data", "created_at")
    ):
        when = timezone.localtime(e["created_at"]).strftime("%d-%m %H:%M")
        what: str = {
            EventKind.STATUS_CHANGED: _("status → %(status)s") % {"status": e["new_value"]},
            EventKind.ESCALATED: _("eskalasi tingkat %(level)s")
            % {"level": e["data"].get("level", "")},
            EventKind.TEAM_CHANGED: _("dipindah tim"),
            EventKind.PROPOSAL_ACCEPTED: _("usulan diterima pelanggan"),
            EventKind.SLA_BREACHED: _("tenggat terlampaui"),
        }[EventKind(e["kind"])]
        steps.setdefault(e["ticket_id"], []).append(f"{when} {what}")
    return [
        {
            "reference": t.reference,
            "subject": t.subject,
            "created": timezone.localtime(t.created_at).strftime("%d-%m-%Y %H:%M"),
            "status": t.get_status_display(),
            "team": t.team.name if t.team else "—",
            "owner": t.assignee.display_name if t.assignee else "—",
            "steps": steps.get(t.pk, []),
        }
        for t in tickets
    ]


def month_filter(year: int, number: int, **dims: Any) -> m.Filter:
    return m.month(year, number, **dims)


def last_full_month(today: date | None = None) -> m.Filter:
    today = today or timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    return m.month(end.year, end.month)


def last_full_week(today: date | None = None) -> m.Filter:
    today = today or timezone.localdate()
    end = today - timedelta(days=today.weekday() + 1)
    return replace(m.Filter(end - timedelta(days=6), end))


__all__ = ["BY_KEY", "build", "kpi_rows", "last_full_month", "last_full_week", "targets"]
