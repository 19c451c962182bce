"""Business-time arithmetic on a working calendar: weekly working periods in a time zone
(WIB, WITA or WIT), minus holidays; or around the clock.

Pure and in memory: ``Calendar`` is built once from the database (``sla.book``) and then
answers ``add`` (the moment a number of business minutes after a start) and ``between``
(business minutes from one moment to another) without queries. A day is walked as a few
intervals, never minute by minute; ``tests/test_calendar.py`` checks both against a
minute-by-minute reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3 * 366  # a target further away than this is a configuration error

Period = tuple[int, int]  # minutes after local midnight: [start, end)
Week = dict[int, tuple[Period, ...]]


@dataclass(frozen=True)
class Special:
    """From ``first`` to ``last`` (inclusive) the week is ``week`` (Ramadan hours)."""

    first: date
    last: date
    week: Week


@dataclass(frozen=True)
class Calendar:
    time_zone: str
    # weekday (Monday 0) -> sorted, non-overlapping working periods
    week: dict[int, tuple[Period, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    around_the_clock: bool = False
    specials: tuple[Special, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tz", ZoneInfo(self.time_zone))
        if not self.around_the_clock and not any(self.week.values()):
            raise ValueError("a business calendar needs at least one working period")
        for week in (self.week, *(s.week for s in self.specials)):
            for periods in week.values():
                for start, end in periods:
                    if not 0 <= start < end <= 24 * 60:
                        raise ValueError(f"bad working period {start}-{end}")

    @property
    def tz(self) -> ZoneInfo:
        return self._tz  # type: ignore[attr-defined,no-any-return]

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if self.around_the_clock:
            return ((0, 24 * 60),)
        if day in self.holidays:
            return ()
        for special in self.specials:
            if special.first <= day <= special.last:
                return special.week.get(day.weekday(), ())
        return self.week.get(day.weekday(), ())

    def _intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals in order, from ``start`` on (the first one clipped)."""
        tz = self.tz
        local = start.astimezone(tz)
        day = local.date()
        for _ in range(MAX_DAYS):
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            for begin, end in self.periods_on(day):
                a = midnight + timedelta(minutes=begin)
                b = midnight + timedelta(minutes=end)
                if b <= start:
                    continue
                yield (max(a, start), b)
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_DAYS} days of {start.isoformat()}")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` business minutes after ``start``."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.around_the_clock:
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        if remaining <= timedelta(0):
            return start
        for a, b in self._intervals(start):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable")  # pragma: no cover

    def add_many(self, start: datetime, minutes: list[float]) -> list[datetime]:
        """``add`` for several targets from one start, in one walk over the intervals."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.around_the_clock:
            return [start + timedelta(minutes=m) for m in minutes]
        order = sorted(range(len(minutes)), key=lambda i: minutes[i])
        out: list[datetime] = [start] * len(minutes)
        pending = [i for i in order if minutes[i] > 0]
        if not pending:
            return out
        used = timedelta(0)
        intervals = self._intervals(start)
        for a, b in intervals:
            span = b - a
            while pending and timedelta(minutes=minutes[pending[0]]) - used <= span:
                i = pending.pop(0)
                out[i] = a + (timedelta(minutes=minutes[i]) - used)
            if not pending:
                break
            used += span
        return out

    def between(self, start: datetime, end: datetime) -> float:
        """Business minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start)
        if self.around_the_clock:
            return (end - start).total_seconds() / 60
        total = timedelta(0)
        for a, b in self._intervals(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total.total_seconds() / 60


def week_from(rows: Iterable[tuple[int, time, time]]) -> Week:
    """``(weekday, start, end)`` rows to the ``Calendar.week`` mapping (sorted, merged)."""
    by_day: dict[int, list[Period]] = {}
    for weekday, start, end in rows:
        end_minute = 24 * 60 if end == time(0) else end.hour * 60 + end.minute
        by_day.setdefault(weekday, []).append((start.hour * 60 + start.minute, end_minute))
    week: Week = {}
    for weekday, periods in by_day.items():
        merged: list[Period] = []
        for begin, finish in sorted(periods):
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
            else:
                merged.append((begin, finish))
        week[weekday] = tuple(merged)
    return week
