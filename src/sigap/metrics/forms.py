from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import STAFF_ROLES, Team, User
from sigap.customers.models import LoyaltyTier
from sigap.metrics.models import Frequency, ReportKind
from sigap.tickets.models import Category, Channel


class PeriodForm(forms.Form):
    """A period (a month, or two dates) and the filters every metric takes."""

    month = forms.CharField(
        label=_("Bulan"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )
    start = forms.DateField(
        label=_("Dari"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Sampai"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(Team.objects.all(), label=_("Tim"), required=False)
    agent = forms.ModelChoiceField(
        User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(username="sigap-otomasi"),
        label=_("Agen"),
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("Saluran"), choices=[("", "—"), *Channel.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Kategori"), choices=[("", "—"), *Category.choices[1:]], required=False
    )
    tier = forms.ChoiceField(
        label=_("Tingkat pelanggan"), choices=[("", "—"), *LoyaltyTier.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        month, start, end = data.get("month"), data.get("start"), data.get("end")
        if month:
            try:
                year, number = (int(x) for x in str(month).split("-"))
                date(year, number, 1)
            except ValueError:
                raise forms.ValidationError(_("Bulan tidak valid (TTTT-BB).")) from None
            data["year"], data["number"] = year, number
        elif start and end:
            if end < start:
                raise forms.ValidationError(_("Tanggal akhir sebelum tanggal awal."))
            if (end - start).days > 366:
                raise forms.ValidationError(_("Periode paling panjang satu tahun."))
        elif start or end:
            raise forms.ValidationError(_("Isi kedua tanggal, atau pilih bulan."))
        return data


class ReportForm(PeriodForm):
    kind = forms.ChoiceField(label=_("Jenis laporan"), choices=ReportKind.choices)


class SendForm(forms.Form):
    recipients = forms.CharField(
        label=_("Kirim ke (email, pisahkan dengan koma)"), widget=forms.TextInput()
    )

    def clean_recipients(self) -> list[str]:
        raw = [r.strip() for r in self.cleaned_data["recipients"].split(",") if r.strip()]
        field = forms.EmailField()
        for address in raw:
            field.clean(address)
        if not raw or len(raw) > 20:
            raise forms.ValidationError(_("Isi 1 sampai 20 alamat email."))
        return raw


class ScheduleForm(SendForm):
    kind = forms.ChoiceField(label=_("Jenis laporan"), choices=ReportKind.choices)
    frequency = forms.ChoiceField(label=_("Frekuensi"), choices=Frequency.choices)
