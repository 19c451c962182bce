"""Forms of the agent workspace. Labels and messages in Indonesian (the source language)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Role, Team, User
from sigap.core.forms import MultipleFileField
from sigap.customers.models import CustomerKind, Temperament
from sigap.tickets.models import (
    CannedResponse,
    Category,
    Channel,
    CompensationType,
    ComplainerGoal,
    ComplainerType,
    Kind,
    Priority,
    ResponseType,
    RootCause,
    Severity,
    Status,
)
from sigap.triage.models import Strategy

_TAG = re.compile(r"[-\w]+")  # a Tag's name is a unicode slug


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis"),
        choices=[("reply", _("Balasan ke pelanggan")), ("note", _("Catatan internal"))],
        initial="reply",
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Pesan"),
        # notifications.js: "@" suggests colleagues who may see the ticket (in notes)
        widget=forms.Textarea(attrs={"rows": 5, "data-mentions": ""}),
    )
    attachments = MultipleFileField(label=_("Lampiran"), required=False)
    # Filled by sigap.js: seconds from the agent starting on the reply to sending it (AHT).
    handle_seconds = forms.IntegerField(
        required=False, min_value=0, max_value=4 * 3600, widget=forms.HiddenInput
    )
    # The newest message on the ticket when the page was drawn: a message from the customer
    # or another person after it stops a blind send (the agent reads it, then sends).
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # "Kirim + ubah status": the page offers only the moves allowed now (``transitions.moves``).
    then = forms.ChoiceField(
        label=_("Setelah terkirim"),
        required=False,
        choices=[
            ("", _("Kirim")),
            (Status.WAITING_CUSTOMER, _("Kirim + menunggu pelanggan")),
            (Status.IN_PROGRESS, _("Kirim + diproses")),
            (Status.RESOLVED, _("Kirim + selesai")),
        ],
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


class ClassifyForm(forms.Form):
    """The ticket's classification and its customer's profile, changed through the
    services (``ticket_update`` with ``version``; ``ticket_customer_update`` with
    ``customer_version``)."""

    category = forms.ChoiceField(label=_("Golongan"), choices=Category.choices, required=False)
    severity = forms.ChoiceField(label=_("Tingkat"), choices=Severity.choices, required=False)
    priority = forms.TypedChoiceField(label=_("Prioritas"), choices=Priority.choices, coerce=int)
    tags = forms.CharField(
        label=_("Label"),
        required=False,
        max_length=500,
        help_text=_("Pisahkan dengan koma."),
    )
    complainer_type = forms.ChoiceField(
        label=_("Tipe pengeluh"), choices=ComplainerType.choices, required=False
    )
    complainer_goal = forms.ChoiceField(
        label=_("Tujuan keluhan"), choices=ComplainerGoal.choices, required=False
    )
    response_type = forms.ChoiceField(
        label=_("Respons ketidakpuasan"), choices=ResponseType.choices, required=False
    )
    root_cause = forms.ChoiceField(
        label=_("Penyebab keluhan"), choices=RootCause.choices, required=False
    )
    product = forms.CharField(
        label=_("Produk"),
        required=False,
        max_length=100,
        help_text=_("Sebagaimana bisnis menamainya, mis. “Paket Hemat 10GB”."),
    )
    customer_kind = forms.ChoiceField(label=_("Jenis pelanggan"), choices=CustomerKind.choices)
    temperament = forms.ChoiceField(
        label=_("Temperamen pelanggan"), choices=Temperament.choices, required=False
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    customer_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean_tags(self) -> list[str]:
        raw = str(self.cleaned_data.get("tags") or "")
        names = sorted({t.strip().lower() for t in raw.split(",") if t.strip()})
        bad = [n for n in names if not _TAG.fullmatch(n)]
        if bad:
            raise forms.ValidationError(
                _("Label hanya boleh huruf, angka, tanda hubung dan garis bawah: %(bad)s"),
                params={"bad": ", ".join(bad)},
            )
        if any(len(n) > 50 for n in names):
            raise forms.ValidationError(_("Satu label paling panjang 50 karakter."))
        return names


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Penanggung jawab"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        empty_label=_("— belum ada —"),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


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
    brand = forms.MultipleChoiceField(label=_("Merek"), required=False)
    # the fields whose choices each form gets (the teams, the staff, the brands); the
    # others' are fixed (the inbox keeps their labels per language: web/views/inbox.py)
    DIRECTORY_FIELDS = ("team", "assignee", "brand")

    def __init__(
        self,
        *args: Any,
        teams: list[tuple[int, str]],
        staff: list[tuple[int, str]],
        brands: list[tuple[str, str]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["team"].choices = teams  # type: ignore[attr-defined]
        self.fields["assignee"].choices = staff  # type: ignore[attr-defined]
        if brands:  # several brands: filter by one (one brand: no such control)
            self.fields["brand"].choices = brands  # type: ignore[attr-defined]
        else:
            del self.fields["brand"]


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
    """A canned response; with any of the last four fields it is a macro (one click
    replies and changes the ticket)."""

    class Meta:
        model = CannedResponse
        fields = [
            "title",
            "purpose",
            "team",
            "body",
            "active",
            "set_status",
            "add_tags",
            "set_assignee",
            "set_team",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["set_assignee"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True)
            .exclude(role=Role.CUSTOMER)
            .order_by("first_name", "username")
        )
        self.fields["set_assignee"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.username
        )

    def clean_add_tags(self) -> str:
        tags = [t.strip() for t in self.cleaned_data["add_tags"].split(",") if t.strip()]
        for tag in tags:
            if len(tag) > 50 or not re.fullmatch(r"[\w-]+", tag):
                raise forms.ValidationError(
                    _("Label “%(tag)s” tidak valid: pakai huruf, angka, dan tanda minus saja.")
                    % {"tag": tag}
                )
        return ", ".join(tags)


class TeamForm(forms.ModelForm[Team]):
    # how new tickets are handed to the team's agents (``triage.profiles.team_strategy_set``);
    # left out of a post: unchanged
    strategy = forms.ChoiceField(
        label=_("Cara penugasan tiket"), choices=Strategy.choices, required=False
    )

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
