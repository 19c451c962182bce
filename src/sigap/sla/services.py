"""Every change to the service levels: SLA policies and their targets, business calendars
with their weekly hours, special periods (Ramadan hours) and holidays.

Each service checks who acts (``sla.access``), validates everything before writing (a
``ValidationFailed`` names the field and says what is wrong), writes in one transaction and
records the change in the audit log with what it was before and after. The saved rows'
signals (``tickets.policy_changes``) reload the policy book and bring the open tickets in
line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import audit
from sigap.accounts.models import SecurityKind, Team, User
from sigap.core.errors import NotFound, PermissionDenied, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.sla import access
from sigap.sla.defaults import indonesian_holidays
from sigap.sla.models import (
    BusinessCalendar,
    Holiday,
    HolidayKind,
    SlaPolicy,
    SlaTarget,
    SpecialHours,
    SpecialPeriod,
    TimeZone,
    Weekday,
    WorkingPeriod,
)

MAX_TARGET_MINUTES = 366 * 24 * 60  # a target beyond a year is a typing mistake
HOLIDAY_YEARS = (2000, 2100)


@dataclass(frozen=True)
class TargetIn:
    priority: int
    first_response: int  # business minutes
    next_response: int
    resolution: int


@dataclass(frozen=True)
class PeriodIn:
    weekday: int
    start: time
    end: time  # 00:00 is midnight at the end of the day


# --- validation helpers ---------------------------------------------------------------------


def _minute(t: time, *, end: bool) -> int:
    if end and t == time(0):
        return 24 * 60
    return t.hour * 60 + t.minute


def _weekday_name(weekday: int) -> str:
    return str(Weekday(weekday).label)


def check_periods(periods: Sequence[PeriodIn], field: str = "periods") -> list[str]:
    """Messages for periods that end before they start or overlap on the same day."""
    errors: list[str] = []
    by_day: dict[int, list[tuple[int, int, PeriodIn]]] = {}
    for p in periods:
        if p.weekday not in Weekday.values:
            errors.append(_("Hari %(day)s tidak dikenal.") % {"day": p.weekday})
            continue
        a, b = _minute(p.start, end=False), _minute(p.end, end=True)
        if b <= a:
            errors.append(
                _("%(day)s: jam selesai %(end)s harus setelah jam mulai %(start)s.")
                % {
                    "day": _weekday_name(p.weekday),
                    "start": f"{p.start:%H:%M}",
                    "end": f"{p.end:%H:%M}",
                }
            )
            continue
        by_day.setdefault(p.weekday, []).append((a, b, p))
    for weekday in sorted(by_day):
        rows = sorted(by_day[weekday], key=lambda r: (r[0], r[1]))
        for (_a1, b1, p1), (a2, _b2, p2) in pairwise(rows):
            if a2 < b1:
                errors.append(
                    _("%(day)s: %(one)s bertumpuk dengan %(two)s.")
                    % {
                        "day": _weekday_name(weekday),
                        "one": f"{p1.start:%H:%M}–{p1.end:%H:%M}",
                        "two": f"{p2.start:%H:%M}–{p2.end:%H:%M}",
                    }
                )
    return errors


def _check_targets(targets: Sequence[TargetIn], priorities: Iterable[int]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    seen: set[int] = set()
    labels = {
        "first_response": _("respons pertama"),
        "next_response": _("respons berikutnya"),
        "resolution": _("penyelesaian"),
    }
    for t in targets:
        prefix = f"target-{t.priority}"
        if t.priority not in (1, 2, 3, 4):
            add("targets", _("Prioritas P%(p)s tidak dikenal.") % {"p": t.priority})
            continue
        if t.priority in seen:
            add("targets", _("Target P%(p)s diisi dua kali.") % {"p": t.priority})
            continue
        seen.add(t.priority)
        for name, label in labels.items():
            value = getattr(t, name)
            if value < 0:
                add(
                    f"{prefix}-{name}",
                    _("P%(p)s: target %(what)s tidak boleh negatif.")
                    % {"p": t.priority, "what": label},
                )
            elif value == 0:
                add(
                    f"{prefix}-{name}",
                    _("P%(p)s: target %(what)s harus lebih dari 0 menit.")
                    % {"p": t.priority, "what": label},
                )
            elif value > MAX_TARGET_MINUTES:
                add(
                    f"{prefix}-{name}",
                    _("P%(p)s: target %(what)s lebih dari satu tahun.")
                    % {"p": t.priority, "what": label},
                )
        if 0 < t.resolution < t.first_response:
            add(
                f"{prefix}-resolution",
                _("P%(p)s: penyelesaian tidak boleh lebih cepat dari respons pertama.")
                % {"p": t.priority},
            )
    if not targets:
        add("targets", _("Isi target untuk sedikitnya satu prioritas."))
    missing = sorted(set(priorities) - seen)
    if missing and targets:
        add(
            "priorities",
            _("Prioritas %(list)s dipilih sebagai syarat tetapi tidak punya target.")
            % {"list": ", ".join(f"P{p}" for p in missing)},
        )
    return errors


# --- snapshots for the audit log ------------------------------------------------------------


def policy_snapshot(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "position": policy.position,
        "active": policy.active,
        "calendar": policy.calendar_id,
        "team": policy.team_id,
        "channels": list(policy.channels),
        "priorities": list(policy.priorities),
        "loyalty_tiers": list(policy.loyalty_tiers),
        "categories": list(policy.categories),
        "targets": {
            f"P{t.priority}": [
                t.first_response_minutes,
                t.next_response_minutes,
                t.resolution_minutes,
            ]
            for t in SlaTarget.objects.filter(policy=policy).order_by("priority")
        },
    }


def calendar_snapshot(calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "around_the_clock": calendar.around_the_clock,
        "national_holidays": calendar.national_holidays,
        "periods": [
            f"{p.weekday} {p.start:%H:%M}-{p.end:%H:%M}"
            for p in WorkingPeriod.objects.filter(calendar=calendar).order_by("weekday", "start")
        ],
    }


def special_snapshot(special: SpecialPeriod) -> dict[str, Any]:
    return {
        "calendar": special.calendar_id,
        "name": special.name,
        "start_date": special.start_date.isoformat(),
        "end_date": special.end_date.isoformat(),
        "hours": [
            f"{h.weekday} {h.start:%H:%M}-{h.end:%H:%M}"
            for h in SpecialHours.objects.filter(special=special).order_by("weekday", "start")
        ],
    }


def _record(
    actor: User | None,
    detail: str,
    model: str,
    object_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        SecurityKind.SETTINGS_CHANGED,
        actor=actor,
        detail=detail,
        data={"model": model, "object_id": object_id, "before": before, "after": after},
    )


# --- policies -------------------------------------------------------------------------------


@transaction.atomic
def policy_save(
    *,
    actor: User,
    policy: SlaPolicy | None,
    name: str,
    calendar: BusinessCalendar,
    team: Team | None,
    channels: Sequence[str] = (),
    priorities: Sequence[int] = (),
    loyalty_tiers: Sequence[str] = (),
    categories: Sequence[str] = (),
    targets: Sequence[TargetIn],
    active: bool = True,
) -> SlaPolicy:
    """Create (``policy`` None) or change an SLA policy and replace its targets. The
    severity and ticket-kind conditions, which the form does not show, are kept."""
    access.check_policy_change(actor, policy, team.pk if team else None)
    errors = _check_targets(targets, priorities)
    name = name.strip()
    if not name:
        errors.setdefault("name", []).append(_("Nama kebijakan wajib diisi."))
    elif (
        SlaPolicy.objects.filter(name__iexact=name).exclude(pk=policy.pk if policy else 0).exists()
    ):
        errors.setdefault("name", []).append(
            _("Sudah ada kebijakan SLA bernama “%(name)s”.") % {"name": name}
        )
    if errors:
        raise ValidationFailed(_("Kebijakan SLA belum disimpan: periksa isian."), fields=errors)
    before = None
    if policy is None:
        top = SlaPolicy.objects.aggregate(m=Max("position"))["m"] or 0
        policy = SlaPolicy(position=top + 10)
    else:
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        before = policy_snapshot(policy)
    policy.name = name
    policy.calendar = calendar
    policy.team = team
    policy.channels = sorted(set(channels))
    policy.priorities = sorted({int(p) for p in priorities})
    policy.loyalty_tiers = sorted(set(loyalty_tiers))
    policy.categories = sorted(set(categories))
    policy.active = active
    policy.save()
    wanted = {t.priority: t for t in targets}
    SlaTarget.objects.filter(policy=policy).exclude(priority__in=wanted).delete()
    existing = {t.priority: t for t in SlaTarget.objects.filter(policy=policy)}
    for priority, t in sorted(wanted.items()):
        row = existing.get(priority) or SlaTarget(policy=policy, priority=priority)
        values = (t.first_response, t.next_response, t.resolution)
        old = (row.first_response_minutes, row.next_response_minutes, row.resolution_minutes)
        if row.pk is not None and old == values:
            continue
        row.first_response_minutes, row.next_response_minutes, row.resolution_minutes = values
        row.save()
    after = policy_snapshot(policy)
    if after != before:
        done = (
            gettext_lazy("kebijakan SLA “%(name)s” dibuat")
            if before is None
            else gettext_lazy("kebijakan SLA “%(name)s” diubah")
        )
        _record(
            actor,
            said_in_default_language(done, name=name),
            "sla_policy",
            policy.pk,
            before,
            after,
        )
    return policy


@transaction.atomic
def policy_set_active(*, actor: User, policy: SlaPolicy, active: bool) -> SlaPolicy:
    access.check_policy_change(actor, policy, policy.team_id)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.active == active:
        return policy
    policy.active = active
    policy.save(update_fields=["active"])
    done = (
        gettext_lazy("kebijakan SLA “%(name)s” diaktifkan")
        if active
        else gettext_lazy("kebijakan SLA “%(name)s” dinonaktifkan")
    )
    _record(
        actor,
        said_in_default_language(done, name=policy.name),
        "sla_policy",
        policy.pk,
        {"active": not active},
        {"active": active},
    )
    return policy


@transaction.atomic
def policy_move(*, actor: User, policy: SlaPolicy, up: bool) -> SlaPolicy:
    """Move a policy one place up or down in the order (the first matching active policy
    wins). Positions are renumbered 10, 20, … and only the rows whose number changes are
    saved."""
    access.check_policy_change(actor, policy, policy.team_id)
    rows = list(SlaPolicy.objects.select_for_update().order_by("position", "id"))
    index = next(i for i, p in enumerate(rows) if p.pk == policy.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return rows[index]
    before = [p.pk for p in rows]
    rows[index], rows[other] = rows[other], rows[index]
    for i, row in enumerate(rows):
        if row.position != (i + 1) * 10:
            row.position = (i + 1) * 10
            row.save(update_fields=["position"])
    moved = rows[other]
    _record(
        actor,
        said_in_default_language(
            gettext_lazy("urutan kebijakan SLA “%(name)s” diubah"), name=moved.name
        ),
        "sla_policy",
        moved.pk,
        {"order": before},
        {"order": [p.pk for p in rows]},
    )
    return moved


@transaction.atomic
def policy_delete(*, actor: User, policy: SlaPolicy) -> None:
    access.check_policy_change(actor, policy, policy.team_id)
    before = policy_snapshot(policy)
    pk = policy.pk
    policy.delete()
    _record(
        actor,
        said_in_default_language(
            gettext_lazy("kebijakan SLA “%(name)s” dihapus"), name=before["name"]
        ),
        "sla_policy",
        pk,
        before,
        None,
    )


# --- calendars ------------------------------------------------------------------------------


@transaction.atomic
def calendar_save(
    *,
    actor: User,
    calendar: BusinessCalendar | None,
    name: str,
    time_zone: str,
    around_the_clock: bool,
    national_holidays: bool,
    periods: Sequence[PeriodIn],
) -> BusinessCalendar:
    """Create or change a business calendar and replace its weekly hours (split shifts are
    several periods on one day)."""
    access.check_admin(actor)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Nama kalender wajib diisi.")]
    elif (
        BusinessCalendar.objects.filter(name__iexact=name)
        .exclude(pk=calendar.pk if calendar else 0)
        .exists()
    ):
        errors["name"] = [_("Sudah ada kalender bernama “%(name)s”.") % {"name": name}]
    if time_zone not in TimeZone.values:
        errors["time_zone"] = [_("Zona waktu harus WIB, WITA atau WIT.")]
    period_errors = check_periods(periods)
    if period_errors:
        errors["periods"] = period_errors
    elif not around_the_clock and not periods:
        errors["periods"] = [_("Isi jam kerja untuk sedikitnya satu hari, atau pilih 24 jam.")]
    if errors:
        raise ValidationFailed(_("Kalender belum disimpan: periksa isian."), fields=errors)
    before = None
    if calendar is None:
        calendar = BusinessCalendar()
    else:
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        before = calendar_snapshot(calendar)
    calendar.name = name
    calendar.time_zone = time_zone
    calendar.around_the_clock = around_the_clock
    calendar.national_holidays = national_holidays
    calendar.save()
    wanted = sorted((p.weekday, p.start, p.end) for p in periods)
    have = sorted(
        WorkingPeriod.objects.filter(calendar=calendar).values_list("weekday", "start", "end")
    )
    if wanted != have:
        WorkingPeriod.objects.filter(calendar=calendar).delete()
        WorkingPeriod.objects.bulk_create(
            [WorkingPeriod(calendar=calendar, weekday=w, start=s, end=e) for w, s, e in wanted]
        )
        # bulk_create sends no post_save: say it once through the calendar itself
        calendar.save(update_fields=["name"])
    after = calendar_snapshot(calendar)
    if after != before:
        done = (
            gettext_lazy("kalender kerja “%(name)s” dibuat")
            if before is None
            else gettext_lazy("kalender kerja “%(name)s” diubah")
        )
        _record(
            actor,
            said_in_default_language(done, name=name),
            "business_calendar",
            calendar.pk,
            before,
            after,
        )
    return calendar


@transaction.atomic
def special_period_save(
    *,
    actor: User,
    calendar: BusinessCalendar,
    special: SpecialPeriod | None,
    name: str,
    start_date: date,
    end_date: date,
    hours: Sequence[PeriodIn],
) -> SpecialPeriod:
    """Days with their own hours (Ramadan): the calendar's weekly hours are replaced by
    ``hours`` from ``start_date`` to ``end_date``; a weekday without hours is a day off."""
    access.check_admin(actor)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Nama periode wajib diisi.")]
    if end_date < start_date:
        errors["end_date"] = [
            _("Tanggal selesai %(end)s sebelum tanggal mulai %(start)s.")
            % {"end": f"{end_date:%d-%m-%Y}", "start": f"{start_date:%d-%m-%Y}"}
        ]
    else:
        clash = (
            SpecialPeriod.objects.filter(
                calendar=calendar, start_date__lte=end_date, end_date__gte=start_date
            )
            .exclude(pk=special.pk if special else 0)
            .first()
        )
        if clash is not None:
            errors["start_date"] = [
                _("Bertumpuk dengan periode khusus “%(name)s” (%(start)s s.d. %(end)s).")
                % {
                    "name": clash.name,
                    "start": f"{clash.start_date:%d-%m-%Y}",
                    "end": f"{clash.end_date:%d-%m-%Y}",
                }
            ]
    hour_errors = check_periods(hours)
    if hour_errors:
        errors["hours"] = hour_errors
    if errors:
        raise ValidationFailed(_("Periode khusus belum disimpan: periksa isian."), fields=errors)
    before = None
    if special is None:
        special = SpecialPeriod(calendar=calendar)
    else:
        special = SpecialPeriod.objects.select_for_update().get(pk=special.pk, calendar=calendar)
        before = special_snapshot(special)
    special.name = name
    special.start_date = start_date
    special.end_date = end_date
    special.save()
    SpecialHours.objects.filter(special=special).delete()
    SpecialHours.objects.bulk_create(
        [
            SpecialHours(special=special, weekday=h.weekday, start=h.start, end=h.end)
            for h in sorted(hours, key=lambda h: (h.weekday, h.start))
        ]
    )
    special.save(update_fields=["name"])  # the hours changed: reload the book once more
    after = special_snapshot(special)
    if after != before:
        done = (
            gettext_lazy("periode khusus “%(name)s” dibuat")
            if before is None
            else gettext_lazy("periode khusus “%(name)s” diubah")
        )
        _record(
            actor,
            said_in_default_language(done, name=name),
            "special_period",
            special.pk,
            before,
            after,
        )
    return special


@transaction.atomic
def special_period_delete(*, actor: User, special: SpecialPeriod) -> None:
    access.check_admin(actor)
    before = special_snapshot(special)
    pk = special.pk
    special.delete()
    _record(
        actor,
        said_in_default_language(
            gettext_lazy("periode khusus “%(name)s” dihapus"), name=special.name
        ),
        "special_period",
        pk,
        before,
        None,
    )


# --- holidays -------------------------------------------------------------------------------


def _holiday_snapshot(h: Holiday) -> dict[str, Any]:
    return {
        "date": h.date.isoformat(),
        "name": h.name,
        "kind": h.kind,
        "calendar": h.calendar_id,
    }


@transaction.atomic
def holiday_add(
    *,
    actor: User,
    day: date,
    name: str,
    calendar: BusinessCalendar | None,
    kind: str = HolidayKind.COMPANY,
) -> Holiday:
    """A day off, for one calendar or (``calendar`` None) for every calendar that keeps the
    national holidays: a company day, or a national holiday or cuti bersama the data does
    not have yet (an estimate corrected by the government's decree)."""
    access.check_admin(actor)
    errors: dict[str, list[str]] = {}
    if kind not in HolidayKind.values:
        errors["kind"] = [_("Jenis hari libur tidak dikenal.")]
    elif kind != HolidayKind.COMPANY and calendar is not None:
        errors["calendar"] = [
            _("Libur nasional dan cuti bersama berlaku untuk semua kalender: kosongkan kalender.")
        ]
    name = name.strip()
    if not name:
        errors["name"] = [_("Nama hari libur wajib diisi.")]
    same_day = Holiday.objects.filter(date=day, calendar=calendar).first()
    if same_day is not None:
        errors["date"] = [
            _("%(date)s sudah hari libur: %(name)s.")
            % {"date": f"{day:%d-%m-%Y}", "name": same_day.name}
        ]
    if errors:
        raise ValidationFailed(_("Hari libur belum disimpan: periksa isian."), fields=errors)
    holiday = Holiday.objects.create(date=day, name=name, kind=kind, calendar=calendar)
    _record(
        actor,
        said_in_default_language(gettext_lazy("hari libur “%(name)s” ditambahkan"), name=name),
        "holiday",
        holiday.pk,
        None,
        _holiday_snapshot(holiday),
    )
    return holiday


@transaction.atomic
def holiday_delete(*, actor: User, holiday: Holiday) -> None:
    access.check_admin(actor)
    before = _holiday_snapshot(holiday)
    pk = holiday.pk
    holiday.delete()
    _record(
        actor,
        said_in_default_language(
            gettext_lazy("hari libur “%(name)s” dihapus"), name=before["name"]
        ),
        "holiday",
        pk,
        before,
        None,
    )


@transaction.atomic
def holidays_import(*, actor: User | None, years: Sequence[int]) -> int:
    """National holidays and cuti bersama of ``years`` from the ``holidays`` data (the
    ones already there are kept as they are: an admin may have corrected an estimate).
    ``actor`` None is a command run on the server."""
    if actor is not None:
        access.check_admin(actor)
    wrong = [y for y in years if not HOLIDAY_YEARS[0] <= y <= HOLIDAY_YEARS[1]]
    if wrong or not years:
        raise ValidationFailed(
            _("Tahun harus antara %(a)s dan %(b)s.")
            % {"a": HOLIDAY_YEARS[0], "b": HOLIDAY_YEARS[1]},
            fields={
                "year": [
                    _("Tahun harus antara %(a)s dan %(b)s.")
                    % {"a": HOLIDAY_YEARS[0], "b": HOLIDAY_YEARS[1]}
                ]
            },
        )
    have = set(
        Holiday.objects.filter(calendar=None, date__year__in=years).values_list("date", "name")
    )
    new = [
        Holiday(date=day, name=name, kind=kind, calendar=None)
        for day, name, kind in indonesian_holidays(tuple(years))
        if (day, name) not in have
    ]
    for holiday in new:  # saved one by one: each save tells the policy book
        holiday.save()
    if new:
        _record(
            actor,
            said_in_default_language(
                gettext_lazy("%(count)d hari libur nasional %(years)s ditambahkan"),
                count=len(new),
                years=", ".join(map(str, years)),
            ),
            "holiday",
            None,
            None,
            {"years": list(years), "added": [f"{h.date:%Y-%m-%d} {h.name}" for h in new]},
        )
    return len(new)


# --- time rules (remind after N hours, close N days after resolved) -----------------------

MAX_REMIND_HOURS = 720  # 30 days
MAX_CLOSE_DAYS = 90


def access_policy(user: User, policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("Kebijakan SLA tidak ditemukan."))
    if not access.may_change_policy(user, policy):
        raise PermissionDenied(_("Supervisor hanya dapat mengatur kebijakan SLA timnya sendiri."))
    return policy


@transaction.atomic
def policy_time_rules_set(
    *,
    actor: User,
    policy: SlaPolicy,
    remind_after_hours: int | None,
    auto_close_days: int | None,
) -> SlaPolicy:
    """``None``: the server's default for that rule."""
    policy = access_policy(actor, policy.pk)
    errors: dict[str, list[str]] = {}
    if remind_after_hours is not None and not 1 <= remind_after_hours <= MAX_REMIND_HOURS:
        errors["remind_after_hours"] = [
            _("Pengingat antara 1 dan %(n)d jam.") % {"n": MAX_REMIND_HOURS}
        ]
    if auto_close_days is not None and not 1 <= auto_close_days <= MAX_CLOSE_DAYS:
        errors["auto_close_days"] = [
            _("Tutup otomatis antara 1 dan %(n)d hari.") % {"n": MAX_CLOSE_DAYS}
        ]
    if errors:
        raise ValidationFailed(_("Aturan waktu belum benar."), fields=errors)
    before = {
        "remind_after_hours": policy.remind_after_hours,
        "auto_close_days": policy.auto_close_days,
    }
    after = {"remind_after_hours": remind_after_hours, "auto_close_days": auto_close_days}
    if before == after:
        return policy
    SlaPolicy.objects.filter(pk=policy.pk).update(**after)
    policy.remind_after_hours = remind_after_hours
    policy.auto_close_days = auto_close_days
    audit.record(
        SecurityKind.SETTINGS_CHANGED,
        actor=actor,
        detail=said_in_default_language(
            gettext_lazy("aturan waktu kebijakan SLA “%(name)s” diubah"), name=policy.name
        ),
        data={"model": "sla.slapolicy", "id": policy.pk, "before": before, "after": after},
    )
    return policy
