"""Sending a public reply by email, WhatsApp, Telegram, Facebook or Instagram (every
connector with a ``sender``, ``registry``): claimed, retried with backoff,
never sent twice by Sigap's own doing, never lost.

A reply gets one ``OutboundDelivery`` row, written in the reply's own transaction
(``subscribers``: the ``ReplyPosted`` hook, inside), so a process that dies between the
commit and the send job leaves a row the periodic job finds. It is sent in parts: the text
(split at 4,000 characters), then each attachment, or one template, unless the provider's
adapter gives its own ``parts`` (an email is one part; Meta answers a comment in two).
The worker:

1. claims the row with a conditional UPDATE (``pending`` → ``sending``, ``attempts + 1``,
   a lease of ``lease()``), so two workers, or a job queued twice, never send it together;
2. sends the parts from ``parts_sent`` on, moving ``parts_sent`` forward after each part
   the API accepted, so a retry resumes after the last accepted part;
3. records the outcome: ``sent`` (or ``delivered``/``read`` when a status webhook beat
   us), ``pending`` with ``next_attempt_at`` after a retryable error (network, timeout,
   HTTP 408/429/5xx, the provider's throttling codes; ``Retry-After`` is honoured), or
   ``failed`` with the API's error text after a permanent error (other 4xx) or after
   ``MAX_ATTEMPTS``. The periodic job sends what is due.

The remaining at-least-once window: when a worker dies after the API accepted a part and
before the UPDATE that records it (one round trip and one UPDATE), the lease expires and
the part is sent again. WhatsApp narrows it: every part carries
``biz_opaque_callback_data = "sigap:<delivery>:<part>"``, and the ``sent`` status webhook
for it moves ``parts_sent`` forward, so the part is repeated only if that webhook has not
arrived within the lease either. The Telegram Bot API has no such callback nor an
idempotency key, so there the window stays as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.connectors import conf, registry
from sigap.connectors.models import DeliveryStatus, OutboundDelivery, WhatsAppTemplate
from sigap.core.locale import said_in_default_language
from sigap.tickets.models import Attachment, Message, MessageKind, Ticket

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

log = logging.getLogger(__name__)
D = DeliveryStatus

BACKOFF = [30, 2 * 60, 10 * 60, 30 * 60, 2 * 3600, 6 * 3600]  # seconds after attempts 1..6
MAX_ATTEMPTS = len(BACKOFF) + 1
MAX_RETRY_AFTER = 6 * 3600


def lease() -> timedelta:
    """How long a claimed reply is a worker's (``SIGAP_DELIVERY_LEASE`` seconds, longer
    than an SMTP or HTTP attempt may take); after that another worker may send it."""
    return timedelta(seconds=settings.SIGAP_DELIVERY_LEASE)


TIMEOUT = httpx.Timeout(15.0, connect=5.0)
TEXT_LIMIT = 4000  # both APIs take 4,096 characters; keep a margin
RETRYABLE_HTTP = frozenset({408, 425, 429})


class SendError(Exception):
    """A part was not accepted. ``retryable``: try again later (with backoff)."""

    def __init__(
        self,
        text: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(text)
        self.text = text
        self.retryable = retryable
        self.status_code = status_code
        self.retry_after = retry_after


def retryable_status(code: int) -> bool:
    return code in RETRYABLE_HTTP or code >= 500


def retry_after_of(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def network_error(exc: httpx.HTTPError, *secrets: str) -> SendError:
    text = said_in_default_language(
        gettext_lazy("Gangguan jaringan (%(kind)s): %(error)s"),
        kind=type(exc).__name__,
        error=str(exc),
    )
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return SendError(text, retryable=True)


@dataclass(frozen=True)
class Part:
    # text | file | template | quick_reply (``OutboundDelivery.quick_reply``) | email;
    # Meta: public (a comment's public reply) | private (its private reply) | message
    kind: str
    text: str = ""
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Adapter:
    """What the loop needs from a provider (its connector's ``sender``: ``email.outbound``,
    ``whatsapp.outbound``, ``telegram.outbound``, ``meta.outbound``)."""

    provider: str
    sending_enabled: Callable[[], bool]
    not_configured: StrOrPromise  # (gettext_lazy: said in the language of the moment)
    recipient_for: Callable[[Ticket], str]
    no_recipient: StrOrPromise
    send: Callable[[OutboundDelivery, Part, int], str]  # the part's provider id, or ""
    # the parts of a reply when they are not the text chunks and files (``parts_of``)
    parts: Callable[[OutboundDelivery], list[Part]] | None = None
    # a check of the parts left before any is sent (a file over the provider's limit)
    check: Callable[[OutboundDelivery, list[Part]], None] | None = None


def adapter_for(provider: str) -> Adapter:
    connector = registry.get(provider)
    if connector is None or connector.sender is None:
        raise ValueError(f"no messaging adapter for {provider!r}")
    return connector.sender


def loop_providers() -> list[str]:
    """The channels whose replies this loop sends (their connectors have a ``sender``)."""
    return [c.channel for c in registry.connectors() if c.sender is not None]


def media_kind(content_type: str, kinds: Mapping[str, frozenset[str]], *, default: str) -> str:
    """The provider's name for a file of ``content_type`` (``kinds``: name → MIME types)."""
    for kind, types in kinds.items():
        if content_type in types:
            return kind
    return default


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at a line break or a space if possible."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def parts_of(delivery: OutboundDelivery) -> list[Part]:
    if delivery.template_id is not None:
        return [Part("template")]
    message = delivery.message
    if delivery.quick_reply:
        texts = [Part("quick_reply")]
    else:
        texts = [Part("text", text=chunk) for chunk in split_text(message.body)]
    files = [Part("file", attachment=a) for a in message.attachments.order_by("id")]
    return texts + files


# --- creating the row -----------------------------------------------------------------------


def create_for(
    message: Message,
    *,
    template: WhatsAppTemplate | None = None,
    params: list[str] | None = None,
    quick_reply: dict[str, object] | None = None,
    provider: str = "",
) -> OutboundDelivery:
    """The delivery row of a reply (once per message), with its recipient, or already
    ``skipped``/``failed`` when the channel is not configured or nobody can be addressed.
    ``quick_reply``: the message body to send instead of the reply's text. ``provider``:
    send it by another connector than its channel's (live chat's reply mailed to a
    visitor who left)."""
    provider = provider or message.channel
    # the connection of the ticket's brand (its own number, bot, page), else the default
    with conf.using_brand(provider, message.ticket.brand_id):
        return _create_for(message, provider, template, params, quick_reply)


def _create_for(
    message: Message,
    provider: str,
    template: WhatsAppTemplate | None,
    params: list[str] | None,
    quick_reply: dict[str, object] | None,
) -> OutboundDelivery:
    adapter = adapter_for(provider)
    now = timezone.now()
    fields: dict[str, object] = {
        "provider": provider,
        "template": template,
        "template_params": list(params or []),
        "quick_reply": dict(quick_reply or {}),
        "next_attempt_at": now,
    }
    if not adapter.sending_enabled():
        fields.update(status=D.SKIPPED, error=str(adapter.not_configured), next_attempt_at=None)
    else:
        recipient = _recipient(adapter, message.ticket)
        fields["recipient"] = recipient or ""  # None: decided when it is sent
        if recipient == "":
            fields.update(
                status=D.FAILED,
                error=str(adapter.no_recipient),
                failed_at=now,
                next_attempt_at=None,
            )
    try:
        with transaction.atomic():
            return OutboundDelivery.objects.create(message=message, **fields)
    except IntegrityError:  # created already: by the reply's hook, or a concurrent call
        existing = OutboundDelivery.objects.get(message=message)
    special = {k: fields[k] for k in ("template", "template_params", "quick_reply") if fields[k]}
    if special and existing.status == D.PENDING and existing.attempts == 0:
        # a template or quick replies chosen in the reply's transaction, before any send
        OutboundDelivery.objects.filter(pk=existing.pk, attempts=0).update(**special)
        existing.refresh_from_db()
    return existing


def _recipient(adapter: Adapter, ticket: Ticket) -> str | None:
    """Where the reply goes; None when the connector could not say because of a fault of
    its own: the reply is kept (it is written in the same transaction) and its address is
    looked for again when it is sent. Database errors propagate."""
    try:
        return adapter.recipient_for(ticket)
    except DatabaseError:
        raise
    except Exception:  # a bug in one connector's lookup must not refuse the agent's reply
        log.exception("%s: no recipient found for ticket %s", adapter.provider, ticket.pk)
        return None


def enqueue(message_id: int) -> OutboundDelivery | None:
    """After a reply on an email/WhatsApp/Telegram ticket commits: its row (written with
    the reply; made here only for a reply stored another way), then the send job."""
    delivery = OutboundDelivery.objects.filter(message_id=message_id).first()
    if delivery is None:
        message = (
            Message.objects.select_related("ticket__customer")
            .filter(pk=message_id, kind=MessageKind.REPLY, channel__in=loop_providers())
            .first()
        )
        if message is None:
            return None
        delivery = create_for(message)
    if delivery.status == D.PENDING:
        from sigap.connectors.tasks import send_channel_reply

        send_channel_reply(delivery.pk)
    return delivery


# --- sending --------------------------------------------------------------------------------


def attempt(delivery_id: int) -> str:
    """Send what is left of one reply. Returns ``sent``, ``pending`` (will retry),
    ``failed``, or ``skipped`` (not due, finished, or held by another worker)."""
    now = timezone.now()
    claimed = OutboundDelivery.objects.filter(
        pk=delivery_id, status__in=[D.PENDING, D.SENDING], next_attempt_at__lte=now
    ).update(status=D.SENDING, next_attempt_at=now + lease(), attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    delivery = OutboundDelivery.objects.select_related("message__ticket", "template").get(
        pk=delivery_id
    )
    # sent through the connection of the ticket's brand (its token, number, bot, page)
    with conf.using_brand(delivery.provider, delivery.message.ticket.brand_id):
        return _attempt(delivery)


def _attempt(delivery: OutboundDelivery) -> str:
    adapter = adapter_for(delivery.provider)
    if not delivery.recipient:  # not known when the reply was stored
        recipient = _recipient(adapter, delivery.message.ticket)
        if recipient is None:
            return _failed_attempt(
                delivery, SendError(_("Penerima belum dapat ditentukan."), retryable=True)
            )
        if not recipient:
            return _failed_attempt(delivery, SendError(str(adapter.no_recipient), retryable=False))
        OutboundDelivery.objects.filter(pk=delivery.pk).update(recipient=recipient)
        delivery.recipient = recipient
    parts = adapter.parts(delivery) if adapter.parts is not None else parts_of(delivery)
    has_id = bool(delivery.provider_id)
    try:
        if adapter.check is not None:
            adapter.check(delivery, parts[delivery.parts_sent :])
        for index in range(delivery.parts_sent, len(parts)):
            provider_id = adapter.send(delivery, parts[index], index)
            # each part sent renews the lease: a long send (many attachments) is not
            # taken over by another worker while this one is still at it
            recorded: dict[str, object] = {
                "parts_sent": index + 1,
                "next_attempt_at": timezone.now() + lease(),
            }
            if provider_id and not has_id:  # the first part the provider gave an id
                recorded["provider_id"] = provider_id
                has_id = True
            OutboundDelivery.objects.filter(pk=delivery.pk, parts_sent=index).update(**recorded)
    except SendError as exc:
        return _failed_attempt(delivery, exc)
    _finish(delivery.pk)
    return "sent"


def _finish(delivery_id: int) -> None:
    now = timezone.now()
    OutboundDelivery.objects.filter(pk=delivery_id, status=D.SENDING).update(
        # a status webhook may have arrived before this line (it records only timestamps
        # while the row is being sent)
        status=Case(
            When(read_at__isnull=False, then=Value(D.READ)),
            When(delivered_at__isnull=False, then=Value(D.DELIVERED)),
            default=Value(D.SENT),
        ),
        error="",
        next_attempt_at=None,
    )
    OutboundDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(sent_at=now)


def _failed_attempt(delivery: OutboundDelivery, exc: SendError) -> str:
    attempts = OutboundDelivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    now = timezone.now()
    mine = OutboundDelivery.objects.filter(pk=delivery.pk, status=D.SENDING)
    if exc.retryable and attempts < MAX_ATTEMPTS:
        delay = min(max(BACKOFF[attempts - 1], exc.retry_after or 0), MAX_RETRY_AFTER)
        mine.update(
            status=D.PENDING,
            next_attempt_at=now + timedelta(seconds=delay),
            error=said_in_default_language(
                gettext_lazy("%(error)s (percobaan %(attempt)d, dicoba lagi)"),
                error=exc.text,
                attempt=attempts,
            )[:1000],
            last_status_code=exc.status_code,
        )
        log.warning(
            "%s reply %s: attempt %s failed, retry in %ss: %s",
            delivery.provider,
            delivery.pk,
            attempts,
            delay,
            exc.text,
        )
        return "pending"
    text = (
        exc.text
        if not exc.retryable
        else _("%(why)s (gagal setelah %(n)s percobaan)") % {"why": exc.text, "n": attempts}
    )
    mine.update(
        status=D.FAILED,
        failed_at=now,
        next_attempt_at=None,
        error=text[:1000],
        last_status_code=exc.status_code,
    )
    log.warning("%s reply %s failed: %s", delivery.provider, delivery.pk, text)
    return "failed"


def retry_due(limit: int = 200) -> int:
    """Send every reply whose retry time (or expired lease) has come: the periodic job."""
    due = list(
        OutboundDelivery.objects.filter(
            status__in=[D.PENDING, D.SENDING], next_attempt_at__lte=timezone.now()
        )
        .filter(provider__in=loop_providers())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(attempt(pk) == "sent" for pk in due)


def oldest_due() -> datetime | None:
    """Since when the oldest reply that should have been sent has waited (``/healthz``)."""
    due: datetime | None = (
        OutboundDelivery.objects.filter(
            status__in=[D.PENDING, D.SENDING], next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return due


def resend(delivery: OutboundDelivery) -> bool:
    """Put a failed reply back in the queue (admin action); it resumes where it stopped."""
    updated = OutboundDelivery.objects.filter(pk=delivery.pk, status=D.FAILED).update(
        status=D.PENDING, attempts=0, next_attempt_at=timezone.now(), failed_at=None
    )
    return bool(updated)


# --- status updates from the provider (WhatsApp ``statuses[]``) -----------------------------


def apply_status(
    *,
    provider: str,
    delivery_id: int | None,
    provider_id: str,
    status: str,
    at: datetime,
    error: str = "",
    part: int | None = None,
) -> bool:
    """Move a reply's status forward (sent → delivered → read; failed). False when the
    reply is not ours. Repeated or out-of-order updates change nothing."""
    rows = OutboundDelivery.objects.filter(provider=provider)
    if delivery_id is not None:  # biz_opaque_callback_data: "sigap:<delivery>:<part>"
        rows = rows.filter(pk=delivery_id)
    else:
        rows = rows.filter(provider_id=provider_id)
    pk = rows.values_list("pk", flat=True).first()
    if pk is None:
        return False
    one = OutboundDelivery.objects.filter(pk=pk)
    if status == D.SENT:
        if part is not None:  # accepted, even if the worker died before recording it
            one.filter(parts_sent=part).update(parts_sent=part + 1)
        if provider_id and part in (None, 0):
            one.filter(provider_id="").update(provider_id=provider_id)
        one.filter(sent_at__isnull=True).update(sent_at=at)
    elif status in (D.DELIVERED, D.READ):
        one.filter(delivered_at__isnull=True).update(delivered_at=at)
        if status == D.READ:
            one.filter(read_at__isnull=True).update(read_at=at)
        lower = [D.SENT] if status == D.DELIVERED else [D.SENT, D.DELIVERED]
        one.filter(status__in=lower).update(status=status)
    elif status == D.FAILED:
        one.exclude(status=D.READ).update(
            status=D.FAILED, failed_at=at, error=error[:1000], next_attempt_at=None
        )
    return True


# Statuses of messages that are not replies (a campaign's notices): their senders register a
# listener (``relations`` in its ``ready()``): opaque callback data, provider id, status, time
# → whether it was theirs.
StatusListener = Callable[..., bool]
_status_listeners: dict[str, StatusListener] = {}


def on_other_status(name: str, listener: StatusListener) -> None:
    _status_listeners[name] = listener


def apply_other_status(
    *, provider: str, opaque: str, provider_id: str, status: str, at: datetime
) -> bool:
    """A provider's status for a message the reply loop did not send: the first listener
    that knows it records it."""
    return any(
        listener(provider=provider, opaque=opaque, provider_id=provider_id, status=status, at=at)
        for listener in _status_listeners.values()
    )
