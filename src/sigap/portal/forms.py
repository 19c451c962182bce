from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from sigap.core.forms import MultipleFileField
from sigap.tickets.models import Kind


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Nama lengkap"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(
        label=_("Nomor HP (opsional)"),
        required=False,
        max_length=30,
        help_text=_("Contoh: 0812 3456 7890"),
    )
    password = forms.CharField(label=_("Kata sandi"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"), widget=forms.PasswordInput, strip=False
    )

    def clean_email(self) -> str:
        # whether the address has an account is not said here (the sign-up view mails its
        # owner instead): the form would tell anyone which addresses are customers
        email: str = self.cleaned_data["email"].strip().lower()
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("Kata sandi tidak sama."))
        elif data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class SignInForm(forms.Form):
    """A customer signs in with the email address of the account, not a user name."""

    email = forms.EmailField(
        label=_("Email"),
        error_messages={
            "invalid": _(
                "Tulis alamat email Anda (contoh: nama@contoh.id). Petugas masuk dengan nama "
                "pengguna di halaman masuk petugas."
            )
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        return email


class MagicLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email"))


class NewTicketForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis"), choices=Kind.choices, initial=Kind.COMPLAINT)
    subject = forms.CharField(label=_("Judul singkat"), max_length=255)
    description = forms.CharField(
        label=_("Ceritakan masalahnya"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Apa yang terjadi, kapan, nomor pesanan bila ada, dan apa harapan Anda."),
    )
    attachments = MultipleFileField(label=_("Lampiran (foto, bukti transfer)"), required=False)
    # this form's visit, to tell the articles opened from its suggestions that it was filed
    deflection = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)


class PortalReplyForm(forms.Form):
    body = forms.CharField(label=_("Balasan Anda"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Lampiran"), required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Mengapa Anda menolak? Apa yang Anda harapkan?"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FormalEscalationForm(forms.Form):
    words = forms.CharField(
        label=_("Teguran Anda"),
        help_text=_(
            "Tuliskan dengan kata-kata Anda sendiri. Teguran ini langsung diteruskan ke "
            "supervisor kami."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
