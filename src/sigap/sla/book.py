"""The SLA policies and calendars in memory, and due times from them.

``PolicyBook.load()`` reads every calendar, holiday, special period, policy and target in
six queries;
``current()`` keeps one book per process (``core.memo.SharedMemo``: reloaded on every
save or delete of these models, and at the latest after a minute), so a due-time
computation needs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sigap.core.memo import SharedMemo
from sigap.sla.calendar import Calendar, Special, week_from
from sigap.sla.models import (
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    SlaTarget,
    SpecialPeriod,
    WorkingPeriod,
)

WARN_AT = 0.75  # share of the resolution target after which the owner is warned


@dataclass(frozen=True)
class Target:
    first_response: int
    next_response: int
    resolution: int


@dataclass(frozen=True)
class Policy:
    id: int
    name: str
    channels: frozenset[str]
    priorities: frozenset[int]
    severities: frozenset[str]
    kinds: frozenset[str]
    loyalty_tiers: frozenset[str]
    categories: frozenset[str]
    team_id: int | None
    calendar: Calendar
    targets: dict[int, Target]

    def matches(
        self,
        *,
        channel: str,
        priority: int,
        severity: str,
        kind: str,
        tier: str,
        team_id: int | None,
        category: str = "",
    ) -> bool:
        return (
            (not self.channels or channel in self.channels)
            and (not self.priorities or priority in self.priorities)
            and (not self.severities or severity in self.severities)
            and (not self.kinds or kind in self.kinds)
            and (not self.loyalty_tiers or tier in self.loyalty_tiers)
            and (not self.categories or category in self.categories)
            and (self.team_id is None or self.team_id == team_id)
            and priority in self.targets
        )


@dataclass(frozen=True)
class Due:
    policy_id: int
    policy_name: str
    first_response: datetime
    resolution: datetime
    warn_at: datetime
    next_response_minutes: int
    calendar: Calendar


class NoPolicy(LookupError):
    pass


class PolicyBook:
    def __init__(self, policies: list[Policy]) -> None:
        self.policies = policies

    @classmethod
    def load(cls) -> PolicyBook:
        national: set[date] = set()
        own: dict[int, set[date]] = {}
        for day, calendar_id in Holiday.objects.values_list("date", "calendar_id"):
            (own.setdefault(calendar_id, set()) if calendar_id else national).add(day)
        periods: dict[int, list[tuple[int, object, object]]] = {}
        for cal_id, weekday, start, end in WorkingPeriod.objects.values_list(
            "calendar_id", "weekday", "start", "end"
        ):
            periods.setdefault(cal_id, []).append((weekday, start, end))
        special_rows: dict[int, tuple[int, date, date, list[tuple[int, object, object]]]] = {}
        for sp_id, cal_id, first, last, weekday, start, end in SpecialPeriod.objects.values_list(
            "pk",
            "calendar_id",
            "start_date",
            "end_date",
            "hours__weekday",
            "hours__start",
            "hours__end",
        ):
            entry = special_rows.setdefault(sp_id, (cal_id, first, last, []))
            if weekday is not None:
                entry[3].append((weekday, start, end))
        specials: dict[int, list[Special]] = {}
        for cal_id, first, last, rows in special_rows.values():
            specials.setdefault(cal_id, []).append(
                Special(first, last, week_from(rows))  # type: ignore[arg-type]
            )
        calendars: dict[int, Calendar] = {}
        for cal in BusinessCalendar.objects.all():
            off = set(own.get(cal.pk, set()))
            if cal.national_holidays:
                off |= national
            calendars[cal.pk] = Calendar(
                cal.time_zone,
                week_from(periods.get(cal.pk, [])),  # type: ignore[arg-type]
                frozenset(off),
                around_the_clock=cal.around_the_clock,
                specials=tuple(sorted(specials.get(cal.pk, []), key=lambda s: s.first)),
            )
        targets: dict[int, dict[int, Target]] = {}
        for t in SlaTarget.objects.all():
            targets.setdefault(t.policy_id, {})[t.priority] = Target(
                t.first_response_minutes, t.next_response_minutes, t.resolution_minutes
            )
        policies = [
            Policy(
                id=p.pk,
                name=p.name,
                channels=frozenset(p.channels),
                priorities=frozenset(int(x) for x in p.priorities),
                severities=frozenset(p.severities),
                kinds=frozenset(p.kinds),
                loyalty_tiers=frozenset(p.loyalty_tiers),
                categories=frozenset(p.categories),
                team_id=p.team_id,
                calendar=calendars[p.calendar_id],
                targets=targets.get(p.pk, {}),
            )
            for p in SlaPolicy.objects.filter(active=True).order_by("position", "id")
        ]
        return cls(policies)

    def calendar_for(self, policy_id: int | None) -> Calendar | None:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy.calendar
        return None

    def next_response_due(
        self, policy_id: int | None, priority: int, start: datetime
    ) -> datetime | None:
        for policy in self.policies:
            if policy.id == policy_id and priority in policy.targets:
                return policy.calendar.add(start, policy.targets[priority].next_response)
        return None

    def policy_for(
        self,
        *,
        channel: str,
        priority: int,
        severity: str,
        kind: str,
        tier: str,
        team_id: int | None,
        category: str = "",
    ) -> Policy:
        for policy in self.policies:
            if policy.matches(
                channel=channel,
                priority=priority,
                severity=severity,
                kind=kind,
                tier=tier,
                team_id=team_id,
                category=category,
            ):
                return policy
        raise NoPolicy(f"no SLA policy covers channel={channel} priority=P{priority}")

    def due(
        self,
        *,
        start: datetime,
        channel: str,
        priority: int,
        severity: str = "",
        kind: str = "",
        tier: str = "",
        team_id: int | None = None,
        category: str = "",
    ) -> Due:
        policy = self.policy_for(
            channel=channel,
            priority=priority,
            severity=severity,
            kind=kind,
            tier=tier,
            team_id=team_id,
            category=category,
        )
        target = policy.targets[priority]
        first, resolution, warn_at = policy.calendar.add_many(
            start, [target.first_response, target.resolution, target.resolution * WARN_AT]
        )
        return Due(
            policy_id=policy.id,
            policy_name=policy.name,
            first_response=first,
            resolution=resolution,
            warn_at=warn_at,
            next_response_minutes=target.next_response,
            calendar=policy.calendar,
        )


_book: SharedMemo[PolicyBook] = SharedMemo("sla-book", PolicyBook.load)


def current() -> PolicyBook:
    return _book.get()


def invalidate(*args: object, **kwargs: object) -> None:
    """Make every process reload the book (signal receiver for the SLA models)."""
    _book.invalidate()
