"""The metrics of DOMAIN.md §8, computed from ``TicketFact`` and the survey answers.

Every formula, its period rule and its edge cases are in ``docs/metrics.md``; the tests
check each one against hand-computed fixtures. Durations are wall-clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import ExtractHour, ExtractWeekDay, TruncMonth

from sigap.metrics.models import TicketFact
from sigap.surveys.models import Survey, SurveyKind

REPEAT_WINDOW = timedelta(days=7)  # another ticket this soon: not resolved at first contact


@dataclass(frozen=True)
class Filter:
    start: date
    end: date  # inclusive
    team_id: int | None = None
    agent_id: int | None = None
    channel: str = ""
    category: str = ""
    tier: str = ""

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=tz())

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=tz())

    def previous(self) -> Filter:
        """The period of the same length just before."""
        days = (self.end - self.start).days + 1
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:  # whole months
            end = self.start - timedelta(days=1)
            months = _months_between(self.start, self.end + timedelta(days=1))
            start = end.replace(day=1)
            for _ in range(months - 1):
                start = (start - timedelta(days=1)).replace(day=1)
            return replace(self, start=start, end=end)
        return replace(
            self, start=self.start - timedelta(days=days), end=self.start - timedelta(days=1)
        )

    def dimensions(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.team_id:
            out["team_id"] = self.team_id
        if self.agent_id:
            out["agent_id"] = self.agent_id
        if self.channel:
            out["channel"] = self.channel
        if self.category:
            out["category"] = self.category
        if self.tier:
            out["tier"] = self.tier
        return out


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month(year: int, number: int, **dims: Any) -> Filter:
    start = date(year, number, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Filter(start, end, **dims)


@dataclass
class Value:
    """A metric's value with what it was computed from (``None``: nothing to compute)."""

    value: float | None
    numerator: float = 0
    denominator: float = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _pct(part: float, whole: float) -> Value:
    return Value(round(100 * part / whole, 1) if whole else None, part, whole)


def _facts(f: Filter) -> QuerySet[TicketFact]:
    return TicketFact.objects.filter(**f.dimensions())


def _surveys(f: Filter) -> QuerySet[Survey]:
    return Survey.objects.filter(answered_at__gte=f.since, answered_at__lt=f.until)


def _seconds(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1e6


def _avg_duration(qs: QuerySet[TicketFact], end: str, start: str) -> tuple[float | None, int]:
    row = qs.aggregate(
        avg=Avg(ExpressionWrapper(F(end) - F(start), output_field=DurationField())),
        n=Count("pk"),
    )
    return _seconds(row["avg"]), int(row["n"])


# Resolved at the first contact: one reply, one customer message, never reopened, never
# transferred, and no new ticket from the same customer within REPEAT_WINDOW.
FCR = Q(replies_before_resolution__lte=1, reopens=0, transfers=0, inbound_messages__lte=1) & Q(
    repeat=False
)


def _repeat() -> QuerySet[TicketFact]:
    return TicketFact.objects.filter(
        customer_id=OuterRef("customer_id"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + REPEAT_WINDOW,
    )


def compute(f: Filter) -> dict[str, Value]:
    """Every metric for one period and filter."""
    facts = _facts(f)
    created = facts.filter(created_at__gte=f.since, created_at__lt=f.until)
    resolved = facts.filter(first_resolved_at__gte=f.since, first_resolved_at__lt=f.until)
    out: dict[str, Value] = {}

    out["volume"] = Value(float(created.count()))

    frt, frt_n = _avg_duration(
        created.filter(first_response_at__isnull=False), "first_response_at", "created_at"
    )
    out["frt"] = Value(None if frt is None else round(frt / 60, 1), denominator=frt_n)
    res, res_n = _avg_duration(resolved, "first_resolved_at", "created_at")
    out["resolution_time"] = Value(None if res is None else round(res / 3600, 1), denominator=res_n)

    waits = created.aggregate(s=Sum("wait_seconds"), n=Sum("waits"))
    out["wait"] = (
        Value(round(waits["s"] / waits["n"] / 60, 1), waits["s"], waits["n"])
        if waits["n"]
        else Value(None)
    )
    handled = created.aggregate(s=Sum("handle_seconds"), n=Sum("handled_interactions"))
    out["aht"] = (
        Value(round(handled["s"] / handled["n"] / 60, 1), handled["s"], handled["n"])
        if handled["n"]
        else Value(None)
    )

    counts = resolved.annotate(repeat=Exists(_repeat())).aggregate(
        n=Count("pk"),
        fcr=Count("pk", filter=FCR),
        reopened=Count("pk", filter=Q(reopens__gt=0)),
        sla_due=Count("pk", filter=Q(resolution_due_at__isnull=False)),
        sla_met=Count("pk", filter=Q(first_resolved_at__lte=F("resolution_due_at"))),
    )
    out["fcr"] = _pct(counts["fcr"], counts["n"])
    out["reopen"] = _pct(counts["reopened"], counts["n"])
    out["sla"] = _pct(counts["sla_met"], counts["sla_due"])
    first = created.filter(first_response_due_at__isnull=False).aggregate(
        n=Count(
            "pk", filter=Q(first_response_at__isnull=False) | Q(first_response_due_at__lt=f.until)
        ),
        met=Count("pk", filter=Q(first_response_at__lte=F("first_response_due_at"))),
    )
    out["sla_first_response"] = _pct(first["met"], first["n"])

    out["backlog"] = Value(
        float(
            facts.filter(created_at__lt=f.until)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=f.until))
            .count()
        )
    )

    surveys = _surveys(f).filter(**f.dimensions())
    csat = surveys.filter(kind=SurveyKind.RESOLUTION, csat__isnull=False).aggregate(
        n=Count("pk"), good=Count("pk", filter=Q(csat__gte=4)), avg=Avg("csat")
    )
    out["csat"] = _pct(csat["good"], csat["n"])
    out["csat"].extra["average"] = round(csat["avg"], 2) if csat["avg"] else None
    ces = surveys.filter(kind=SurveyKind.RESOLUTION, ces__isnull=False).aggregate(
        n=Count("pk"),
        easy=Count("pk", filter=Q(ces_scale=5, ces__gte=4) | Q(ces_scale=7, ces__gte=6)),
    )
    out["ces"] = _pct(ces["easy"], ces["n"])
    # NPS is about the relationship, not a ticket: only the customer tier filters it.
    nps = (
        _surveys(f)
        .filter(kind=SurveyKind.NPS, nps__isnull=False, **({"tier": f.tier} if f.tier else {}))
        .aggregate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
    )
    out["nps"] = (
        Value(
            round(100 * (nps["promoters"] - nps["detractors"]) / nps["n"], 1),
            nps["promoters"] - nps["detractors"],
            nps["n"],
            {"promoters": nps["promoters"], "detractors": nps["detractors"]},
        )
        if nps["n"]
        else Value(None)
    )
    return out


def breakdown(f: Filter, dimension: str) -> list[tuple[str, int]]:
    """Tickets created in the period by ``dimension`` (channel, category, severity,
    root_cause, sentiment), largest first."""
    rows = (
        _facts(f)
        .filter(created_at__gte=f.since, created_at__lt=f.until)
        .values_list(dimension)
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    return [(str(key or ""), int(n)) for key, n in rows]


def heatmap(f: Filter) -> list[list[int]]:
    """Tickets created by weekday (Monday first) by hour in the business's time zone."""
    grid = [[0] * 24 for _ in range(7)]
    rows = (
        _facts(f)
        .filter(created_at__gte=f.since, created_at__lt=f.until)
        .annotate(
            wd=ExtractWeekDay("created_at", tzinfo=tz()), hr=ExtractHour("created_at", tzinfo=tz())
        )
        .values_list("wd", "hr")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for weekday, hour, n in rows:
        grid[(int(weekday) + 5) % 7][int(hour)] = int(n)  # Django: Sunday=1 ... Saturday=7
    return grid


def monthly(f: Filter, months: int = 12) -> list[tuple[date, dict[str, Value]]]:
    """The metrics month by month, ending with the month of ``f.end`` (trend charts)."""
    out: list[tuple[date, dict[str, Value]]] = []
    first = f.end.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    current = first
    while current <= f.end:
        m = month(current.year, current.month)
        period = replace(f, start=m.start, end=m.end)
        out.append((current, compute(period)))
        current = m.end + timedelta(days=1)
    return out


def volume_by_month(f: Filter, months: int = 12) -> list[tuple[date, int]]:
    first = f.end.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = datetime.combine(first, time(), tzinfo=tz())
    rows = (
        _facts(f)
        .filter(created_at__gte=since, created_at__lt=f.until)
        .annotate(m=TruncMonth("created_at", tzinfo=tz()))
        .values_list("m")
        .annotate(n=Count("pk"))
        .order_by("m")
    )
    return [(m.date() if isinstance(m, datetime) else m, int(n)) for m, n in rows]


def table(f: Filter, by: str = "agent_id") -> list[dict[str, Any]]:
    """The agent (``agent_id``) or team (``team_id``) table, a few grouped queries:
    tickets created, resolved, FCR, average first response (minutes), AHT (minutes), SLA
    compliance and CSAT, each with the period rules of ``compute``."""
    facts = _facts(f).filter(**{f"{by}__isnull": False})
    rows: dict[int, dict[str, Any]] = {}

    def row(key: int) -> dict[str, Any]:
        return rows.setdefault(
            key,
            {
                by: key,
                "volume": 0,
                "resolved": 0,
                "fcr": None,
                "frt": None,
                "aht": None,
                "sla": None,
                "csat": None,
            },
        )

    created = facts.filter(created_at__gte=f.since, created_at__lt=f.until)
    for r in created.values(by).annotate(
        n=Count("pk"),
        frt=Avg(
            ExpressionWrapper(
                F("first_response_at") - F("created_at"), output_field=DurationField()
            )
        ),
        hs=Sum("handle_seconds"),
        hn=Sum("handled_interactions"),
    ):
        out = row(r[by])
        out["volume"] = r["n"]
        frt = _seconds(r["frt"])
        out["frt"] = None if frt is None else round(frt / 60, 1)
        out["aht"] = round(r["hs"] / r["hn"] / 60, 1) if r["hn"] else None
    resolved = facts.filter(first_resolved_at__gte=f.since, first_resolved_at__lt=f.until)
    for r in (
        resolved.annotate(repeat=Exists(_repeat()))
        .values(by)
        .annotate(
            n=Count("pk"),
            fcr=Count("pk", filter=FCR),
            due=Count("pk", filter=Q(resolution_due_at__isnull=False)),
            met=Count("pk", filter=Q(first_resolved_at__lte=F("resolution_due_at"))),
        )
    ):
        out = row(r[by])
        out["resolved"] = r["n"]
        out["fcr"] = _pct(r["fcr"], r["n"]).value
        out["sla"] = _pct(r["met"], r["due"]).value
    answers = _surveys(f).filter(
        kind=SurveyKind.RESOLUTION, csat__isnull=False, **{f"{by}__isnull": False}
    )
    for r in answers.values(by).annotate(n=Count("pk"), good=Count("pk", filter=Q(csat__gte=4))):
        row(r[by])["csat"] = _pct(r["good"], r["n"]).value
    return sorted(rows.values(), key=lambda r: (-r["volume"], r[by]))
