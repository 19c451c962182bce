"""Telegram replies (``sendMessage``, ``sendPhoto``/``sendDocument`` for attachments) and
file downloads (``getFile``, then the file API), with the bot token.

Errors: HTTP 429 (``parameters.retry_after`` honoured), 5xx and network errors are
retried with backoff; anything else (``Bad Request: chat not found``, ``Forbidden: bot was
blocked by the user`` …) is permanent and its description is shown on the reply.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.connectors import conf, messaging
from sigap.connectors.delivery import (
    TIMEOUT,
    Adapter,
    Part,
    SendError,
    network_error,
    retry_after_of,
    retryable_status,
)
from sigap.connectors.models import OutboundDelivery, Provider
from sigap.customers.models import ContactKind
from sigap.tickets.attachments import check_size
from sigap.tickets.models import Ticket

P = Provider.TELEGRAM
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # sendPhoto's limit; larger images go as documents


BOT_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class _RedactBotToken(logging.Filter):
    """httpx logs every request URL at INFO; a Bot API URL carries the bot token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("/bot" in str(a) for a in record.args):
            record.args = tuple(
                BOT_TOKEN_IN_URL.sub("/bot***", str(a)) if "/bot" in str(a) else a
                for a in record.args
            )
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _RedactBotToken) for f in _httpx_log.filters):
    _httpx_log.addFilter(_RedactBotToken())


def _method_url(method: str) -> str:
    return f"{conf.telegram_api_base()}/bot{conf.telegram_bot_token()}/{method}"


def _call(method: str, **kwargs: Any) -> Any:
    """Call a Bot API method; returns its ``result``."""
    token = conf.telegram_bot_token()
    try:
        response = httpx.post(_method_url(method), timeout=TIMEOUT, **kwargs)
    except httpx.HTTPError as exc:
        raise network_error(exc, token) from exc
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.is_success and data.get("ok") is True:
        return data.get("result")
    description = str(data.get("description") or response.text[:300]).replace(token, "***")
    parameters = data.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    status = response.status_code
    return_code = data.get("error_code") or status
    raise SendError(
        f"Telegram: {return_code} {description}".strip(),
        retryable=retryable_status(status),
        status_code=status,
        retry_after=float(retry_after)
        if isinstance(retry_after, int | float)
        else retry_after_of(response),
    )


def send(delivery: OutboundDelivery, part: Part, index: int) -> str:
    """Send one part; returns the Telegram ``message_id``."""
    if part.kind == "text":
        result = _call("sendMessage", json={"chat_id": delivery.recipient, "text": part.text})
    elif part.kind == "quick_reply":  # {"text": ..., "reply_markup": {"inline_keyboard": ...}}
        result = _call("sendMessage", json={"chat_id": delivery.recipient, **delivery.quick_reply})
    else:
        attachment = part.attachment
        assert attachment is not None
        with attachment.file.open("rb") as handle:
            content = handle.read()
        as_photo = attachment.content_type in PHOTO_TYPES and attachment.size <= PHOTO_MAX_BYTES
        method, field = ("sendPhoto", "photo") if as_photo else ("sendDocument", "document")
        result = _call(
            method,
            data={"chat_id": delivery.recipient},
            files={field: (attachment.filename, content, attachment.content_type)},
        )
    return str(result.get("message_id", "")) if isinstance(result, dict) else ""


def send_message(chat_id: str, text: str, reply_markup: dict[str, Any] | None = None) -> str:
    """``sendMessage`` outside a ticket reply (a survey question with an inline keyboard,
    a thank-you); returns the ``message_id``."""
    body: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if reply_markup is not None:
        body["reply_markup"] = reply_markup
    result = _call("sendMessage", json=body)
    return str(result.get("message_id", "")) if isinstance(result, dict) else ""


def answer_callback_query(callback_query_id: str, text: str = "") -> None:
    """Stop the button's progress indicator (the Bot API expects an answer to every
    ``callback_query``), with a short notification for the user."""
    body: dict[str, Any] = {"callback_query_id": callback_query_id}
    if text:
        body["text"] = text[:200]
    _call("answerCallbackQuery", json=body)


def recipient_for(ticket: Ticket) -> str:
    """The chat the ticket's conversation is in; else the customer's Telegram user id
    (a private chat's id is the user's id)."""
    address = messaging.last_address(P, ticket.pk)
    if address:
        return address
    for value in ticket.customer.contacts.filter(kind=ContactKind.TELEGRAM).values_list(
        "value", flat=True
    ):
        if value.lstrip("-").isdigit():  # an id; a @username cannot be written to by a bot
            return value
    return ""


ADAPTER = Adapter(
    provider=P,
    sending_enabled=conf.telegram_sending_enabled,
    not_configured=gettext_lazy(
        "Tidak dikirim lewat Telegram: token bot belum dikonfigurasi (SIGAP_TELEGRAM_BOT_TOKEN)."
    ),
    recipient_for=recipient_for,
    no_recipient=gettext_lazy(
        "Pelanggan belum pernah mengirim pesan ke bot Telegram (chat tidak dikenal)."
    ),
    send=send,
)


def download_file(media: dict[str, str]) -> tuple[bytes, str]:
    result = _call("getFile", json={"file_id": media["id"]})
    path = result.get("file_path") if isinstance(result, dict) else None
    if not isinstance(path, str) or not path:
        raise SendError(
            _("Telegram: berkas tanpa file_path (mungkin lebih dari 20 MB)"), retryable=False
        )
    size = result.get("file_size")
    if isinstance(size, int):
        check_size(media.get("filename") or path, size)
    token = conf.telegram_bot_token()
    try:
        response = httpx.get(f"{conf.telegram_api_base()}/file/bot{token}/{path}", timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise network_error(exc, token) from exc
    if not response.is_success:
        raise SendError(
            _("Telegram: unduhan berkas gagal (HTTP %(status)s)")
            % {"status": response.status_code},
            retryable=retryable_status(response.status_code),
            status_code=response.status_code,
        )
    return response.content, media.get("mime_type", "")
