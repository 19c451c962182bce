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
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sigap.core import secretbox
from sigap.core.memo import SharedMemo

WHATSAPP_API_BASE = "https://graph.facebook.com/v21.0"
TELEGRAM_API_BASE = "https://api.telegram.org"


@dataclass(frozen=True)
class Account:
    """A brand's own connection (a ``ChannelAccount`` row with a brand): its values, secrets
    decrypted, by setting name."""

    pk: int
    provider: str  # "whatsapp" | "telegram" | "meta"
    brand_id: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    """What the settings page stored: the default connections' values (the rows without a
    brand) by setting name, and the brands' own connections."""

    default: dict[str, str] = field(default_factory=dict)
    accounts: tuple[Account, ...] = ()


NOTHING_STORED = Stored()


def _opened(row: Any) -> dict[str, str]:
    values = {k: str(v) for k, v in row.values.items() if v}
    for name, sealed in row.sealed.items():
        try:
            values[name] = secretbox.open_(str(sealed))
        except secretbox.SecretUnreadable:
            continue
    return values


def _load_stored() -> Stored:
    """The values set on the settings page (``ChannelAccount``), secrets decrypted; a
    secret this server's key cannot open is left out."""
    from sigap.connectors.models import ChannelAccount  # conf is imported by the models' app

    default: dict[str, str] = {}
    accounts: list[Account] = []
    for row in ChannelAccount.objects.only("provider", "brand_id", "values", "sealed").order_by(
        "pk"
    ):
        if row.brand_id is None:
            default.update(_opened(row))
        else:
            accounts.append(Account(row.pk, row.provider, row.brand_id, _opened(row)))
    return Stored(default, tuple(accounts))


# What the settings page stored, kept per process (reloaded when it is saved, ``memo``).
stored: SharedMemo[Stored] = SharedMemo("channel-accounts", _load_stored)

# The brand connection the code running now speaks for (a webhook routed to it, a reply on
# one of its brand's tickets); None: the default connection.
_current: ContextVar[Account | None] = ContextVar("sigap_channel_account", default=None)


def _own(account: Account, name: str) -> bool:
    """Is ``name`` one of the connection's own settings (its ids, tokens, secrets)? The
    API bases are the server's, shared by every connection."""
    return name.startswith(f"SIGAP_{account.provider.upper()}_") and not name.endswith("_API_BASE")


def _read(name: str, default: str = "") -> str:
    account = _current.get()
    if account is not None and _own(account, name):
        return account.values.get(name, "").strip() or default
    return _read_default(name, default)


def _read_default(name: str, default: str = "") -> str:
    """The default connection's value: the setting, the environment, the file, then the
    page."""
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
        value = stored.get().default.get(name)
    text = str(value).strip() if value is not None else ""
    return text or default


def source(name: str) -> str:
    """Where ``name``'s value comes from: "setting", "env", "file", "stored" or "" (for
    a brand's connection: "stored" or "")."""
    account = _current.get()
    if account is not None and _own(account, name):
        return "stored" if account.values.get(name) else ""
    if getattr(settings, name, None) is not None:
        return "setting"
    if os.environ.get(name) is not None:
        return "env"
    if os.environ.get(f"{name}_FILE"):
        return "file"
    return "stored" if stored.get().default.get(name) else ""


# --- which connection: the default one, or a brand's own ----------------------------------

# The ticket channels each connection carries.
PROVIDER_OF = {
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "facebook": "meta",
    "instagram": "meta",
}


def provider_of(channel: str) -> str:
    """The connection's provider of a ticket channel (Facebook and Instagram: "meta")."""
    return PROVIDER_OF.get(channel, channel)


def current() -> Account | None:
    return _current.get()


def current_brand() -> int | None:
    """The brand of the connection in use (None: the default connection)."""
    account = _current.get()
    return account.brand_id if account is not None else None


@contextmanager
def using(account: Account | None) -> Iterator[Account | None]:
    """Read the values of ``account`` (None: the default connection) inside the block."""
    token = _current.set(account)
    try:
        yield account
    finally:
        _current.reset(token)


def accounts(provider: str) -> list[Account]:
    """The brands' own connections of ``provider`` (its default one is not among them)."""
    provider = provider_of(provider)
    return [a for a in stored.get().accounts if a.provider == provider]


def account(pk: int) -> Account | None:
    return next((a for a in stored.get().accounts if a.pk == pk), None)


def for_brand(channel: str, brand_id: int | None) -> Account | None:
    """The connection a ticket of ``brand_id`` on ``channel`` speaks through: the brand's
    own, else the default one (None)."""
    if brand_id is None:
        return None
    provider = provider_of(channel)
    return next(
        (a for a in stored.get().accounts if a.provider == provider and a.brand_id == brand_id),
        None,
    )


def using_brand(channel: str, brand_id: int | None) -> AbstractContextManager[Account | None]:
    """``using`` the connection of a ticket of ``brand_id`` on ``channel``."""
    return using(for_brand(channel, brand_id))


class Unknown(LookupError):
    """No connection has this id (a phone number id, a page id)."""


def route(provider: str, names: tuple[str, ...], value: str) -> Account | None:
    """The connection whose setting among ``names`` equals ``value`` (a webhook's phone
    number id or page id): a brand's own, else the default one (None). ``value`` empty,
    or no connection of a brand set up, or a default connection that names no id: the
    default one takes it. Otherwise ``Unknown``."""
    if not value:
        return None
    own = accounts(provider)
    for a in own:
        if any(a.values.get(n, "").strip() == value for n in names):
            return a
    defaults = [_read_default(n) for n in names]
    if value in defaults or not any(defaults):
        return None
    raise Unknown(value)


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


def meta_page_id() -> str:
    """The Facebook Page's id: Meta's webhook names it in ``entry[].id``."""
    return _read("SIGAP_META_PAGE_ID")


def meta_instagram_id() -> str:
    """The Instagram professional account's id (``entry[].id`` of its webhook)."""
    return _read("SIGAP_META_INSTAGRAM_ID")


def meta_api_base() -> str:
    return _read("SIGAP_META_API_BASE", META_API_BASE).rstrip("/")


def meta_sending_enabled() -> bool:
    return bool(meta_page_access_token())
