"""Business-time arithmetic against a minute-by-minute reference, across nights, weekends,
holidays and the three Indonesian time zones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigap.sla.calendar import Calendar, week_from

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
OFFICE = week_from(
    [(d, time(8), time(12)) for d in range(5)]
    + [(d, time(13), time(17)) for d in range(5)]
    + [(5, time(8), time(12))]
)
HOLIDAYS = frozenset({date(2026, 8, 17), date(2026, 12, 24), date(2026, 12, 25)})


def office(tz: str = WIB, holidays: frozenset[date] = HOLIDAYS) -> Calendar:
    return Calendar(tz, OFFICE, holidays)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))  # type: ignore[misc]


def reference_working(cal: Calendar, minute: datetime) -> bool:
    loc = minute.astimezone(cal.tz)
    m = loc.hour * 60 + loc.minute
    return any(a <= m < b for a, b in cal.periods_on(loc.date()))


def reference_add(cal: Calendar, start: datetime, minutes: int) -> datetime:
    t = start
    while minutes > 0:
        if reference_working(cal, t):
            minutes -= 1
        t += timedelta(minutes=1)
    return t  # the end of the last working minute counted


def test_friday_afternoon_plus_one_business_day_is_monday_afternoon() -> None:
    cal = office()
    start = local(WIB, 2026, 11, 20, 15, 0)  # Friday 15:00 WIB
    # 2 h Friday, 4 h Saturday morning, 2 h Monday: 8 h = 480 min
    assert cal.add(start, 480) == local(WIB, 2026, 11, 23, 10, 0)


def test_lunch_break_and_night_are_skipped() -> None:
    cal = office()
    assert cal.add(local(WIB, 2026, 11, 23, 11, 30), 60) == local(WIB, 2026, 11, 23, 13, 30)
    assert cal.add(local(WIB, 2026, 11, 23, 16, 30), 60) == local(WIB, 2026, 11, 24, 8, 30)
    assert cal.add(local(WIB, 2026, 11, 23, 22, 0), 10) == local(WIB, 2026, 11, 24, 8, 10)


def test_holidays_and_cuti_bersama_are_skipped() -> None:
    cal = office()
    # Wednesday 23 Dec 16:00 + 2 h: 1 h that day, then 24/25 Dec off, Sat 26 Dec 08:00-09:00
    assert cal.add(local(WIB, 2026, 12, 23, 16, 0), 120) == local(WIB, 2026, 12, 26, 9, 0)


def test_the_same_wall_clock_in_three_zones() -> None:
    utc_start = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 WIB
    results = {tz: office(tz).add(utc_start, 30) for tz in (WIB, WITA, WIT)}
    assert results[WIB] == local(WIB, 2026, 11, 23, 8, 30)
    assert results[WITA] == local(WITA, 2026, 11, 23, 9, 30)  # 09:00 WITA, already open
    assert results[WIT] == local(WIT, 2026, 11, 23, 10, 30)


def test_around_the_clock_ignores_hours_and_holidays() -> None:
    cal = Calendar(WIB, {}, HOLIDAYS, around_the_clock=True)
    start = local(WIB, 2026, 8, 16, 23, 0)
    assert cal.add(start, 120) == local(WIB, 2026, 8, 17, 1, 0)
    assert cal.between(start, local(WIB, 2026, 8, 17, 1, 0)) == 120


def test_between_counts_only_working_minutes_and_is_signed() -> None:
    cal = office()
    a, b = local(WIB, 2026, 11, 20, 15, 0), local(WIB, 2026, 11, 23, 10, 0)
    assert cal.between(a, b) == 480
    assert cal.between(b, a) == -480


def test_a_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one working period"):
        Calendar(WIB, {})
    with pytest.raises(ValueError, match="bad working period"):
        Calendar(WIB, {0: ((600, 500),)})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        office().add(datetime(2026, 11, 23, 8, 0), 10)


starts = st.datetimes(
    min_value=datetime(2026, 8, 10),
    max_value=datetime(2026, 12, 31),
    timezones=st.sampled_from([ZoneInfo(WIB), ZoneInfo(WITA), ZoneInfo(WIT), ZoneInfo("UTC")]),
).map(lambda d: d.replace(second=0, microsecond=0))


@settings(max_examples=150, deadline=None)
@given(start=starts, minutes=st.integers(0, 3 * 540), tz=st.sampled_from([WIB, WITA, WIT]))
def test_add_matches_the_minute_by_minute_reference(start: datetime, minutes: int, tz: str) -> None:
    cal = office(tz)
    fast = cal.add(start, minutes)
    slow = reference_add(cal, start, minutes)
    if minutes == 0:
        assert fast == start
    else:
        # both end where the last counted working minute ends
        assert fast == slow, (fast, slow)
        assert cal.between(start, fast) == minutes


@settings(max_examples=150, deadline=None)
@given(a=starts, span=st.integers(0, 6 * 24 * 60), tz=st.sampled_from([WIB, WITA, WIT]))
def test_between_matches_counting_minutes(a: datetime, span: int, tz: str) -> None:
    cal = office(tz)
    b = a + timedelta(minutes=span)
    counted = sum(reference_working(cal, a + timedelta(minutes=i)) for i in range(span))
    assert cal.between(a, b) == counted


@settings(max_examples=100, deadline=None)
@given(
    start=starts,
    minutes=st.lists(st.integers(0, 4 * 540), min_size=1, max_size=4),
    tz=st.sampled_from([WIB, WITA, WIT]),
)
def test_add_many_equals_add_one_by_one(start: datetime, minutes: list[int], tz: str) -> None:
    cal = office(tz)
    assert cal.add_many(start, [float(m) for m in minutes]) == [cal.add(start, m) for m in minutes]
