"""Writes to the channels' settings made on Sigap's own settings pages: mailboxes (and,
later in this file, the messaging channels). Each change is validated with a precise
message, tested against the real server when it has one, saved whole or not at all, and
recorded in the security audit log without its secrets (their names only)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import Brand, SecurityKind, User
from sigap.connectors import conf
from sigap.connectors.email import account
from sigap.connectors.models import ChannelAccount, MailAuth, Mailbox, WhatsAppTemplate
from sigap.core import secretbox
from sigap.core.errors import NotFound, ValidationFailed
from sigap.core.locale import said_in_default_language

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
        if not secrets.refresh_token and mailbox.active:
            errors["refresh_token"] = [
                _(
                    "Isi refresh token OAuth2 dari penyedia, atau simpan kotak surat ini "
                    "nonaktif lalu masuk dengan akun penyedia."
                )
            ]
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


@dataclass(frozen=True)
class OAuthStart:
    url: str
    state: str
    verifier: str


def mailbox_oauth_begin(*, mailbox: Mailbox, redirect_uri: str) -> OAuthStart:
    """Where to send the admin to sign in to the mailbox's provider and consent (the
    authorization code flow with PKCE); ``state`` and ``verifier`` are kept in their
    session until the provider sends them back."""
    errors: dict[str, list[str]] = {}
    if mailbox.auth != MailAuth.OAUTH2:
        errors["auth"] = [_("Pilih cara masuk OAuth2 dahulu.")]
    if not mailbox.oauth_authorize_url:
        errors["oauth_authorize_url"] = [_("Isi alamat persetujuan OAuth2 penyedia.")]
    if not mailbox.oauth_token_url:
        errors["oauth_token_url"] = [_("Isi alamat token OAuth2 penyedia.")]
    if not mailbox.oauth_client_id:
        errors["oauth_client_id"] = [_("Isi client ID OAuth2.")]
    if errors:
        raise ValidationFailed(_("Periksa isian kotak surat."), fields=errors)
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    query = {
        "response_type": "code",
        "client_id": mailbox.oauth_client_id,
        "redirect_uri": redirect_uri,
        "scope": mailbox.oauth_scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": mailbox.username,
        "access_type": "offline",  # Google: a refresh token
        "prompt": "consent",
    }
    joiner = "&" if "?" in mailbox.oauth_authorize_url else "?"
    return OAuthStart(f"{mailbox.oauth_authorize_url}{joiner}{urlencode(query)}", state, verifier)


def mailbox_oauth_finish(
    *, actor: User, mailbox: Mailbox, code: str, redirect_uri: str, verifier: str
) -> MailboxSaved:
    """The provider sent the admin back with a code: exchange it for a refresh token,
    sign in with it (IMAP and SMTP), then store it encrypted and turn the mailbox on;
    nothing is saved when any step fails."""
    try:
        token = account.exchange_code(
            mailbox,
            account.stored_secrets(mailbox),
            code=code,
            redirect_uri=redirect_uri,
            verifier=verifier,
        )
    except account.MailboxError as exc:
        raise ValidationFailed(str(exc)) from exc
    mailbox.active = True
    return mailbox_save(actor=actor, mailbox=mailbox, typed={"refresh_token": token})


def _audit_values(mailbox: Mailbox) -> dict[str, Any]:
    values = model_to_dict(mailbox)
    return {k: v for k, v in values.items() if k not in NOT_AUDITED}


def mailbox_save(
    *, actor: User, mailbox: Mailbox, typed: dict[str, str], test: bool = True
) -> MailboxSaved:
    """Create or change a mailbox (``mailbox`` carries the new values, its pk says which)
    with the typed secrets (empty: keep the stored one). An active mailbox, or one given a
    new password, is tested first: a refused sign-in raises ``ConnectionFailed`` with the
    server's answer and nothing is saved. The audit record names the changed fields and
    secrets, never a secret's value."""
    secrets = _secrets(mailbox, typed)
    _validate(mailbox, secrets)
    checks: list[account.Check] = []
    typed_password = mailbox.auth == MailAuth.PASSWORD and bool(typed.get("password"))
    if test and (mailbox.active or typed_password):
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
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("kotak surat “%(name)s” dibuat")
                if created
                else gettext_lazy("kotak surat “%(name)s” diubah"),
                name=mailbox.name,
            ),
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


def mailbox_delete(*, actor: User, mailbox_id: int) -> Mailbox:
    """Remove a mailbox: Sigap stops fetching its mail and forgets its settings and
    secrets. Nothing else refers to the row (an email ticket keeps its messages and its
    thread, matched by the mails' headers), so no history is lost. The mailbox replies
    leave through is refused: another must take that role first (or replies would
    silently leave through the server's default)."""
    access.require_global_settings(actor)
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().filter(pk=mailbox_id).first()
        if mailbox is None:
            raise NotFound(_("Kotak surat ini sudah tidak ada."))
        if mailbox.sends_replies:
            raise ValidationFailed(
                _(
                    "Balasan tiket email dikirim lewat kotak surat %(name)s. Pilih kotak surat "
                    "lain untuk mengirim balasan (atau matikan 'mengirim balasan' di kotak "
                    "surat ini) sebelum menghapusnya."
                )
                % {"name": mailbox.name}
            )
        before = _audit_values(mailbox)
        pk = mailbox.pk
        mailbox.delete()
        mailbox.pk = pk
        audit.settings_changed(
            actor=actor, what="mailbox", name=mailbox.name, object_id=pk, before=before
        )
    return mailbox


# --- messaging channels: WhatsApp Cloud API, Telegram bot, Meta page --------------------------


@dataclass(frozen=True)
class Setting:
    name: str  # the setting / environment variable it stands for
    label: Any
    secret: bool = False
    required: bool = True
    pattern: str = ""
    pattern_message: Any = ""


@dataclass(frozen=True)
class ChannelSpec:
    provider: str
    label: str
    hook: str  # /hooks/<hook>/
    settings: tuple[Setting, ...]


DIGITS = r"^[0-9]{5,30}$"
CHANNELS: dict[str, ChannelSpec] = {
    "whatsapp": ChannelSpec(
        "whatsapp",
        "WhatsApp Cloud API",
        "whatsapp",
        (
            Setting(
                "SIGAP_WHATSAPP_PHONE_NUMBER_ID",
                gettext_lazy("ID nomor telepon"),
                pattern=DIGITS,
                pattern_message=gettext_lazy(
                    "ID nomor telepon berupa angka dari WhatsApp Manager."
                ),
            ),
            Setting(
                "SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID",
                gettext_lazy("ID akun WhatsApp Business"),
                pattern=DIGITS,
                pattern_message=gettext_lazy("ID akun WhatsApp Business berupa angka."),
            ),
            Setting("SIGAP_WHATSAPP_ACCESS_TOKEN", gettext_lazy("Token akses"), secret=True),
            Setting("SIGAP_WHATSAPP_APP_SECRET", gettext_lazy("App secret"), secret=True),
            Setting(
                "SIGAP_WHATSAPP_VERIFY_TOKEN",
                gettext_lazy("Token verifikasi webhook"),
                secret=True,
                required=False,
            ),
        ),
    ),
    "telegram": ChannelSpec(
        "telegram",
        "Telegram",
        "telegram",
        (
            Setting(
                "SIGAP_TELEGRAM_BOT_TOKEN",
                gettext_lazy("Token bot"),
                secret=True,
                pattern=r"^[0-9]{3,20}:[A-Za-z0-9_-]{30,}$",
                pattern_message=gettext_lazy(
                    "Token bot dari @BotFather berbentuk 123456789:ABC… (angka, titik dua, kode)."
                ),
            ),
            Setting(
                "SIGAP_TELEGRAM_SECRET_TOKEN",
                gettext_lazy("Token rahasia webhook"),
                secret=True,
                required=False,
                pattern=r"^[A-Za-z0-9_-]{1,256}$",
                pattern_message=gettext_lazy(
                    "Token rahasia webhook: 1–256 huruf, angka, garis bawah, atau tanda minus."
                ),
            ),
        ),
    ),
    "meta": ChannelSpec(
        "meta",
        "Facebook Messenger / Instagram",
        "meta",
        (
            Setting(
                "SIGAP_META_PAGE_ACCESS_TOKEN", gettext_lazy("Token akses halaman"), secret=True
            ),
            Setting("SIGAP_META_APP_SECRET", gettext_lazy("App secret"), secret=True),
            Setting(
                "SIGAP_META_PAGE_ID",
                gettext_lazy("ID halaman Facebook"),
                required=False,
                pattern=DIGITS,
                pattern_message=gettext_lazy("ID halaman Facebook berupa angka."),
            ),
            Setting(
                "SIGAP_META_INSTAGRAM_ID",
                gettext_lazy("ID akun Instagram profesional"),
                required=False,
                pattern=DIGITS,
                pattern_message=gettext_lazy("ID akun Instagram berupa angka."),
            ),
            Setting(
                "SIGAP_META_VERIFY_TOKEN",
                gettext_lazy("Token verifikasi webhook"),
                secret=True,
                required=False,
            ),
        ),
    ),
}
# Generated when left empty: the value the admin pastes into the provider's dashboard.
GENERATED = {
    "SIGAP_WHATSAPP_VERIFY_TOKEN",
    "SIGAP_META_VERIFY_TOKEN",
    "SIGAP_TELEGRAM_SECRET_TOKEN",
}
API_TIMEOUT = 15


def channel_spec(provider: str) -> ChannelSpec:
    spec = CHANNELS.get(provider)
    if spec is None:
        raise NotFound(_("Saluran tidak dikenal."))
    return spec


def connection_brand(brand: Brand | None) -> Brand | None:
    """The brand a connection is saved under: None (the default connection) for no brand or
    the default brand; an inactive brand is refused."""
    if brand is None or brand.is_default:
        return None
    if not brand.is_active:
        raise ValidationFailed(_("Merek nonaktif tidak dapat diberi saluran."))
    return brand


def connection_label(spec: ChannelSpec, brand: Brand | None) -> str:
    return f"{spec.label} ({brand.name})" if brand is not None else spec.label


# The settings no two connections may share: what tells a webhook's connection apart.
DISTINCT = (
    "SIGAP_WHATSAPP_PHONE_NUMBER_ID",
    "SIGAP_TELEGRAM_BOT_TOKEN",
    "SIGAP_TELEGRAM_SECRET_TOKEN",
    "SIGAP_META_PAGE_ID",
    "SIGAP_META_INSTAGRAM_ID",
)


def _taken(provider: str, brand: Brand | None, name: str, value: str) -> bool:
    """Does another connection of ``provider`` have ``value`` for ``name``?"""
    if brand is not None and conf._read_default(name) == value:
        return True
    return any(
        a.values.get(name, "").strip() == value
        for a in conf.accounts(provider)
        if brand is None or a.brand_id != brand.pk
    )


def channel_save(
    *,
    actor: User,
    provider: str,
    values: dict[str, str],
    typed: dict[str, str],
    brand: Brand | None = None,
) -> ChannelAccount:
    """Set a messaging channel's connection: the default one (``brand`` None or the default
    brand), or a brand's own (its number, bot, page; only its stored values count).
    ``values`` its plain settings, ``typed`` the secrets typed (empty: keep the stored
    one; a verify token left empty is generated). Validated whole before anything is
    written; audited with the secrets' names only."""
    access.require_global_settings(actor)
    spec = channel_spec(provider)
    brand = connection_brand(brand)
    current = ChannelAccount.objects.filter(provider=provider, brand=brand).first()
    stored_values = dict(current.values) if current else {}
    stored_sealed = dict(current.sealed) if current else {}
    errors: dict[str, list[str]] = {}
    new_values: dict[str, str] = {}
    new_sealed = dict(stored_sealed)
    secrets_changed: list[str] = []
    opened: dict[str, str] = {}
    for name, sealed in stored_sealed.items():
        try:
            opened[name] = secretbox.open_(str(sealed))
        except secretbox.SecretUnreadable:
            continue

    def elsewhere(name: str) -> bool:  # the server's environment (the default connection)
        return brand is None and conf.source(name) not in ("", "stored")

    for setting in spec.settings:
        given = (typed if setting.secret else values).get(setting.name, "").strip()
        if given and setting.pattern and not re.fullmatch(setting.pattern, given):
            errors[setting.name] = [str(setting.pattern_message)]
            continue
        if setting.secret:
            if given:
                new_sealed[setting.name] = secretbox.seal(given)
                opened[setting.name] = given
                secrets_changed.append(setting.name)
            elif (
                setting.name not in stored_sealed
                and setting.name in GENERATED
                and (brand is not None or not conf._read(setting.name))
            ):
                opened[setting.name] = secrets.token_urlsafe(24)
                new_sealed[setting.name] = secretbox.seal(opened[setting.name])
                secrets_changed.append(setting.name)
            have = setting.name in new_sealed or elsewhere(setting.name)
        else:
            if given:
                new_values[setting.name] = given
            have = bool(given) or elsewhere(setting.name)
        if setting.required and not have:
            errors[setting.name] = [
                _("Isi %(label)s (atau variabel lingkungan %(name)s).")
                % {"label": setting.label, "name": setting.name}
                if brand is None
                else _("Isi %(label)s.") % {"label": setting.label}
            ]
    for name in DISTINCT:
        value = (new_values.get(name) or opened.get(name, "")).strip()
        if name not in errors and value and _taken(provider, brand, name, value):
            label = next((s.label for s in spec.settings if s.name == name), name)
            errors[name] = [
                _("%(label)s ini sudah dipakai koneksi lain; tiap merek punya miliknya sendiri.")
                % {"label": label}
            ]
    if (
        provider == "meta"
        and brand is not None
        and not (new_values.get("SIGAP_META_PAGE_ID") or new_values.get("SIGAP_META_INSTAGRAM_ID"))
    ):
        errors.setdefault("SIGAP_META_PAGE_ID", []).append(
            _("Isi ID halaman Facebook atau ID akun Instagram: webhook Meta dikenali dengannya.")
        )
    if errors:
        raise ValidationFailed(
            _("Periksa isian saluran %(label)s.") % {"label": connection_label(spec, brand)},
            fields=errors,
        )
    with transaction.atomic():
        row = (
            ChannelAccount.objects.select_for_update()
            .filter(provider=provider, brand=brand)
            .first()
        )
        created = row is None
        if row is None:
            row = ChannelAccount(provider=provider, brand=brand)
        row.values, row.sealed = new_values, new_sealed
        row.verified_at, row.verified = None, ""  # to verify again
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # saved by another admin at the same moment
            raise ValidationFailed(
                _("Koneksi ini baru saja disimpan orang lain; muat ulang.")
            ) from exc
        changes = {
            k: [stored_values.get(k), new_values.get(k)]
            for k in sorted(set(stored_values) | set(new_values))
            if stored_values.get(k) != new_values.get(k)
        }
        label = connection_label(spec, brand)
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("saluran %(provider)s dihubungkan")
                if created
                else gettext_lazy("saluran %(provider)s diubah"),
                provider=label,
            ),
            data={
                "model": "channelaccount",
                "object_id": row.pk,
                "action": "added" if created else "changed",
                "brand": brand.slug if brand is not None else None,
                "changes": changes,
                "secrets_changed": {name: secretbox.mask("x") for name in secrets_changed},
            },
        )
    return row


def _api_error(response: httpx.Response) -> str:
    """The provider's own error text: Graph API's ``error.message`` (with its code), the
    Bot API's ``description``; else the body's beginning."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            code = f" (code {error['code']})" if error.get("code") is not None else ""
            return f"HTTP {response.status_code}: {error['message']}{code}"
        if body.get("description"):
            return f"HTTP {response.status_code}: {body['description']}"
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _get_json(method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = httpx.request(method, url, timeout=API_TIMEOUT, **kwargs)
    except httpx.HTTPError as exc:
        raise ValidationFailed(
            _("Server penyedia tidak dapat dihubungi (%(error)s).")
            % {"error": f"{type(exc).__name__}: {exc}"}
        ) from exc
    if response.status_code != 200:
        raise ValidationFailed(_("Penyedia menolak: %(answer)s") % {"answer": _api_error(response)})
    try:
        body = response.json()
    except ValueError as exc:
        raise ValidationFailed(_("Jawaban penyedia bukan JSON.")) from exc
    if not isinstance(body, dict) or body.get("ok") is False:
        raise ValidationFailed(_("Penyedia menolak: %(answer)s") % {"answer": _api_error(response)})
    return body


def webhook_url(provider: str, account_pk: int | None = None) -> str:
    """The address to paste into the provider's dashboard (follows the served address,
    ``core.siteurl``): a brand's own connection has its own (``account_pk``)."""
    spec = channel_spec(provider)
    own = f"{account_pk}/" if account_pk is not None else ""
    return f"{str(settings.SITE_URL).rstrip('/')}/hooks/{spec.hook}/{own}"


def _verify_whatsapp() -> str:
    number = conf.whatsapp_phone_number_id()
    body = _get_json(
        "GET",
        f"{conf.whatsapp_api_base()}/{number}",
        params={"fields": "display_phone_number,verified_name,quality_rating"},
        headers={"Authorization": f"Bearer {conf.whatsapp_access_token()}"},
    )
    return _("Nomor %(number)s (%(name)s), kualitas %(quality)s.") % {
        "number": body.get("display_phone_number", "?"),
        "name": body.get("verified_name", "?"),
        "quality": body.get("quality_rating", "?"),
    }


def _verify_telegram() -> str:
    base = f"{conf.telegram_api_base()}/bot{conf.telegram_bot_token()}"
    me = _get_json("GET", f"{base}/getMe").get("result") or {}
    account = conf.current()
    hook = webhook_url("telegram", account.pk if account is not None else None)
    answer = _get_json(
        "POST",
        f"{base}/setWebhook",
        json={
            "url": hook,
            "secret_token": conf.telegram_secret_token(),
            "allowed_updates": ["message", "edited_message", "callback_query"],
        },
    )
    return _("Bot @%(username)s (%(name)s); webhook %(url)s: %(answer)s") % {
        "username": me.get("username", "?"),
        "name": me.get("first_name", "?"),
        "url": hook,
        "answer": answer.get("description", "ok"),
    }


def _verify_meta() -> str:
    body = _get_json(
        "GET",
        f"{conf.meta_api_base()}/me",
        params={"fields": "id,name"},
        headers={"Authorization": f"Bearer {conf.meta_page_access_token()}"},
    )
    return _("Halaman %(name)s (ID %(id)s).") % {
        "name": body.get("name", "?"),
        "id": body.get("id", "?"),
    }


VERIFIERS = {"whatsapp": _verify_whatsapp, "telegram": _verify_telegram, "meta": _verify_meta}


def _account_for(provider: str, brand: Brand | None) -> conf.Account | None:
    """The stored connection ``conf`` reads for ``brand`` (None: the default one)."""
    if brand is None:
        return None
    return conf.for_brand(provider, brand.pk)


def channel_verify(*, actor: User, provider: str, brand: Brand | None = None) -> str:
    """Ask the provider's documented endpoint whether the stored connection works (the
    phone number, the bot and its webhook, the page), the default one or ``brand``'s own;
    its answer is kept on the account. ``ValidationFailed`` with the provider's own error
    text otherwise."""
    access.require_global_settings(actor)
    spec = channel_spec(provider)
    brand = connection_brand(brand)
    account = _account_for(provider, brand)
    if brand is not None and account is None:
        raise ValidationFailed(
            _("Saluran %(label)s belum disimpan.") % {"label": connection_label(spec, brand)}
        )
    label = connection_label(spec, brand)
    try:
        with conf.using(account):
            answer = VERIFIERS[provider]()  # network: outside any transaction
    except ValidationFailed as exc:
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("verifikasi saluran %(provider)s gagal"), provider=label
            ),
            data={
                "model": "channelaccount",
                "action": "verify",
                "brand": brand.slug if brand is not None else None,
                "ok": False,
                "answer": exc.message,
            },
        )
        raise
    ChannelAccount.objects.filter(provider=provider, brand=brand).update(
        verified_at=timezone.now(), verified=answer[:500]
    )
    audit.record(
        SecurityKind.SETTINGS_CHANGED,
        actor=actor,
        detail=said_in_default_language(
            gettext_lazy("verifikasi saluran %(provider)s berhasil"), provider=label
        ),
        data={
            "model": "channelaccount",
            "action": "verify",
            "brand": brand.slug if brand is not None else None,
            "ok": True,
            "answer": answer[:300],
        },
    )
    return answer


MAX_TEMPLATE_PAGES = 20


@dataclass
class TemplatesSynced:
    created: int
    updated: int
    approved: int


def whatsapp_templates_sync(*, actor: User, brand: Brand | None = None) -> TemplatesSynced:
    """Read the business account's message templates (Graph API ``message_templates``,
    every page) and keep them: new ones added, known ones' text and approval updated
    (``approved`` = status APPROVED). Read whole before anything is written. The default
    connection's account, or ``brand``'s own connection's (its templates are kept as the
    brand's: they are sent only through that connection)."""
    access.require_global_settings(actor)
    brand = connection_brand(brand)
    account = _account_for("whatsapp", brand)
    if brand is not None and account is None:
        raise ValidationFailed(
            _("Saluran %(label)s belum disimpan.")
            % {"label": connection_label(channel_spec("whatsapp"), brand)}
        )
    with conf.using(account):
        account_id = conf.whatsapp_business_account_id()
        base = conf.whatsapp_api_base()
        token = conf.whatsapp_access_token()
    if not account_id:
        raise ValidationFailed(
            _("Isi ID akun WhatsApp Business dahulu."),
            fields={"SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID": [_("Wajib untuk membaca templat.")]},
        )
    url: str | None = f"{base}/{account_id}/message_templates"
    params: dict[str, Any] | None = {"fields": "name,language,status,components", "limit": 100}
    headers = {"Authorization": f"Bearer {token}"}
    found: dict[tuple[str, str], tuple[str, bool]] = {}
    for _page in range(MAX_TEMPLATE_PAGES):
        if url is None:
            break
        body = _get_json("GET", url, params=params, headers=headers)
        for item in body.get("data") or []:
            if not isinstance(item, dict) or not item.get("name") or not item.get("language"):
                continue
            text = next(
                (
                    str(c.get("text", ""))
                    for c in item.get("components") or []
                    if isinstance(c, dict) and c.get("type") == "BODY"
                ),
                "",
            )
            key = (str(item["name"]), str(item["language"]))
            found[key] = (text, item.get("status") == "APPROVED")
        paging = body.get("paging")
        url = paging.get("next") if isinstance(paging, dict) else None
        params = None  # the next page's URL carries them
    created = updated = 0
    with transaction.atomic():
        known = {
            (t.name, t.language): t
            for t in WhatsAppTemplate.objects.select_for_update().filter(brand=brand)
        }
        for (name, language), (text, approved) in sorted(found.items()):
            template = known.get((name, language))
            if template is None:
                # a sync running at the same time may insert it first: get_or_create
                # waits for it on the unique constraint and takes its row (no 500)
                template, made = WhatsAppTemplate.objects.get_or_create(
                    name=name[:512],
                    language=language[:15],
                    brand=brand,
                    defaults={"body": text, "approved": approved},
                )
                if made:
                    created += 1
                    continue
            if (template.body, template.approved) != (text, approved):
                template.body, template.approved = text, approved
                template.save(update_fields=["body", "approved"])
                updated += 1
        approved_count = sum(1 for _text, ok in found.values() if ok)
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("templat WhatsApp disinkronkan: %(created)d baru, %(updated)d diubah"),
                created=created,
                updated=updated,
            ),
            data={
                "model": "whatsapptemplate",
                "action": "sync",
                "brand": brand.slug if brand is not None else None,
                "created": created,
                "updated": updated,
                "approved": approved_count,
            },
        )
    return TemplatesSynced(created, updated, approved_count)


def whatsapp_template_for_proposals(
    *, actor: User, template_id: int | None, brand: Brand | None = None
) -> None:
    """Choose the approved template that carries proposals to customers outside the
    24-hour window (None: none), among the default connection's templates or ``brand``'s
    own connection's. It must use exactly {{1}} to {{4}}."""
    brand = connection_brand(brand)
    with transaction.atomic():
        templates = list(
            WhatsAppTemplate.objects.select_for_update().filter(brand=brand).order_by("pk")
        )
        before = next((t.name for t in templates if t.for_proposals), None)
        chosen = None
        if template_id is not None:
            chosen = next((t for t in templates if t.pk == template_id), None)
            if chosen is None:
                raise NotFound(_("Templat tidak ditemukan."))
            if not chosen.approved:
                raise ValidationFailed(_("Hanya templat yang disetujui Meta dapat dipakai."))
            chosen.for_proposals = True
            try:
                chosen.clean()
            except DjangoValidationError as exc:
                raise ValidationFailed(" ".join(exc.messages)) from exc
        WhatsAppTemplate.objects.filter(for_proposals=True, brand=brand).update(for_proposals=False)
        if chosen is not None:
            WhatsAppTemplate.objects.filter(pk=chosen.pk).update(for_proposals=True)
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            actor=actor,
            detail=said_in_default_language(
                gettext_lazy("templat usulan WhatsApp: %(before)s → %(after)s"),
                before=before or "—",
                after=chosen.name if chosen else "—",
            ),
            data={
                "model": "whatsapptemplate",
                "action": "for_proposals",
                "changes": {"for_proposals": [before, chosen.name if chosen else None]},
            },
        )


def channel_disconnect(*, actor: User, provider: str, brand: Brand | None = None) -> ChannelAccount:
    """Forget a messaging channel's connection set up on the settings page (the default
    one, or ``brand``'s own): its stored values and secrets are erased, so its webhook
    refuses new messages and replies stop leaving through it (the default connection's
    unless the server's environment still configures it; a brand's tickets then reply
    through the default connection). Tickets and the messages received are kept (nothing
    refers to the row), as are the synced WhatsApp templates; connecting again later
    continues the same conversations."""
    access.require_global_settings(actor)
    spec = channel_spec(provider)
    if brand is not None and brand.is_default:
        brand = None
    label = connection_label(spec, brand)
    with transaction.atomic():
        row = (
            ChannelAccount.objects.select_for_update()
            .filter(provider=provider, brand=brand)
            .first()
        )
        if row is None:
            raise ValidationFailed(
                _("Saluran %(label)s tidak punya pengaturan tersimpan di sini.") % {"label": label}
            )
        before = {**row.values, "secrets": sorted(row.sealed), "verified": row.verified}
        if brand is not None:
            before["brand"] = brand.slug
        pk = row.pk
        row.delete()
        row.pk = pk
        audit.settings_changed(actor=actor, what="channel", name=label, object_id=pk, before=before)
    return row


# --- brands: which brand each channel belongs to (the brands' settings page) ----------------


@transaction.atomic
def brand_channels_set(
    *, actor: User, brand: Brand, mailbox_ids: list[int], providers: list[str] | None = None
) -> list[str]:
    """Make exactly these mailboxes ``brand``'s: new tickets from them get the brand.
    Mailboxes of this brand left out go back to the default brand. A brand's own WhatsApp
    number, Telegram bot or Meta page is a connection of its own, set up on the channels'
    page (``channel_save`` with the brand), so ``providers`` is refused. Admins; audited
    (its mailboxes before → after). Returns the mailboxes' names."""
    access.require_global_settings(actor)
    if providers:
        raise ValidationFailed(
            _(
                "WhatsApp, Telegram, dan Facebook/Instagram milik merek ini dihubungkan di "
                "Pengaturan → Saluran, dengan nomor, bot, atau halamannya sendiri."
            )
        )
    mailboxes = list(Mailbox.objects.select_for_update().filter(pk__in=mailbox_ids))
    if len(mailboxes) != len(set(mailbox_ids)):
        raise ValidationFailed(_("Saluran yang dipilih tidak ada lagi; muat ulang halaman."))
    if not brand.is_active:
        raise ValidationFailed(_("Merek nonaktif tidak dapat diberi saluran."))
    wanted = {m.pk for m in mailboxes}
    rows = list(Mailbox.objects.select_for_update().filter(Q(pk__in=mailbox_ids) | Q(brand=brand)))
    before = sorted(m.name for m in rows if m.brand_id == brand.pk)
    after = sorted(m.name for m in rows if m.pk in wanted)
    for row in rows:
        if (row.pk in wanted) != (row.brand_id == brand.pk):
            row.brand = brand if row.pk in wanted else None
            row.save(update_fields=["brand"])
    audit.settings_changed(
        actor=actor,
        what="brand channels",
        name=brand.name,
        object_id=brand.pk,
        before={"channels": before},
        after={"channels": after},
    )
    return after
