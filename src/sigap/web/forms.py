"""Forms of the agent workspace. Labels and messages in Indonesian (the source language)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team
from sigap.core.forms import MultipleFileField
from sigap.tickets.models import (
    CannedResponse,
    Category,
    Channel,
    CompensationType,
    Kind,
    Priority,
    Severity,
    Status,
)


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis"),
        choices=[("reply", _("Balasan ke pelanggan")), ("note", _("Catatan internal"))],
        initial="reply",
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label=_("Pesan"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Lampiran"), required=False)
    # Filled by sigap.js: seconds from the agent starting on the reply to sending it (AHT).
    handle_seconds = forms.IntegerField(
        required=False, min_value=0, max_value=4 * 3600, widget=forms.HiddenInput
    )


class RecordForm(forms.Form):
    facts = forms.CharField(
        label=_("Fakta dan kronologi"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Data pelanggan, kejadian, waktu, dan apa yang sudah dicoba."),
    )


class ConfirmForm(forms.Form):
    restatement = forms.CharField(
        label=_("Pernyataan ulang inti masalah"), widget=forms.Textarea(attrs={"rows": 3})
    )
    customer_confirmed = forms.BooleanField(
        label=_("Pelanggan membenarkan pernyataan ini"), required=False
    )
    customer_response = forms.CharField(
        label=_("Tanggapan pelanggan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApologyForm(forms.Form):
    recognition = forms.CharField(
        label=_("Pengakuan (Recognition)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    responsibility = forms.CharField(
        label=_("Tanggung jawab (Responsibility)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    remorse = forms.CharField(
        label=_("Penyesalan (Remorse)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    restitution = forms.CharField(
        label=_("Perbaikan (Restitution)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    repetition = forms.CharField(
        label=_("Tidak terulang (Repetition)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ProposalForm(forms.Form):
    summary = forms.CharField(
        label=_("Usulan penyelesaian"), widget=forms.Textarea(attrs={"rows": 3})
    )
    compensation_type = forms.ChoiceField(
        label=_("Kompensasi"), choices=CompensationType.choices, initial=CompensationType.NONE
    )
    compensation_amount = forms.IntegerField(
        label=_("Nilai kompensasi (Rp)"), min_value=0, initial=0, required=False
    )


class TransferForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Tim tujuan"), queryset=Team.objects.order_by("name"))
    reason = forms.CharField(label=_("Alasan pengalihan"), widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("Status baru"), choices=Status.choices)
    reason = forms.CharField(label=_("Alasan"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(forms.Form):
    thanks = forms.CharField(
        label=_("Ucapan terima kasih ke pelanggan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(label=_("Alasan (bila belum selesai)"), required=False)


def _choices(enum: Any, blank: bool = False) -> list[tuple[Any, Any]]:
    return [(v, label) for v, label in enum.choices if blank or v != ""]


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False, max_length=200)
    status = forms.MultipleChoiceField(label=_("Status"), choices=Status.choices, required=False)
    channel = forms.MultipleChoiceField(label=_("Saluran"), choices=Channel.choices, required=False)
    category = forms.MultipleChoiceField(
        label=_("Golongan"), choices=_choices(Category), required=False
    )
    severity = forms.MultipleChoiceField(
        label=_("Tingkat"), choices=_choices(Severity), required=False
    )
    priority = forms.TypedMultipleChoiceField(
        label=_("Prioritas"), choices=Priority.choices, coerce=int, required=False
    )
    kind = forms.MultipleChoiceField(label=_("Jenis"), choices=Kind.choices, required=False)
    team = forms.TypedMultipleChoiceField(label=_("Tim"), coerce=int, required=False)
    assignee = forms.TypedMultipleChoiceField(
        label=_("Penanggung jawab"), coerce=int, required=False
    )
    tag = forms.CharField(label=_("Label"), required=False, max_length=50)
    customer = forms.IntegerField(label=_("Pelanggan (ID)"), required=False, min_value=1)

    def __init__(
        self, *args: Any, teams: list[tuple[int, str]], staff: list[tuple[int, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["team"].choices = teams  # type: ignore[attr-defined]
        self.fields["assignee"].choices = staff  # type: ignore[attr-defined]


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Tetapkan penanggung jawab")),
        ("status", _("Ubah status")),
        ("tag", _("Tambah label")),
    ]
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    action = forms.ChoiceField(label=_("Tindakan"), choices=ACTIONS)
    assignee = forms.IntegerField(required=False)
    status = forms.ChoiceField(choices=[("", "—"), *Status.choices], required=False)
    tag = forms.SlugField(required=False, allow_unicode=True, max_length=50)
    reason = forms.CharField(required=False, max_length=500)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args: Any, ticket_ids: list[int] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        ids = ticket_ids or []
        self.fields["tickets"].choices = [(i, i) for i in ids]  # type: ignore[attr-defined]


class CannedForm(forms.ModelForm[CannedResponse]):
    class Meta:
        model = CannedResponse
        fields = ["title", "purpose", "team", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class TeamForm(forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ["name", "slug", "supervisor", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}


class FulfilForm(forms.Form):
    """The compensation of an accepted proposal: given (with its code or reference) or not."""

    proposal = forms.IntegerField(widget=forms.HiddenInput)
    given = forms.ChoiceField(
        label=_("Kompensasi"),
        choices=[("yes", _("Sudah diberikan")), ("no", _("Belum dapat diberikan"))],
        initial="yes",
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("Kode voucher / nomor referensi"),
        max_length=120,
        required=False,
        help_text=_("Wajib untuk voucher, kupon diskon dan pengembalian dana."),
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wajib bila belum dapat diberikan: sebutkan alasannya."),
    )


class ApprovalRuleForm(forms.Form):
    """A team's approval rule, on the team settings page (``tickets.approval``)."""

    own_rule = forms.BooleanField(
        label=_("Tim ini memakai aturan persetujuan sendiri"),
        required=False,
        help_text=_("Tanpa centang: aturan bawaan berlaku."),
    )
    severities = forms.MultipleChoiceField(
        label=_("Perlu persetujuan supervisor pada tingkat keluhan"),
        choices=[(s.value, s.label) for s in Severity if s.value],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    amount_threshold = forms.IntegerField(
        label=_("Perlu persetujuan bila nilai kompensasi ≥ (Rp)"),
        min_value=1,
        required=False,
        help_text=_("Kosongkan bila nilai kompensasi tidak menentukan."),
    )
