"""Writes to the channels' settings made on Sigap's own settings pages: mailboxes (and,
later in this file, the messaging channels). Each change is validated with a precise
message, tested against the real server when it has one, saved whole or not at all, and
recorded in the security audit log without its secrets (their names only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from sigap.accounts import audit
from sigap.accounts.models import SecurityKind, User
from sigap.connectors.email import account
from sigap.connectors.models import MailAuth, Mailbox
from sigap.core import secretbox
from sigap.core.errors import ValidationFailed

# the secrets a mailbox form may carry, and the column each is sealed into
MAILBOX_SECRETS = {
    "password": "password_sealed",
    "smtp_password": "smtp_password_sealed",
    "client_secret": "oauth_client_secret_sealed",
    "refresh_token": "oauth_refresh_token_sealed",
}
SEALED = set(MAILBOX_SECRETS.values())
NOT_AUDITED = {"id", "polling_until", "last_polled_at", "last_error", *SEALED}


class ConnectionFailed(ValidationFailed):
    """Signing in to one of the mailbox's servers failed; ``checks`` holds each server's
    own answer. Nothing was saved."""

    def __init__(self, message: str, checks: list[account.Check]) -> None:
        super().__init__(message)
        self.checks = checks


@dataclass
class MailboxSaved:
    mailbox: Mailbox
    checks: list[account.Check] = field(default_factory=list)


def _secrets(mailbox: Mailbox, typed: dict[str, str]) -> account.Secrets:
    """The secrets the mailbox will have: the typed ones, else the ones it has stored (or
    its password's environment variable)."""
    stored = account.stored_secrets(mailbox)
    values = {name: typed.get(name) or getattr(stored, name) for name in MAILBOX_SECRETS}
    return account.Secrets(**values)


def _validate(mailbox: Mailbox, secrets: account.Secrets) -> None:
    errors: dict[str, list[str]] = {}
    if mailbox.auth == MailAuth.PASSWORD:
        if not secrets.password and not mailbox.password_env:
            errors["password"] = [
                _("Isi kata sandi kotak surat (atau nama variabel lingkungan yang memuatnya).")
            ]
        elif not secrets.password:
            errors["password_env"] = [
                _("Variabel lingkungan %(name)s kosong di server ini.")
                % {"name": mailbox.password_env}
            ]
    else:
        if not mailbox.oauth_token_url:
            errors["oauth_token_url"] = [_("Isi alamat token OAuth2 penyedia.")]
        if not mailbox.oauth_client_id:
            errors["oauth_client_id"] = [_("Isi client ID OAuth2.")]
        if not secrets.refresh_token:
            errors["refresh_token"] = [_("Isi refresh token OAuth2 dari penyedia.")]
    if mailbox.sends_replies and not mailbox.smtp_host:
        errors["smtp_host"] = [_("Isi server SMTP agar kotak surat ini dapat mengirim balasan.")]
    if mailbox.sends_replies and not mailbox.address:
        errors["address"] = [_("Isi alamat email pengirim balasan.")]
    if mailbox.sends_replies:
        others = Mailbox.objects.filter(sends_replies=True).exclude(pk=mailbox.pk)
        other = others.values_list("name", flat=True).first()
        if other is not None:
            errors["sends_replies"] = [
                _("Kotak surat %(name)s sudah mengirim balasan; matikan di sana dahulu.")
                % {"name": other}
            ]
    duplicate = Mailbox.objects.filter(name=mailbox.name).exclude(pk=mailbox.pk).exists()
    if duplicate:
        errors["name"] = [_("Sudah ada kotak surat bernama %(name)s.") % {"name": mailbox.name}]
    if errors:
        raise ValidationFailed(_("Periksa isian kotak surat."), fields=errors)


def mailbox_test(*, mailbox: Mailbox, typed: dict[str, str] | None = None) -> list[account.Check]:
    """Sign in to the mailbox's servers with its values (saved or not) and the typed
    secrets (else its stored ones); each server's own answer. Saves nothing."""
    secrets = _secrets(mailbox, typed or {})
    _validate(mailbox, secrets)
    return account.check(mailbox, secrets)


def _audit_values(mailbox: Mailbox) -> dict[str, Any]:
    values = model_to_dict(mailbox)
    return {k: v for k, v in values.items() if k not in NOT_AUDITED}


def mailbox_save(
    *, actor: User, mailbox: Mailbox, typed: dict[str, str], test: bool = True
) -> MailboxSaved:
    """Create or change a mailbox (``mailbox`` carries the new values, its pk says which)
    with the typed secrets (empty: keep the stored one). An active mailbox is tested
    first: a refused sign-in raises ``ConnectionFailed`` with the server's answer and
    nothing is saved. The audit record names the changed fields and secrets, never a
    secret's value."""
    secrets = _secrets(mailbox, typed)
    _validate(mailbox, secrets)
    checks: list[account.Check] = []
    if test and mailbox.active:
        checks = account.check(mailbox, secrets)  # network: before the transaction
        failed = [c for c in checks if not c.ok]
        if failed:
            raise ConnectionFailed(
                _("Gagal masuk ke %(server)s: %(answer)s. Tidak ada yang disimpan.")
                % {"server": failed[0].server, "answer": failed[0].lines[-1]},
                checks,
            )
    with transaction.atomic():
        before: dict[str, Any] = {}
        if mailbox.pk:
            old = Mailbox.objects.select_for_update().filter(pk=mailbox.pk).first()
            if old is None:
                raise ValidationFailed(_("Kotak surat ini sudah tidak ada."))
            before = _audit_values(old)
        changed_secrets = sorted(name for name in MAILBOX_SECRETS if typed.get(name))
        for name, column in MAILBOX_SECRETS.items():
            if typed.get(name):
                setattr(mailbox, column, secretbox.seal(typed[name]))
        if typed.get("password"):
            mailbox.password_env = ""  # the stored password replaces the variable
        created = not mailbox.pk
        mailbox.save()
        after = _audit_values(mailbox)
        changes = {k: [before.get(k), v] for k, v in after.items() if created or before.get(k) != v}
        verb = "dibuat" if created else "diubah"
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=f"kotak surat “{mailbox.name}” {verb}",
            data={
                "model": "mailbox",
                "object_id": mailbox.pk,
                "action": "added" if created else "changed",
                "changes": changes,
                "secrets_changed": {name: secretbox.mask(typed[name]) for name in changed_secrets},
                "tested": bool(checks),
            },
        )
    return MailboxSaved(mailbox, checks)
