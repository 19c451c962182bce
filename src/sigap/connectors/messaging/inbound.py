"""A webhook's messages accepted once: the shapes providers send, the stored
``InboundDelivery`` rows, and the taps handed to their handlers (survey answers)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.connectors import conf
from sigap.connectors.models import InboundDelivery, InboundStatus

log = logging.getLogger(__name__)


SUBJECT_LENGTH = 80


SURVEY_REPLY_PREFIX = "srv:"  # ids of survey quick replies (``sigap.surveys.quickreply``)


CHOICE_PREFIX = "bot:"  # ids of the chatbot's quick replies (``channels.quickreply``)


SURVEY_REPLY_IGNORED = "jawaban survei (tidak dicatat sebagai pesan tiket)"


PROPOSAL_REPLY_PREFIX = "prp:"  # ids of a proposal's answer buttons (``connectors.proposals``)


PROPOSAL_REPLY_IGNORED = "jawaban atas usulan (dicatat pada usulan, bukan sebagai pesan)"


# the taps that answer something other than the conversation: (prefix, why not filed,
# the outcome's name in the webhook's answer)
TAPS = (
    (SURVEY_REPLY_PREFIX, SURVEY_REPLY_IGNORED, "survey"),
    (PROPOSAL_REPLY_PREFIX, PROPOSAL_REPLY_IGNORED, "proposal"),
)


def is_tap(data: str) -> bool:
    """Is ``data`` (a tapped button's id) an answer to a survey or a proposal?"""
    return any(data.startswith(prefix) for prefix, _why, _name in TAPS)


def tap_ignored(data: str) -> str:
    """Why the tap with ``data`` is not filed as a message ("" when it is not a tap)."""
    return next((why for prefix, why, _name in TAPS if data.startswith(prefix)), "")


class ShapeError(ValueError):
    """The payload is not what the provider documents; the message says where."""


def shape_obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(_("%(path)s: harus berupa objek JSON") % {"path": path})
    return value


def shape_list(value: Any, path: str, *, optional: bool = False) -> list[Any]:
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise ShapeError(_("%(path)s: harus berupa array JSON") % {"path": path})
    return value


def shape_text(value: Any, path: str, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str) or (not value.strip() and not optional):
        raise ShapeError(_("%(path)s: harus berupa teks yang tidak kosong") % {"path": path})
    return value


def hub_challenge(params: dict[str, str], expected: str) -> str | None:
    """The GET Meta sends when a webhook is configured: the challenge to echo, or None."""
    token = params.get("hub.verify_token", "")
    if (
        params.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(token.encode(), expected.encode())
    ):
        return params.get("hub.challenge", "")
    return None


def hub_signature_ok(body: bytes, header: str, secret: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``.

    Compared as bytes: ``hmac.compare_digest`` raises ``TypeError`` on text that is not
    ASCII, and a header is whatever the sender put in it."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = header[len("sha256=") :].strip().lower()
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass
class Inbound:
    """One customer message, whatever the channel."""

    provider: str
    external_id: str  # unique per provider: the InboundDelivery key
    message_id: str  # the ticket message's external id
    address: str  # where replies go: wa_id or chat.id
    sender: str  # the channel identity: wa_id or from.id
    contact_kind: str
    contact_value: str
    name: str
    text: str
    sent_at: datetime
    payload: dict[str, Any]
    # other contacts that identify the same person (tried in order when the channel
    # identity is unknown; the customer found gets the channel identity added) ...
    aliases: tuple[tuple[str, str], ...] = ()
    # ... and contacts a new customer gets besides the channel identity
    also: tuple[tuple[str, str], ...] = ()
    media: dict[str, str] = field(default_factory=dict)  # id, filename, mime_type, label
    ignored: str = ""  # why nothing is filed (a reaction, a bot's message, ...)
    survey_reply: str = ""  # the id of a tapped survey or proposal answer (``srv:…``, ``prp:…``)
    callback_id: str = ""  # Telegram: the callback query to answer
    choice: str = ""  # the payload of a tapped chatbot quick reply: what the bot gets
    # the brand of the connection it came in on (its number, bot, page); None: the default
    # connection (set when it is accepted, ``conf.current_brand``)
    brand: int | None = None


@dataclass
class Failed:
    """An item of a batch that does not have the documented shape."""

    provider: str
    external_id: str
    error: str
    payload: dict[str, Any]


def item_key(item: Any) -> str:
    """A stable id for an item without a usable id of its own."""
    raw = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def timestamp(value: Any, path: str) -> datetime:
    """A Unix timestamp (WhatsApp sends a string, Telegram a number), never in the future."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ShapeError(_("%(path)s: harus berupa cap waktu Unix") % {"path": path})
    text = str(value)
    if not text.isdigit():
        raise ShapeError(
            _("%(path)s: harus berupa cap waktu Unix, bukan %(text)r")
            % {"path": path, "text": text}
        )
    moment = datetime.fromtimestamp(int(text), tz=timezone.get_current_timezone())
    return min(moment, timezone.now())


PARSED_FIELDS = (
    "message_id",
    "contact_kind",
    "contact_value",
    "name",
    "text",
    "media",
    "choice",
    "brand",
)


def accept(items: list[Inbound | Failed]) -> dict[str, Any]:
    """Store a webhook's messages, each once, and queue their filing.

    Returns the counts (``accepted``, ``duplicate``, ``ignored``, ``failed``) and the ids of
    the rows to file. Each message is one INSERT (committed by itself: one round trip for
    a new message), so the provider gets its 200 at once; the ticket work runs in a job
    (``file_received``). If the process dies half-way through a batch, the provider
    delivers it again: what was stored is then a duplicate, the rest is stored.
    """
    counts: dict[str, int] = {}
    to_file: list[int] = []
    for item in items:
        outcome, row_id = _accept_one(item)
        counts[outcome] = counts.get(outcome, 0) + 1
        if row_id is not None:
            to_file.append(row_id)
    if to_file:
        transaction.on_commit(lambda: _file_later(to_file), robust=True)
    return {"counts": counts, "ids": to_file}


def _fields(item: Inbound | Failed) -> dict[str, Any]:
    if isinstance(item, Failed):
        return {"status": InboundStatus.FAILED, "error": item.error[:1000], "payload": item.payload}
    if item.brand is None:
        item.brand = conf.current_brand()
    parsed = {name: getattr(item, name) for name in PARSED_FIELDS}
    parsed.update(aliases=[list(a) for a in item.aliases], also=[list(a) for a in item.also])
    return {
        "status": InboundStatus.IGNORED if item.ignored else InboundStatus.RECEIVED,
        "error": item.ignored,
        "payload": item.payload,
        "parsed": parsed,
        "address": item.address,
        "sender": item.sender,
        "sent_at": item.sent_at,
    }


def _insert(fields: dict[str, Any]) -> InboundDelivery | None:
    """INSERT the row; None when the message is already stored."""
    try:
        if transaction.get_autocommit():
            return InboundDelivery.objects.create(**fields)
        with transaction.atomic():  # inside a caller's transaction: a savepoint
            return InboundDelivery.objects.create(**fields)
    except IntegrityError:
        return None


def _accept_one(item: Inbound | Failed) -> tuple[str, int | None]:
    if isinstance(item, Inbound) and item.survey_reply:
        return _accept_survey_reply(item), None
    fields = _fields(item)
    row = _insert({"provider": item.provider, "external_id": item.external_id, **fields})
    if row is None:
        existing = (
            InboundDelivery.objects.filter(provider=item.provider, external_id=item.external_id)
            .only("pk", "status")
            .first()
        )
        if existing is None or existing.status != InboundStatus.FAILED:
            return "duplicate", None
        if isinstance(item, Failed):
            return "failed", None
        # a message that could not be filed, delivered again: try again
        retried = InboundDelivery.objects.filter(
            pk=existing.pk, status=InboundStatus.FAILED
        ).update(**fields)
        return ("accepted", existing.pk) if retried else ("duplicate", None)
    if isinstance(item, Failed):
        log.warning("%s message %s kept as failed: %s", item.provider, item.external_id, item.error)
        return "failed", None
    if item.callback_id:  # a Telegram button press: answered once, when first stored
        callback_id, brand = item.callback_id, item.brand
        transaction.on_commit(lambda: _answer_callback_later(callback_id, brand), robust=True)
    return ("ignored", None) if item.ignored else ("accepted", row.pk)


def _answer_callback_later(callback_id: str, brand: int | None = None) -> None:
    from sigap.connectors.tasks import answer_telegram_callback

    answer_telegram_callback(callback_id, brand)


@dataclass(frozen=True)
class Tap:
    """A tapped quick reply that answers something other than the conversation (a survey
    question), as the channel delivered it."""

    provider: str
    data: str  # the row/button id
    sender: str  # wa_id / Telegram from.id
    contact_value: str  # +62… (WhatsApp) / from.id (Telegram)
    address: str  # where answers go
    callback_id: str = ""  # Telegram


TapHandler = Callable[[Tap], str]


_tap_handlers: dict[str, TapHandler] = {}


def on_tap(prefix: str, handler: TapHandler) -> None:
    """``handler(tap) -> outcome`` records taps whose id starts with ``prefix`` (the surveys
    register ``SURVEY_REPLY_PREFIX`` in their ``ready()``); it runs in the transaction that
    stores the tap once."""
    _tap_handlers[prefix] = handler


@transaction.atomic
def _accept_survey_reply(item: Inbound) -> str:
    """Store a tap (a survey's or a proposal's answer) once and record the answer with it
    (one transaction: if recording fails, nothing is stored and the provider's
    redelivery tries again)."""
    prefix, ignored, name = next(
        (t for t in TAPS if item.survey_reply.startswith(t[0])),
        (SURVEY_REPLY_PREFIX, SURVEY_REPLY_IGNORED, "survey"),
    )
    fields = _fields(item)
    fields.update(status=InboundStatus.IGNORED, error=ignored)
    row = _insert({"provider": item.provider, "external_id": item.external_id, **fields})
    if row is None:
        return "duplicate"
    handler = _tap_handlers.get(prefix)
    if handler is None:
        return f"{name}_unhandled"
    outcome = handler(
        Tap(
            provider=item.provider,
            data=item.survey_reply,
            sender=item.sender,
            contact_value=item.contact_value,
            address=item.address,
            callback_id=item.callback_id,
        )
    )
    InboundDelivery.objects.filter(pk=row.pk).update(error=f"{ignored}: {outcome}"[:1000])
    return name if outcome == "answered" else f"{name}_{outcome}"


def _file_later(ids: list[int]) -> None:
    from sigap.connectors.tasks import file_inbound

    file_inbound(ids)
