"""The calendars, holidays and policies a new Sigap starts with (data migration 0002).

From the seeds (DOMAIN.md): chat and messaging answer within minutes, email within one
business day; critical (P1, *penting*: safety) tickets have the tightest targets, around
the clock. Office hours Monday-Friday 08:00-17:00 and Saturday 08:00-12:00 WIB;
chat 08:00-22:00 every day. National holidays and *cuti bersama* come from the maintained
``holidays`` package (Indonesia, categories public and government).
"""

from __future__ import annotations

from datetime import date, time

import holidays

HOLIDAY_YEARS = (2025, 2026, 2027)
DAY = 540  # an office day: 08:00-17:00

CALENDARS: dict[str, dict[str, object]] = {
    "Jam kantor (WIB)": {
        "around_the_clock": False,
        "national_holidays": True,
        "periods": [(d, time(8), time(17)) for d in range(5)] + [(5, time(8), time(12))],
    },
    "Layanan chat (WIB)": {
        "around_the_clock": False,
        "national_holidays": False,
        "periods": [(d, time(8), time(22)) for d in range(7)],
    },
    "24 jam": {"around_the_clock": True, "national_holidays": False, "periods": []},
}

# name, position, conditions, calendar, {priority: (first, next, resolution)} in minutes
POLICIES: list[tuple[str, int, dict[str, list[object]], str, dict[int, tuple[int, int, int]]]] = [
    (
        "Kritis (P1) — 24 jam",
        10,
        {"priorities": [1]},
        "24 jam",
        {1: (15, 30, 240)},
    ),
    (
        "Chat dan pesan",
        20,
        {"channels": ["livechat", "whatsapp", "telegram"]},
        "Layanan chat (WIB)",
        {1: (5, 15, 240), 2: (10, 30, 840), 3: (15, 60, 3 * 840), 4: (30, 120, 5 * 840)},
    ),
    (
        "Media sosial dan telepon",
        30,
        {"channels": ["instagram", "facebook", "x", "phone"]},
        "Jam kantor (WIB)",
        {1: (30, 60, 240), 2: (60, 120, DAY), 3: (60, 240, 3 * DAY), 4: (120, 480, 5 * DAY)},
    ),
    (
        "Email, portal dan lainnya",
        90,
        {},
        "Jam kantor (WIB)",
        {1: (60, 120, 240), 2: (240, 480, DAY), 3: (DAY, DAY, 3 * DAY), 4: (DAY, 2 * DAY, 5 * DAY)},
    ),
]


def indonesian_holidays(years: tuple[int, ...] = HOLIDAY_YEARS) -> list[tuple[date, str, str]]:
    """``(date, name, kind)`` for national holidays and cuti bersama, in Indonesian."""
    out: list[tuple[date, str, str]] = []
    for category, kind in (("public", "national"), ("government", "cuti_bersama")):
        table = holidays.country_holidays("ID", years=years, language="id", categories=(category,))
        for day, names in sorted(table.items()):
            for name in str(names).split("; "):
                out.append((day, name, kind))
    return out
