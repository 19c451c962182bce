"""Credentials and endpoints of the messaging channels (WhatsApp Cloud API, Telegram Bot API).

Each value is read when it is needed: a Django setting of the same name first (tests and
deployments that prefer settings), then the environment variable, then ``NAME_FILE`` (a file
holding the secret, as ``settings.env`` allows), then what an admin set on the settings page
(``ChannelAccount``, secrets encrypted; kept in memory per process). ``sigap/settings.py`` is
not involved, so the channels can be configured without touching it.

The API bases exist so that tests and benchmarks can point the clients at a local server.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sigap.core import secretbox
from sigap.core.memo import SharedMemo

WHATSAPP_API_BASE = "https://graph.facebook.com/v21.0"
TELEGRAM_API_BASE = "https://api.telegram.org"


def _load_stored() -> dict[str, str]:
    """The values set on the settings page (``ChannelAccount``), secrets decrypted, by
    setting name; a secret this server's key cannot open is left out."""
    from sigap.connectors.models import ChannelAccount  # conf is imported by the models' app

    stored: dict[str, str] = {}
    for account in ChannelAccount.objects.only("values", "sealed"):
        stored.update({k: str(v) for k, v in account.values.items() if v})
        for name, sealed in account.sealed.items():
            try:
                stored[name] = secretbox.open_(str(sealed))
            except secretbox.SecretUnreadable:
                continue
    return stored


# What the settings page stored, kept per process (reloaded when it is saved, ``memo``).
stored: SharedMemo[dict[str, str]] = SharedMemo("channel-accounts", _load_stored)


def _read(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        file_path = os.environ.get(f"{name}_FILE")
        if file_path:
            try:
                value = Path(file_path).read_text(encoding="utf-8")
            except OSError as exc:
                raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    if value is None:
        value = stored.get().get(name)
    text = str(value).strip() if value is not None else ""
    return text or default


def source(name: str) -> str:
    """Where ``name``'s value comes from: "setting", "env", "file", "stored" or ""."""
    if getattr(settings, name, None) is not None:
        return "setting"
    if os.environ.get(name) is not None:
        return "env"
    if os.environ.get(f"{name}_FILE"):
        return "file"
    return "stored" if stored.get().get(name) else ""


# --- WhatsApp Business Platform (Cloud API) -------------------------------------------------


def whatsapp_verify_token() -> str:
    """The token typed into the app dashboard; Meta echoes it in the GET handshake."""
    return _read("SIGAP_WHATSAPP_VERIFY_TOKEN")


def whatsapp_app_secret() -> str:
    """The app secret: the key of the ``X-Hub-Signature-256`` HMAC on every POST."""
    return _read("SIGAP_WHATSAPP_APP_SECRET")


def whatsapp_access_token() -> str:
    return _read("SIGAP_WHATSAPP_ACCESS_TOKEN")


def whatsapp_phone_number_id() -> str:
    """The business phone number's id (not the number): replies are sent from it."""
    return _read("SIGAP_WHATSAPP_PHONE_NUMBER_ID")


def whatsapp_business_account_id() -> str:
    """The WhatsApp Business Account's id: its message templates are read from it."""
    return _read("SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID")


def whatsapp_api_base() -> str:
    return _read("SIGAP_WHATSAPP_API_BASE", WHATSAPP_API_BASE).rstrip("/")


def whatsapp_sending_enabled() -> bool:
    """Replies go out through the Cloud API (and its 24-hour rule applies) only when an
    access token and a phone number id are configured."""
    return bool(whatsapp_access_token() and whatsapp_phone_number_id())


# --- Telegram Bot API -----------------------------------------------------------------------


def telegram_bot_token() -> str:
    return _read("SIGAP_TELEGRAM_BOT_TOKEN")


def telegram_secret_token() -> str:
    """The ``secret_token`` given to ``setWebhook``; Telegram sends it back in the
    ``X-Telegram-Bot-Api-Secret-Token`` header of every update."""
    return _read("SIGAP_TELEGRAM_SECRET_TOKEN")


def telegram_api_base() -> str:
    return _read("SIGAP_TELEGRAM_API_BASE", TELEGRAM_API_BASE).rstrip("/")


def telegram_bot_id() -> str:
    """The bot's numeric id, the part of the token before the colon (``123456:ABC…``);
    update and message ids are unique per bot, so stored ids carry it."""
    token = telegram_bot_token()
    return token.split(":", 1)[0] if ":" in token else "bot"


def telegram_sending_enabled() -> bool:
    return bool(telegram_bot_token())


# --- Meta Messenger Platform (Facebook Page and Instagram messaging) ------------------------

META_API_BASE = "https://graph.facebook.com/v21.0"


def meta_verify_token() -> str:
    """The token typed into the Meta app's webhook settings (Messenger / Instagram);
    Meta echoes it in the GET handshake of ``/hooks/meta/``."""
    return _read("SIGAP_META_VERIFY_TOKEN")


def meta_app_secret() -> str:
    """The app secret: the key of the ``X-Hub-Signature-256`` HMAC on every POST."""
    return _read("SIGAP_META_APP_SECRET")


def meta_page_access_token() -> str:
    """The Page access token (with Instagram messaging when the account is linked)."""
    return _read("SIGAP_META_PAGE_ACCESS_TOKEN")


def meta_api_base() -> str:
    return _read("SIGAP_META_API_BASE", META_API_BASE).rstrip("/")


def meta_sending_enabled() -> bool:
    return bool(meta_page_access_token())
