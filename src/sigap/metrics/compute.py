"""The metrics of DOMAIN.md §8, computed from ``TicketFact`` and the survey answers.

Every formula, its period rule and its edge cases are in ``docs/metrics.md``; the tests
check each one against hand-computed fixtures. Durations are wall-clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import ExtractHour, ExtractWeekDay, TruncMonth
from django.utils import timezone

from sigap.connectors.phone.models import Call, Outcome
from sigap.metrics.catalog import MIN_SAMPLE
from sigap.metrics.models import TicketFact, WorkFact
from sigap.surveys.models import Survey, SurveyKind
from sigap.tickets.models import CompensationType, Proposal


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


# Resolved at the first contact: one reply, one customer message, never reopened, never
# transferred, and no new ticket from the same customer within REPEAT_WINDOW.
FCR = Q(
    replies_before_resolution__lte=1,
    reopens=0,
    transfers=0,
    inbound_messages__lte=1,
    repeat_contact=False,
)


def _duration(end: str, start: str) -> ExpressionWrapper[Any]:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _created_aggregates(now: datetime) -> dict[str, Any]:
    """One pass over the tickets created in a period. First-response SLA: a ticket
    answered (by a reply or a call), or unanswered and already due *now* (not yet due:
    not counted, whether or not the period has ended); a ticket closed without a
    response before it was due (spam, a duplicate) needed no answer and does not count."""
    answered = Q(first_response_at__isnull=False)
    needed = Q(closed_unanswered_at__isnull=True) | Q(
        closed_unanswered_at__gt=F("first_response_due_at")
    )
    return {
        "volume": Count("pk"),
        # the seed's FCR: contacts resolved at the first contact among all contacts
        "fcr": Count("pk", filter=FCR & Q(first_resolved_at__isnull=False)),
        "frt": Avg(_duration("first_response_at", "created_at"), filter=answered),
        "frt_n": Count("pk", filter=answered),
        "wait_s": Sum("wait_seconds"),
        "wait_n": Sum("waits"),
        "fr_n": Count(
            "pk",
            filter=Q(first_response_due_at__isnull=False)
            & needed
            & (answered | Q(first_response_due_at__lt=now)),
        ),
        "fr_met": Count("pk", filter=Q(first_response_at__lte=F("first_response_due_at"))),
    }


RESOLVED_AGGREGATES: dict[str, Any] = {
    "n": Count("pk"),
    "res": Avg(_duration("first_resolved_at", "created_at")),
    "fcr": Count("pk", filter=FCR),
    "reopened": Count("pk", filter=Q(reopens__gt=0)),
    "sla_due": Count("pk", filter=Q(resolution_due_at__isnull=False)),
    "sla_met": Count("pk", filter=Q(first_resolved_at__lte=F("resolution_due_at"))),
}
SURVEY_AGGREGATES: dict[str, Any] = {
    "csat_n": Count("pk", filter=Q(kind=SurveyKind.RESOLUTION, csat__isnull=False)),
    "csat_good": Count("pk", filter=Q(kind=SurveyKind.RESOLUTION, csat__gte=4)),
    "csat_avg": Avg("csat", filter=Q(kind=SurveyKind.RESOLUTION)),
    "ces_n": Count("pk", filter=Q(kind=SurveyKind.RESOLUTION, ces__isnull=False)),
    "ces_easy": Count(
        "pk",
        filter=Q(kind=SurveyKind.RESOLUTION)
        & (Q(ces_scale=5, ces__gte=4) | Q(ces_scale=7, ces__gte=6)),
    ),
}
NPS_AGGREGATES: dict[str, Any] = {
    "n": Count("pk"),
    "promoters": Count("pk", filter=Q(nps__gte=9)),
    "detractors": Count("pk", filter=Q(nps__lte=6)),
}


def _ratio(total: float | None, n: float | None, scale: float) -> Value:
    if not n:
        return Value(None)
    return Value(round(float(total or 0) / float(n) / scale, 1), float(total or 0), float(n))


def _minutes(seconds: float | None, n: int) -> Value:
    return Value(None if seconds is None else round(seconds / 60, 1), denominator=n)


def _nps(row: dict[str, Any]) -> Value:
    if not row["n"]:
        return Value(None)
    net = row["promoters"] - row["detractors"]
    return Value(
        round(100 * net / row["n"], 1),
        net,
        row["n"],
        {"promoters": row["promoters"], "detractors": row["detractors"]},
    )


WORK_KINDS = ("reply", "call")


def _work(f: Filter, by: str = "") -> dict[Any, dict[str, int]]:
    """AHT's inputs: the interactions done in the period (replies by a person and logged
    calls on tickets, ``WorkFact``; answered calls not linked to any ticket, from the
    calls themselves), each in the period it happened, whatever the ticket's creation
    date: ``n`` all of them, ``measured`` those with handling seconds, ``seconds`` their
    sum. Per ``by`` (``agent_id`` or ``team_id``: the ticket's current one, the call's
    agent) or for the whole filter (key ``None``). Two queries."""
    out: dict[Any, dict[str, int]] = {}

    def add(key: Any, n: int, measured: int, seconds: int | None) -> None:
        row = out.setdefault(key, {"n": 0, "measured": 0, "seconds": 0})
        row["n"] += n
        row["measured"] += measured
        row["seconds"] += int(seconds or 0)

    dims = {f"fact__{k}": v for k, v in f.dimensions().items()}
    work = WorkFact.objects.filter(at__gte=f.since, at__lt=f.until, kind__in=WORK_KINDS, **dims)
    aggregates = {
        "n": Count("pk"),
        "measured": Count("pk", filter=Q(seconds__gt=0)),
        "seconds": Sum("seconds"),
    }
    if by:
        for row in work.values(f"fact__{by}").annotate(**aggregates).order_by():
            add(row[f"fact__{by}"], row["n"], row["measured"], row["seconds"])
    else:
        row = work.aggregate(**aggregates)
        add(None, row["n"], row["measured"], row["seconds"])
    calls = _calls_on_no_ticket(f)
    if calls is None or by == "team_id":
        return out
    if by:
        for agent, n, seconds in (
            calls.values_list("agent_id").annotate(n=Count("pk"), s=Sum("duration")).order_by()
        ):
            if agent is not None:
                add(agent, n, n, seconds)
    else:
        row = calls.aggregate(n=Count("pk"), seconds=Sum("duration"))
        add(None, row["n"], row["n"], row["seconds"])
    return out


def _calls_on_no_ticket(f: Filter) -> QuerySet[Call] | None:
    """Answered calls linked to no ticket that ended in the period; only the agent, the
    channel (phone) and the caller's tier filter them (None: the filter excludes them)."""
    if f.team_id or f.category or f.channel not in ("", "phone"):
        return None
    calls = Call.objects.filter(
        ticket__isnull=True, ended_at__gte=f.since, ended_at__lt=f.until, duration__gt=0
    ).exclude(outcome=Outcome.NO_ANSWER)
    if f.agent_id:
        calls = calls.filter(agent_id=f.agent_id)
    if f.tier:
        calls = calls.filter(customer__loyalty_tier=f.tier)
    return calls


def _spread(values: list[float]) -> tuple[float | None, float | None]:
    """The median and the 90th percentile (nearest rank: the smallest value that at least
    90 % of the values do not exceed), rounded to one decimal."""
    if not values:
        return None, None
    ordered = sorted(values)
    n, mid = len(ordered), len(ordered) // 2
    median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return round(median, 1), round(ordered[math.ceil(0.9 * n) - 1], 1)


class _Percentile(Aggregate):
    """PostgreSQL's ordered-set percentile: continuous (the median: the mean of the two
    middle values) or discrete (nearest rank), as ``_spread`` computes them."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, *, discrete: bool = False) -> None:
        super().__init__(
            expression,
            function="PERCENTILE_DISC" if discrete else "PERCENTILE_CONT",
            fraction=fraction,
            output_field=FloatField(),
        )


def _seconds_between(end: str, start: str) -> Any:
    """Seconds from ``start`` to ``end`` computed in the database (reading numbers is far
    cheaper than reading two timestamps a row)."""
    if connection.vendor == "postgresql":
        return Func(
            F(end) - F(start),
            function="EXTRACT",
            template="EXTRACT(EPOCH FROM %(expressions)s)",
            output_field=FloatField(),
        )

    def day(name: str) -> Func:
        return Func(F(name), function="julianday", output_field=FloatField())

    return ExpressionWrapper((day(end) - day(start)) * 86400, output_field=FloatField())


def _spreads(f: Filter, out: dict[str, Value]) -> None:
    """Median and p90 beside each time metric's mean (``extra``), with the same rules;
    first response and resolution time also in business time (the ticket's SLA
    calendar, kept on the fact; tickets without one count only in the wall-clock
    figures). Five queries, none joined to the tickets."""
    facts = _facts(f)

    def durations(key: str, end: str, business: str, since_field: str, scale: float) -> None:
        rows = facts.filter(
            **{f"{since_field}__gte": f.since, f"{since_field}__lt": f.until},
            **{f"{end}__isnull": False},
        )
        wall = _seconds_between(end, "created_at")
        if connection.vendor == "postgresql":  # in the database: no row leaves it
            row = rows.aggregate(
                m=_Percentile(wall, 0.5), p=_Percentile(wall, 0.9, discrete=True),
                bm=_Percentile(F(business), 0.5), bp=_Percentile(F(business), 0.9, discrete=True),
            )  # fmt: skip
            extra = out[key].extra
            for name, value in (("median", "m"), ("p90", "p")):
                for prefix, field in (("", value), ("business_", "b" + value)):
                    number = row[field]
                    extra[prefix + name] = None if number is None else round(number / scale, 1)
            return
        pairs = list(rows.values_list(wall, business))
        put(
            key,
            [float(w) / scale for w, _ in pairs],
            [b / scale for _, b in pairs if b is not None],
        )

    def put(key: str, wall: list[float], business: list[float] | None = None) -> None:
        extra = out[key].extra
        extra["median"], extra["p90"] = _spread(wall)
        if business is not None:
            extra["business_median"], extra["business_p90"] = _spread(business)

    durations("frt", "first_response_at", "first_response_business_seconds", "created_at", 60)
    durations(
        "resolution_time",
        "first_resolved_at",
        "resolution_business_seconds",
        "first_resolved_at",
        3600,
    )
    waits = facts.filter(created_at__gte=f.since, created_at__lt=f.until, waits__gt=0)
    put("wait", [s / 60 for times in waits.values_list("wait_times", flat=True) for s in times])
    dims = {f"fact__{k}": v for k, v in f.dimensions().items()}
    work = [
        s / 60
        for s in WorkFact.objects.filter(
            at__gte=f.since, at__lt=f.until, kind__in=WORK_KINDS, seconds__gt=0, **dims
        ).values_list("seconds", flat=True)
    ]
    calls = _calls_on_no_ticket(f)
    if calls is not None:
        work += [s / 60 for s in calls.values_list("duration", flat=True)]
    put("aht", work)


def _aht(row: dict[str, int] | None) -> Value:
    """Measured seconds ÷ measured interactions, in minutes; ``extra``: how many
    interactions were done in all (measured or not)."""
    row = row or {"n": 0, "measured": 0, "seconds": 0}
    value = _ratio(row["seconds"], row["measured"], 60)
    value.denominator = row["measured"]
    value.extra["interactions"] = row["n"]
    return value


def _nps_surveys(f: Filter) -> QuerySet[Survey]:
    # NPS is about the relationship, not a ticket: only the customer tier filters it.
    return _surveys(f).filter(
        kind=SurveyKind.NPS, nps__isnull=False, **({"tier": f.tier} if f.tier else {})
    )


def _backlog(facts: QuerySet[TicketFact], until: datetime) -> int:
    """Tickets created before ``until`` that had not ended by then: minus those whose
    last end came before it, minus those that had ended before it but were reopened
    later (their earlier ends, ``done_spans``: only reopened tickets are read)."""
    created = facts.filter(created_at__lt=until).count()
    ended = facts.filter(ended_at__lt=until).count()
    mark = until.astimezone(UTC)
    undone = sum(
        1
        for spans in facts.filter(reopens__gt=0, created_at__lt=until)
        .exclude(ended_at__lt=until)
        .values_list("done_spans", flat=True)
        if any(
            datetime.fromisoformat(a) < mark <= datetime.fromisoformat(b) for a, b in spans or ()
        )
    )
    return created - ended - undone


def compute(f: Filter, *, spreads: bool = True) -> dict[str, Value]:
    """Every metric for one period and filter: a few aggregate queries, and with
    ``spreads`` the medians and p90s of the time metrics (``_spreads``)."""
    facts = _facts(f)
    a = facts.filter(created_at__gte=f.since, created_at__lt=f.until).aggregate(
        **_created_aggregates(timezone.now())
    )
    r = facts.filter(first_resolved_at__gte=f.since, first_resolved_at__lt=f.until).aggregate(
        **RESOLVED_AGGREGATES
    )
    backlog = _backlog(facts, f.until)
    s = _surveys(f).filter(**f.dimensions()).aggregate(**SURVEY_AGGREGATES)
    nps = _nps_surveys(f).aggregate(**NPS_AGGREGATES)
    res = _seconds(r["res"])
    out = {
        "volume": Value(float(a["volume"])),
        "frt": _minutes(_seconds(a["frt"]), a["frt_n"]),
        "resolution_time": Value(None if res is None else round(res / 3600, 1), denominator=r["n"]),
        "wait": _ratio(a["wait_s"], a["wait_n"], 60),
        "aht": _aht(_work(f).get(None)),
        "fcr": _pct(a["fcr"], a["volume"]),
        "fcr_resolved": _pct(r["fcr"], r["n"]),
        "reopen": _pct(r["reopened"], r["n"]),
        "sla": _pct(r["sla_met"], r["sla_due"]),
        "sla_first_response": _pct(a["fr_met"], a["fr_n"]),
        "backlog": Value(float(backlog)),
        "csat": _pct(s["csat_good"], s["csat_n"]),
        "ces": _pct(s["ces_easy"], s["ces_n"]),
        "nps": _nps(nps),
    }
    out["csat"].extra["average"] = round(s["csat_avg"], 2) if s["csat_avg"] else None
    if spreads:
        _spreads(f, out)
    return out


def series(f: Filter, months: int = 12) -> list[tuple[date, dict[str, float | None]]]:
    """The main metrics month by month up to the month of ``f.end`` (trend charts and the
    trend report), in four grouped queries; each month follows ``compute``'s rules."""
    first = f.end.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = datetime.combine(first, time(), tzinfo=tz())
    until = f.until
    by_month = TruncMonth("created_at", tzinfo=tz())
    facts = _facts(f)
    created = {
        _day(row["m"]): row
        for row in facts.filter(created_at__gte=since, created_at__lt=until)
        .annotate(m=by_month)
        .values("m")
        .annotate(**_created_aggregates(timezone.now()))
    }
    resolved = {
        _day(row["m"]): row
        for row in facts.filter(first_resolved_at__gte=since, first_resolved_at__lt=until)
        .annotate(m=TruncMonth("first_resolved_at", tzinfo=tz()))
        .values("m")
        .annotate(**RESOLVED_AGGREGATES)
    }
    answers = _surveys(replace(f, start=first))
    surveys = {
        _day(row["m"]): row
        for row in answers.filter(**f.dimensions())
        .annotate(m=TruncMonth("answered_at", tzinfo=tz()))
        .values("m")
        .annotate(**SURVEY_AGGREGATES)
    }
    nps = {
        _day(row["m"]): row
        for row in _nps_surveys(replace(f, start=first))
        .annotate(m=TruncMonth("answered_at", tzinfo=tz()))
        .values("m")
        .annotate(**NPS_AGGREGATES)
    }
    out = []
    current = first
    while current <= f.end:
        a: dict[str, Any] = dict(created.get(current, {}))
        r: dict[str, Any] = dict(resolved.get(current, {}))
        s: dict[str, Any] = dict(surveys.get(current, {}))
        n: dict[str, Any] = dict(nps.get(current, {"n": 0}))
        frt = _seconds(a.get("frt"))
        res = _seconds(r.get("res"))
        out.append(
            (
                current,
                {
                    "volume": float(a.get("volume", 0)),
                    "frt": None if frt is None else round(frt / 60, 1),
                    "resolution_time": None if res is None else round(res / 3600, 1),
                    "fcr": _pct(a.get("fcr", 0), a.get("volume", 0)).value,
                    "sla": _pct(r.get("sla_met", 0), r.get("sla_due", 0)).value,
                    "csat": _pct(s.get("csat_good", 0), s.get("csat_n", 0)).value,
                    "ces": _pct(s.get("ces_easy", 0), s.get("ces_n", 0)).value,
                    "nps": _nps(n).value,
                },
            )
        )
        current = (current + timedelta(days=32)).replace(day=1)
    return out


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


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


def table(f: Filter, by: str = "agent_id") -> list[dict[str, Any]]:
    """The agent (``agent_id``) or team (``team_id``) table, a few grouped queries:
    tickets created, resolved, FCR, average first response (minutes), AHT (minutes), SLA
    compliance and CSAT, each with the period rules of ``compute``. ``n``: what each
    figure rests on (tickets created, first responses, measured interactions, resolutions
    with a due time, answers); ``small``: the figures resting on fewer than
    ``catalog.MIN_SAMPLE`` (shown, marked, never judged)."""
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
                "n": {"fcr": 0, "frt": 0, "aht": 0, "sla": 0, "csat": 0},
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
        fcr=Count("pk", filter=FCR & Q(first_resolved_at__isnull=False)),
        answered=Count("pk", filter=Q(first_response_at__isnull=False)),
    ):
        out = row(r[by])
        out["volume"] = r["n"]
        out["n"].update(fcr=r["n"], frt=r["answered"])
        out["fcr"] = _pct(r["fcr"], r["n"]).value
        frt = _seconds(r["frt"])
        out["frt"] = None if frt is None else round(frt / 60, 1)
    for key, work in _work(f, by).items():
        if key is not None:
            aht = _aht(work)
            row(key)["aht"] = aht.value
            row(key)["n"]["aht"] = int(aht.denominator)
    resolved = facts.filter(first_resolved_at__gte=f.since, first_resolved_at__lt=f.until)
    for r in resolved.values(by).annotate(
        n=Count("pk"),
        due=Count("pk", filter=Q(resolution_due_at__isnull=False)),
        met=Count("pk", filter=Q(first_resolved_at__lte=F("resolution_due_at"))),
    ):
        out = row(r[by])
        out["resolved"] = r["n"]
        out["sla"] = _pct(r["met"], r["due"]).value
        out["n"]["sla"] = r["due"]
    answers = _surveys(f).filter(
        kind=SurveyKind.RESOLUTION, csat__isnull=False, **{f"{by}__isnull": False}
    )
    for r in answers.values(by).annotate(n=Count("pk"), good=Count("pk", filter=Q(csat__gte=4))):
        row(r[by])["csat"] = _pct(r["good"], r["n"]).value
        row(r[by])["n"]["csat"] = r["n"]
    for out in rows.values():
        out["small"] = sorted(k for k, n in out["n"].items() if 0 < n < MIN_SAMPLE)
    return sorted(rows.values(), key=lambda r: (-r["volume"], r[by]))


# --- compensation paid: the cost side of efficiency (DOMAIN.md §2, "low cost per contact") ---


def compensation(f: Filter) -> dict[str, Any]:
    """Compensation given in the period: accepted proposals whose compensation was recorded
    as given (``Proposal.compensation_given``) in the period, by when it was recorded; the
    ticket's current dimensions filter it, as every metric. ``cost_per_contact``: the
    total over the tickets created in the period (the volume), in whole rupiah; None
    without tickets. Two queries."""
    dims = {f"ticket__fact__{k}": v for k, v in f.dimensions().items()}
    given = Proposal.objects.filter(
        compensation_given=True,
        compensation_recorded_at__gte=f.since,
        compensation_recorded_at__lt=f.until,
        **dims,
    ).exclude(compensation_type=CompensationType.NONE)
    rows = list(
        given.order_by()
        .values_list("ticket__category", "compensation_type")
        .annotate(n=Count("pk"), total=Sum("compensation_amount"))
    )
    volume = (
        _facts(f).filter(created_at__gte=f.since, created_at__lt=f.until).aggregate(n=Count("pk"))
    )["n"]
    total = sum(int(r[3] or 0) for r in rows)
    count = sum(r[2] for r in rows)

    def by(index: int) -> list[tuple[str, int, int]]:
        sums: dict[str, list[int]] = {}
        for row in rows:
            entry = sums.setdefault(row[index], [0, 0])
            entry[0] += row[2]
            entry[1] += int(row[3] or 0)
        return sorted(((k, n, t) for k, (n, t) in sums.items()), key=lambda x: (-x[2], x[0]))

    return {
        "total": total,
        "count": count,
        "volume": volume,
        "cost_per_contact": round(total / volume) if volume else None,
        "by_category": by(0),
        "by_type": by(1),
    }
