"""The staff sign-in form: Django's, with a refusal of our own (the Indonesian catalog of
Django says "Masukkan nama pengguna nama pengguna…", doubling the field's name)."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah. Huruf besar dan kecil dibedakan."),
    }
