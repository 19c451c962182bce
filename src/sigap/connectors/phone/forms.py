from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team
from sigap.connectors.phone.models import Direction, Outcome


class CallStartForm(forms.Form):
    ticket = forms.IntegerField(required=False, widget=forms.HiddenInput)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    direction = forms.ChoiceField(label=_("Arah"), choices=Direction.choices)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("ticket") and not data.get("customer"):
            raise forms.ValidationError(_("Sebutkan tiket atau pelanggan."))
        return data


class CallFinishForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Hasil"), choices=[c for c in Outcome.choices if c[0] != Outcome.NONE]
    )
    team = forms.ModelChoiceField(
        label=_("Alihkan ke departemen"),
        queryset=Team.objects.order_by("name"),
        required=False,
    )
    reason = forms.CharField(label=_("Alasan pengalihan"), required=False, max_length=500)
    notes = forms.CharField(
        label=_("Catatan panggilan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MergeForm(forms.Form):
    target = forms.IntegerField(label=_("Pelanggan yang dipertahankan (ID)"), min_value=1)
    source = forms.IntegerField(label=_("Pelanggan yang digabungkan (ID)"), min_value=1)
