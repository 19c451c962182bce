"""Filing a WhatsApp or Telegram message on a ticket, the same way for both.

* Accepted, then filed: the webhook request only checks the message and stores it once
  (``accept``: an ``InboundDelivery`` with the message's ``(provider, external_id)``; a
  second delivery is a duplicate), so the provider gets its 200 in a few milliseconds
  whatever a ticket costs; a job files it (``file_received``), and a sweep files what a
  lost job left behind. A message that could not be filed is kept as ``failed`` with the
  reason, and a redelivery of it tries again.
* One transaction per message when filing: its customer, ticket, message and the
  ``InboundDelivery`` update are written together or not at all; one bad message in a
  webhook batch does not stop the others. A customer's messages are filed one at a time
  (a row lock on the customer), so two messages at once never open two tickets.
* The customer: found by the channel identity (WhatsApp number, Telegram user id); for
  WhatsApp also by the same number stored as a phone contact (the customer who called
  before keeps their history, and gets the WhatsApp contact added); otherwise created.
* Threading: the customer's newest ticket on this channel that is not closed gets the
  message (a resolved ticket re-opens, as ``message_add`` does for inbound messages);
  otherwise a new ticket opens.
* Media (photos, documents, voice notes) are downloaded after the commit by a job, with
  retries, and stored as attachments of the message; the webhook is answered at once.
* Survey quick replies (a WhatsApp list row or button, a Telegram inline-keyboard button
  whose id starts with ``srv:``) are not customer messages: they are stored once like any
  message (``ignored``, so a redelivery is a duplicate and nothing is filed or re-opened)
  and handed, in the same transaction, to ``sigap.surveys.quickreply.record_tap``.
* The chatbot's quick replies (an id starting with ``bot:``, signed: see
  ``channels.quickreply``) are customer messages: filed once like any other, with the
  choice's title as the text, and handed to the chatbot as that choice (its payload),
  not as the text. A Telegram button press is answered (``answerCallbackQuery``) once,
  when it is first stored. An id whose signature is wrong is plain text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from sigap.connectors import registry
from sigap.connectors.models import InboundDelivery, InboundStatus, MediaState, Provider
from sigap.core.errors import Conflict, SigapError, StaleVersion
from sigap.customers.models import Customer
from sigap.customers.services import (
    ContactIn,
    customer_create,
    customer_find_by_contact,
    customer_update,
)
from sigap.tickets import services
from sigap.tickets.attachments import Upload, attachment_store
from sigap.tickets.models import Message, MessageKind, Status, Ticket

log = logging.getLogger(__name__)
SUBJECT_LENGTH = 80
MEDIA_BACKOFF = [60, 5 * 60, 30 * 60, 2 * 3600]
MEDIA_MAX_ATTEMPTS = len(MEDIA_BACKOFF) + 1
MEDIA_LEASE = timedelta(minutes=5)
SURVEY_REPLY_PREFIX = "srv:"  # ids of survey quick replies (``sigap.surveys.quickreply``)
CHOICE_PREFIX = "bot:"  # ids of the chatbot's quick replies (``channels.quickreply``)
SURVEY_REPLY_IGNORED = "jawaban survei (tidak dicatat sebagai pesan tiket)"


class ShapeError(ValueError):
    """The payload is not what the provider documents; the message says where."""


# --- checking payload shapes (each failure names the path) ----------------------------------


def shape_obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{path}: harus berupa objek JSON")
    return value


def shape_list(value: Any, path: str, *, optional: bool = False) -> list[Any]:
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{path}: harus berupa array JSON")
    return value


def shape_text(value: Any, path: str, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str) or (not value.strip() and not optional):
        raise ShapeError(f"{path}: harus berupa teks yang tidak kosong")
    return value


# --- Meta's webhooks (WhatsApp Cloud API, Messenger, Instagram) -----------------------------


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
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].strip().lower(), expected)


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
    survey_reply: str = ""  # the id of a tapped survey quick reply (``srv:…``)
    callback_id: str = ""  # Telegram: the callback query to answer
    choice: str = ""  # the payload of a tapped chatbot quick reply: what the bot gets


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
        raise ShapeError(f"{path}: harus berupa cap waktu Unix")
    text = str(value)
    if not text.isdigit():
        raise ShapeError(f"{path}: harus berupa cap waktu Unix, bukan {text!r}")
    moment = datetime.fromtimestamp(int(text), tz=timezone.get_current_timezone())
    return min(moment, timezone.now())


# --- accepting (in the webhook request) ---------------------------------------------------

PARSED_FIELDS = (
    "message_id",
    "contact_kind",
    "contact_value",
    "name",
    "text",
    "media",
    "choice",
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
        callback_id = item.callback_id
        transaction.on_commit(lambda: _answer_callback_later(callback_id), robust=True)
    return ("ignored", None) if item.ignored else ("accepted", row.pk)


def _answer_callback_later(callback_id: str) -> None:
    from sigap.connectors.tasks import answer_telegram_callback

    answer_telegram_callback(callback_id)


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
    """Store a survey tap once and record the answer with it (one transaction: if
    recording fails, nothing is stored and the provider's redelivery tries again)."""
    fields = _fields(item)
    fields.update(status=InboundStatus.IGNORED, error=SURVEY_REPLY_IGNORED)
    row = _insert({"provider": item.provider, "external_id": item.external_id, **fields})
    if row is None:
        return "duplicate"
    handler = _tap_handlers.get(SURVEY_REPLY_PREFIX)
    if handler is None:
        return "survey_unhandled"
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
    InboundDelivery.objects.filter(pk=row.pk).update(
        error=f"{SURVEY_REPLY_IGNORED}: {outcome}"[:1000]
    )
    return "survey" if outcome == "answered" else f"survey_{outcome}"


def _file_later(ids: list[int]) -> None:
    from sigap.connectors.tasks import file_inbound

    file_inbound(ids)


# --- filing (in a job) ----------------------------------------------------------------------


def _inbound(row: InboundDelivery) -> Inbound:
    parsed = dict(row.parsed)
    return Inbound(
        provider=row.provider,
        external_id=row.external_id,
        address=row.address,
        sender=row.sender,
        sent_at=row.sent_at or row.received_at,
        payload=row.payload,
        aliases=tuple((k, v) for k, v in parsed.pop("aliases", [])),
        also=tuple((k, v) for k, v in parsed.pop("also", [])),
        **parsed,
    )


def file_received(inbound_id: int) -> str:
    """File one stored message on a ticket: ``created``, ``appended``, ``failed`` (kept
    with the reason) or ``skipped`` (already filed, or being filed by another worker).
    Database errors propagate (the job fails; the periodic sweep files the row later)."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                row = (
                    InboundDelivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=inbound_id, status=InboundStatus.RECEIVED)
                    .first()
                )
                if row is None:
                    return "skipped"
                return _file(_inbound(row), row)
        except (Conflict, StaleVersion) as exc:
            # e.g. two first messages of a new customer filed at once: the second finds
            # the customer on its next try
            if attempt == 2:
                return _failed(inbound_id, exc.message)
        except SigapError as exc:  # an attachment too large, a number that is not valid...
            return _failed(inbound_id, exc.message)
    return "failed"  # pragma: no cover  (the loop returns)


def file_many(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for inbound_id in ids:
        outcome = file_received(inbound_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def file_due(older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
    """File messages whose job was lost (a worker killed, a failed enqueue): the sweep."""
    due = list(
        InboundDelivery.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lte=timezone.now() - older_than
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(file_received(pk) in ("created", "appended") for pk in due)


def _failed(inbound_id: int, error: str) -> str:
    row = InboundDelivery.objects.filter(pk=inbound_id).only("provider", "external_id").first()
    InboundDelivery.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED).update(
        status=InboundStatus.FAILED, error=error[:1000]
    )
    if row is not None:
        log.warning("%s message %s not filed: %s", row.provider, row.external_id, error)
    return "failed"


def _file(item: Inbound, row: InboundDelivery) -> str:
    customer = _customer_for(item)
    # one customer's messages are filed one at a time (PostgreSQL): no two new tickets
    list(Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk"))
    ticket = (
        Ticket.objects.filter(customer=customer, channel=item.provider)
        .exclude(status=Status.CLOSED)
        .order_by("-id")
        .first()
    )
    if ticket is not None:
        message = services.message_add(
            actor=None,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            body=item.text,
            channel=item.provider,
            external_id=item.message_id,
            created_at=item.sent_at,
            bot_text=item.choice,  # the bot gets the choice, not its (perhaps shortened) title
        )
        outcome = "appended"
    else:
        ticket = services.ticket_create(
            actor=None,
            customer=customer,
            kind="inquiry",
            channel=item.provider,
            subject=_subject(item, customer),
            description=item.text,
            external_id=item.message_id,
            created_at=item.sent_at,
        )
        message = Message.objects.get(channel=item.provider, external_id=item.message_id)
        outcome = "created"
    fields: dict[str, Any] = {"status": InboundStatus.FILED, "message": message, "error": ""}
    if item.media:
        fields.update(
            media=item.media, media_state=MediaState.PENDING, media_next_attempt_at=timezone.now()
        )
        row_id = row.pk
        transaction.on_commit(lambda: _fetch_later(row_id), robust=True)
    InboundDelivery.objects.filter(pk=row.pk).update(**fields)
    return outcome


def _subject(item: Inbound, customer: Customer) -> str:
    first_line = item.text.strip().splitlines()[0].strip() if item.text.strip() else ""
    if not first_line or first_line.startswith("["):  # only media or a placeholder
        label = registry.label(item.provider)
        return f"Pesan {label} dari {customer.name}"[:SUBJECT_LENGTH]
    if len(first_line) > SUBJECT_LENGTH:
        return first_line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return first_line


def _customer_for(item: Inbound) -> Customer:
    found = customer_find_by_contact(item.contact_kind, item.contact_value)
    if found is not None:
        return found
    for kind, value in item.aliases:
        alias = customer_find_by_contact(kind, value)
        if alias is not None:
            add_contact(alias, ContactIn(item.contact_kind, item.contact_value))
            return alias
    contacts = [ContactIn(item.contact_kind, item.contact_value, True)]
    contacts += [ContactIn(kind, value) for kind, value in item.also]
    name = item.name.strip() or f"{registry.label(item.provider)} {item.contact_value}"
    return customer_create(name=name[:200], contacts=contacts)


def add_contact(customer: Customer, contact: ContactIn) -> None:
    """Add a channel identity to a customer found another way (by phone; a commenter by
    the private reply): best effort, an edit racing with this one just wins."""
    current = [ContactIn(c.kind, c.value, c.is_primary) for c in customer.contacts.all()]
    try:
        customer_update(
            customer=customer, version=customer.version, changes={}, contacts=[*current, contact]
        )
    except (Conflict, StaleVersion) as exc:
        log.info("contact %s not added to customer %s: %s", contact.value, customer.pk, exc)


# --- the customer's last message ------------------------------------------------------------


def last_address(provider: str, ticket_id: int) -> str:
    """Where the ticket's conversation on ``provider`` is: the reply address of the newest
    filed message from the customer on it ("" when none); every connector's first choice
    of recipient."""
    address: str | None = (
        InboundDelivery.objects.filter(
            provider=provider, status=InboundStatus.FILED, message__ticket_id=ticket_id
        )
        .exclude(address="")
        .order_by("-id")
        .values_list("address", flat=True)
        .first()
    )
    return address or ""


def last_inbound_at(provider: str, address: str, *, excluding: str = "") -> datetime | None:
    """When the customer at ``address`` last wrote on ``provider`` (stored, filed or not
    yet): what the providers' messaging windows count from. ``excluding``: an external-id
    prefix that does not count (Meta's public comments open no messaging window)."""
    rows = InboundDelivery.objects.filter(
        provider=provider,
        status__in=[InboundStatus.RECEIVED, InboundStatus.FILED],
        address=address,
    )
    if excluding:
        rows = rows.exclude(external_id__startswith=excluding)
    latest: datetime | None = rows.aggregate(latest=Max("sent_at"))["latest"]
    return latest


# --- media ----------------------------------------------------------------------------------


def _fetch_later(inbound_id: int) -> None:
    from sigap.connectors.tasks import fetch_inbound_media

    fetch_inbound_media(inbound_id)


Downloader = Callable[[dict[str, str]], tuple[bytes, str]]


def _downloader(provider: str) -> Downloader:
    if provider == Provider.WHATSAPP:
        from sigap.connectors.whatsapp.outbound import download_media

        return download_media
    from sigap.connectors.telegram.outbound import download_file

    return download_file


def filename_for(media: dict[str, str], mime_type: str) -> str:
    name = media.get("filename", "").strip()
    if name:
        return name
    base = mime_type.split(";")[0].strip()
    extension = {"audio/ogg": ".ogg", "image/jpeg": ".jpg"}.get(base) or (
        mimetypes.guess_extension(base) or ".bin"
    )
    return f"{media.get('label', 'lampiran')}-{media.get('id', '')[:40]}{extension}"


def fetch_media(inbound_id: int) -> str:
    """Download a message's media and store it as an attachment. Returns ``fetched``,
    ``pending`` (will retry), ``failed`` or ``skipped`` (not due / held by another)."""
    from sigap.connectors.delivery import SendError

    now = timezone.now()
    claimed = InboundDelivery.objects.filter(
        pk=inbound_id, media_state=MediaState.PENDING, media_next_attempt_at__lte=now
    ).update(media_next_attempt_at=now + MEDIA_LEASE, media_attempts=F("media_attempts") + 1)
    if not claimed:
        return "skipped"
    row = InboundDelivery.objects.select_related("message__ticket").get(pk=inbound_id)
    if row.message is None:  # the message was deleted meanwhile
        InboundDelivery.objects.filter(pk=row.pk).update(media_state=MediaState.FAILED)
        return "failed"
    try:
        content, mime_type = _downloader(row.provider)(row.media)
        with transaction.atomic():
            attachment_store(
                message=row.message, upload=Upload(filename_for(row.media, mime_type), content)
            )
            done = InboundDelivery.objects.filter(pk=row.pk, media_state=MediaState.PENDING).update(
                media_state=MediaState.FETCHED, error=""
            )
            if not done:
                raise _AlreadyDone
    except _AlreadyDone:
        return "skipped"
    except SendError as exc:
        if exc.retryable and row.media_attempts < MEDIA_MAX_ATTEMPTS:
            delay = max(MEDIA_BACKOFF[row.media_attempts - 1], exc.retry_after or 0)
            InboundDelivery.objects.filter(pk=row.pk).update(
                media_next_attempt_at=timezone.now() + timedelta(seconds=delay),
                error=exc.text[:1000],
            )
            return "pending"
        return _media_failed(row, exc.text)
    except SigapError as exc:  # too large for the attachment limit
        return _media_failed(row, exc.message)
    return "fetched"


class _AlreadyDone(Exception):
    pass


def _media_failed(row: InboundDelivery, error: str) -> str:
    InboundDelivery.objects.filter(pk=row.pk).update(
        media_state=MediaState.FAILED, error=error[:1000], media_next_attempt_at=None
    )
    assert row.message is not None
    label = row.media.get("label", "lampiran")
    services.message_add(
        actor=None,
        ticket=row.message.ticket,
        kind=MessageKind.NOTE,
        body=(
            f"Lampiran {registry.label(row.provider)} ({label}) dari pesan pelanggan tidak "
            f"dapat diunduh: {error}"
        ),
    )
    log.warning("%s media of %s failed: %s", row.provider, row.external_id, error)
    return "failed"


def fetch_due_media(limit: int = 100) -> int:
    """Retry media downloads whose time has come (the periodic job)."""
    due = list(
        InboundDelivery.objects.filter(
            media_state=MediaState.PENDING, media_next_attempt_at__lte=timezone.now()
        )
        .order_by("media_next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(fetch_media(pk) == "fetched" for pk in due)
