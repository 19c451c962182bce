"""Forms of the service-level settings (``/settings/sla/``): conditions and times chosen
from lists and typed as hours and minutes, never as JSON. They only parse; the rules
(overlaps, negative targets, who may change what) are ``sla.services``'."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team
from sigap.customers.models import LoyaltyTier
from sigap.sla.ladder import LevelIn
from sigap.sla.models import (
    BusinessCalendar,
    EscalationAudience,
    HolidayKind,
    TimeZone,
    Weekday,
)
from sigap.sla.services import PeriodIn, TargetIn
from sigap.tickets.models import Category, Channel, Priority

PRIORITIES = (1, 2, 3, 4)
TARGETS = (
    ("first_response", _("Respons pertama")),
    ("next_response", _("Respons berikutnya")),
    ("resolution", _("Penyelesaian")),
)
SHIFTS = 3  # periods a day: a split shift is two, e.g. 08:00-12:00 and 13:00-17:00


def _number(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"class": "short", "step": 1}),
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Nama kebijakan"), max_length=120)
    calendar = forms.ModelChoiceField(
        label=_("Kalender kerja"), queryset=BusinessCalendar.objects.order_by("name")
    )
    team = forms.ModelChoiceField(
        label=_("Tim"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("Semua tim"),
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("Prioritas"),
        choices=[(p.value, p.label) for p in Priority],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tanpa centang: semua."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Saluran"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tanpa centang: semua."),
    )
    loyalty_tiers = forms.MultipleChoiceField(
        label=_("Tingkat pelanggan"),
        choices=LoyaltyTier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tanpa centang: semua."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Golongan keluhan"),
        choices=[(c.value, c.label) for c in Category if c.value],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tanpa centang: semua."),
    )
    active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:  # a supervisor: only their teams, and a team is required
            field = self.fields["team"]
            field.queryset = teams  # type: ignore[attr-defined]
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]
        for p in PRIORITIES:
            for key, label in TARGETS:
                self.fields[f"p{p}_{key}_h"] = _number(f"P{p} {label} ({_('jam')})")
                self.fields[f"p{p}_{key}_m"] = _number(f"P{p} {label} ({_('menit')})")

    def target_rows(self) -> list[dict[str, Any]]:
        """The targets table: one row per priority, an hours and a minutes box per target."""
        return [
            {
                "priority": p,
                "cells": [
                    (label, self[f"p{p}_{key}_h"], self[f"p{p}_{key}_m"]) for key, label in TARGETS
                ],
            }
            for p in PRIORITIES
        ]

    def target_fields(self) -> set[str]:
        return {f"p{p}_{key}_{u}" for p in PRIORITIES for key, _l in TARGETS for u in "hm"}

    def targets(self) -> list[TargetIn]:
        """A priority whose boxes are all empty has no target; a blank box next to a
        filled one counts as 0."""
        data = self.cleaned_data
        out: list[TargetIn] = []
        for p in PRIORITIES:
            values = {}
            filled = False
            for key, _label in TARGETS:
                h, m = data.get(f"p{p}_{key}_h"), data.get(f"p{p}_{key}_m")
                filled = filled or h is not None or m is not None
                hours, minutes = h or 0, m or 0
                # a negative in either box makes the whole target negative
                values[key] = (
                    -(abs(hours) * 60 + abs(minutes))
                    if hours < 0 or minutes < 0
                    else hours * 60 + minutes
                )
            if filled:
                out.append(TargetIn(p, **values))
        return out

    @staticmethod
    def initial_targets(targets: Any) -> dict[str, int]:
        initial: dict[str, int] = {}
        for t in targets:
            for key, _label in TARGETS:
                minutes = getattr(t, f"{key}_minutes")
                initial[f"p{t.priority}_{key}_h"] = minutes // 60
                initial[f"p{t.priority}_{key}_m"] = minutes % 60
        return initial


class HoursForm(forms.Form):
    """A week of working hours: up to ``SHIFTS`` periods per weekday."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            for i in range(SHIFTS):
                for end in ("start", "end"):
                    what = _("mulai") if end == "start" else _("selesai")
                    self.fields[f"d{day.value}_{i}_{end}"] = forms.TimeField(
                        label=f"{day.label} {i + 1} {what}",
                        required=False,
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    def day_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "day": day,
                "shifts": [
                    (self[f"d{day.value}_{i}_start"], self[f"d{day.value}_{i}_end"])
                    for i in range(SHIFTS)
                ],
            }
            for day in Weekday
        ]

    def periods(self) -> list[PeriodIn]:
        out: list[PeriodIn] = []
        for day in Weekday:
            for i in range(SHIFTS):
                start = self.cleaned_data.get(f"d{day.value}_{i}_start")
                end = self.cleaned_data.get(f"d{day.value}_{i}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        f"d{day.value}_{i}_{'start' if start is None else 'end'}",
                        _("%(day)s: isi jam mulai dan jam selesai.") % {"day": day.label},
                    )
                    continue
                out.append(PeriodIn(day.value, start, end))
        return out

    @staticmethod
    def initial_from(rows: Any) -> dict[str, time]:
        initial: dict[str, time] = {}
        count: dict[int, int] = {}
        for row in rows:
            i = count.get(row.weekday, 0)
            if i >= SHIFTS:
                continue
            count[row.weekday] = i + 1
            initial[f"d{row.weekday}_{i}_start"] = row.start
            initial[f"d{row.weekday}_{i}_end"] = row.end
        return initial


class CalendarForm(HoursForm):
    name = forms.CharField(label=_("Nama kalender"), max_length=100)
    time_zone = forms.ChoiceField(label=_("Zona waktu"), choices=TimeZone.choices)
    around_the_clock = forms.BooleanField(
        label=_("24 jam setiap hari"),
        required=False,
        help_text=_("Jam kerja dan hari libur diabaikan."),
    )
    national_holidays = forms.BooleanField(
        label=_("Libur nasional dan cuti bersama berlaku"), required=False, initial=True
    )

    field_order = ["name", "time_zone", "around_the_clock", "national_holidays"]


class SpecialPeriodForm(HoursForm):
    name = forms.CharField(label=_("Nama periode"), max_length=120, initial=_("Jam kerja Ramadan"))
    start_date = forms.DateField(
        label=_("Dari tanggal"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Sampai tanggal"), widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["name", "start_date", "end_date"]


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Tanggal"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Nama"), max_length=150)
    kind = forms.ChoiceField(
        label=_("Jenis"), choices=HolidayKind.choices, initial=HolidayKind.COMPANY
    )
    calendar = forms.ModelChoiceField(
        label=_("Kalender"),
        queryset=BusinessCalendar.objects.order_by("name"),
        required=False,
        empty_label=_("Semua kalender yang mengikuti libur nasional"),
    )


class HolidayImportForm(forms.Form):
    year = forms.IntegerField(label=_("Tahun"))


class PreviewForm(forms.Form):
    """The sample ticket of the preview: who, where, how urgent, which team."""

    tier = forms.ChoiceField(label=_("Pelanggan"), choices=LoyaltyTier.choices, required=False)
    channel = forms.ChoiceField(label=_("Saluran"), choices=Channel.choices, required=False)
    priority = forms.TypedChoiceField(
        label=_("Prioritas"),
        choices=[("", _("Otomatis"))] + [(p.value, p.label) for p in Priority],
        coerce=int,
        empty_value=None,
        required=False,
    )
    category = forms.ChoiceField(label=_("Golongan"), choices=Category.choices, required=False)
    team = forms.ModelChoiceField(
        label=_("Tim"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("Tanpa tim"),
    )


class EscalationLevelForm(forms.Form):
    """One rung of the escalation ladder (``sla.ladder``); the rows' order is the
    ladder's."""

    name = forms.CharField(label=_("Nama"), max_length=80)
    after_minutes = forms.IntegerField(
        label=_("Menit sejak tenggat terlampaui"),
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "short", "step": 1}),
    )
    audience = forms.ChoiceField(label=_("Dieskalasi ke"), choices=EscalationAudience.choices)
    user = forms.TypedChoiceField(
        label=_("Pengguna tertentu"), required=False, coerce=int, empty_value=None
    )
    reassign = forms.BooleanField(label=_("Jadikan penanggung jawab"), required=False)
    active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["user"]
        field.choices = [("", "—"), *staff]
        for f in self.fields.values():  # drawn as a table row: the label is the column's
            f.widget.attrs.setdefault("aria-label", str(f.label))

    def level(self) -> LevelIn:
        data = self.cleaned_data
        return LevelIn(
            name=data["name"],
            after_minutes=data["after_minutes"],
            audience=data["audience"],
            user_id=data["user"],
            reassign=data["reassign"],
            active=data["active"],
        )


EscalationFormSet = forms.formset_factory(EscalationLevelForm, extra=1, can_delete=True)
