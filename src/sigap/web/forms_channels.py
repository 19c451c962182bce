"""The forms of the channels' settings pages (``views/channels.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sigap.connectors.models import Mailbox

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
MICROSOFT_AUTHORIZE_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
GOOGLE_SCOPE = "https://mail.google.com/"
MICROSOFT_SCOPE = (
    "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
)


def _secret(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=4096,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class MailboxForm(forms.ModelForm[Mailbox]):
    """A mailbox's settings; the secrets are typed, never shown back (empty: unchanged)."""

    password = _secret(
        _("Kata sandi"),
        _("Disimpan terenkripsi. Kosongkan untuk tetap memakai yang tersimpan."),
    )
    smtp_password = _secret(
        _("Kata sandi SMTP"), _("Kosongkan bila sama dengan kata sandi kotak surat.")
    )
    client_secret = _secret(_("Client secret OAuth2"))
    refresh_token = _secret(
        _("Refresh token OAuth2"),
        _("Dari aplikasi penyedia (Google Workspace, Microsoft 365); disimpan terenkripsi."),
    )

    oauth_token_url = forms.URLField(
        label=_("Alamat token OAuth2"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=_("Google Workspace: %(google)s — Microsoft 365: %(microsoft)s")
        % {"google": GOOGLE_TOKEN_URL, "microsoft": MICROSOFT_TOKEN_URL},
    )

    oauth_authorize_url = forms.URLField(
        label=_("Alamat persetujuan OAuth2"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=_("Google Workspace: %(google)s — Microsoft 365: %(microsoft)s")
        % {"google": GOOGLE_AUTHORIZE_URL, "microsoft": MICROSOFT_AUTHORIZE_URL},
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "protocol",
            "host",
            "port",
            "security",
            "username",
            "auth",
            "password_env",
            "folder",
            "oauth_authorize_url",
            "oauth_token_url",
            "oauth_scope",
            "oauth_client_id",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "sends_replies",
            "active",
        ]
        labels = {
            "protocol": _("Protokol surat masuk"),
            "host": _("Server surat masuk"),
            "port": _("Port"),
            "security": _("Keamanan"),
            "username": _("Nama pengguna"),
        }
        help_texts = {
            "password_env": _(
                "Cara lama: nama variabel lingkungan server yang memuat kata sandi. "
                "Kata sandi yang diisi di atas menggantikannya."
            ),
            "oauth_token_url": _("Google Workspace: %(google)s — Microsoft 365: %(microsoft)s")
            % {"google": GOOGLE_TOKEN_URL, "microsoft": MICROSOFT_TOKEN_URL},
            "oauth_scope": _("Google Workspace: %(google)s — Microsoft 365: %(microsoft)s")
            % {"google": GOOGLE_SCOPE, "microsoft": MICROSOFT_SCOPE},
            "smtp_host": _("Server surat keluar; kosongkan bila kotak surat ini hanya menerima."),
            "sends_replies": _(
                "Balasan ke tiket email dikirim lewat server SMTP ini dari alamat di atas."
            ),
        }
        widgets = {"port": forms.NumberInput(attrs={"min": 1, "max": 65535})}

    field_order = [
        "name",
        "address",
        "protocol",
        "host",
        "port",
        "security",
        "username",
        "auth",
        "password",
        "password_env",
        "folder",
        "oauth_authorize_url",
        "oauth_token_url",
        "oauth_scope",
        "oauth_client_id",
        "client_secret",
        "refresh_token",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "smtp_username",
        "smtp_password",
        "sends_replies",
        "active",
    ]

    def clean_port(self) -> int:
        return _port(self.cleaned_data["port"])

    def clean_smtp_port(self) -> int:
        return _port(self.cleaned_data["smtp_port"])

    def typed_secrets(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name) or ""
            for name in ("password", "smtp_password", "client_secret", "refresh_token")
        }


def _port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise forms.ValidationError(_("Port antara 1 dan 65535."))
    return value


class ChannelForm(forms.Form):
    """A messaging channel's settings (``connectors.services.CHANNELS``): plain values
    shown, secrets typed only (empty: unchanged)."""

    def __init__(self, spec: Any, initial_values: dict[str, str], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.spec = spec
        for setting in spec.settings:
            if setting.secret:
                self.fields[setting.name] = _secret(
                    setting.label,
                    _("Disimpan terenkripsi. Kosongkan untuk tetap memakai yang tersimpan."),
                )
            else:
                self.fields[setting.name] = forms.CharField(
                    label=setting.label,
                    required=False,
                    max_length=100,
                    initial=initial_values.get(setting.name, ""),
                )

    def split(self) -> tuple[dict[str, str], dict[str, str]]:
        """(plain values, typed secrets)"""
        values: dict[str, str] = {}
        typed: dict[str, str] = {}
        for setting in self.spec.settings:
            value = str(self.cleaned_data.get(setting.name) or "")
            (typed if setting.secret else values)[setting.name] = value
        return values, typed
