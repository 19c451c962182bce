"""Agents' replies on Facebook and Instagram tickets, through Meta's Graph API.

Each reply gets one ``OutboundDelivery`` row (``provider`` = the ticket channel) and is
sent by a job in steps, with the claim, backoff and error recording of ``delivery``:
the row is claimed by a conditional UPDATE, ``parts_sent`` moves forward after each step
the API accepted (a retry resumes after it, so a public comment is never posted twice by
a retry), HTTP 408/425/429/5xx and network errors are retried with backoff
(``Retry-After`` honoured), any other 4xx fails at once with Meta's error text.

Where a reply goes (the rule, decided when its row is created; ``recipient``):

1. **A comment to answer.** When the ticket's newest inbound message is a public comment
   (``comment:<id>``, see ``meta_in``) that no earlier reply answered, the reply goes as
   ``recipient = "comment:<id>"`` in two steps: first a *public* reply under the comment
   (``POST /{comment id}/comments`` on Facebook, ``/{comment id}/replies`` on Instagram)
   with the fixed ``PUBLIC_INVITATION`` (it says we have written privately, and never
   repeats the agent's answer or the customer's details in public); then a *private
   reply* (``POST /me/messages`` with ``recipient: {"comment_id": ...}``) carrying the
   agent's text. Meta allows one private reply per comment (within 7 days), so it must
   fit in one message (``TEXT_LIMIT``).
2. **Otherwise a private message** to the customer's PSID/IGSID from their newest private
   message on this ticket (``POST /me/messages`` with ``recipient: {"id": ...}``,
   ``messaging_type: RESPONSE``), split into ``TEXT_LIMIT`` chunks.
3. **Nobody to write to** (a comment ticket whose comment was already answered and no
   private message from the customer since): the row fails at once with the reason;
   the customer's answer to the private reply makes a private conversation possible.

Not yet: attachments of a reply are not sent (only the text); Meta's 24-hour messaging
window and message tags are not checked before sending (Meta's refusal is recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from sigap.channels import conf
from sigap.channels.delivery import (
    LEASE,
    TIMEOUT,
    SendError,
    _failed_attempt,
    _finish,
    network_error,
    retry_after_of,
    retryable_status,
    split_text,
)
from sigap.channels.meta_in import COMMENT_PREFIX, LABELS
from sigap.channels.models import DeliveryStatus, InboundDelivery, InboundStatus, OutboundDelivery
from sigap.channels.whatsapp_in import error_text
from sigap.core.periodic import periodic_task
from sigap.tickets.models import Channel, Message, MessageKind, Ticket

D = DeliveryStatus
CHANNELS = (Channel.FACEBOOK, Channel.INSTAGRAM)
TEXT_LIMIT = 2000  # the Send API's limit for a text message
PUBLIC_INVITATION = (
    "Terima kasih atas komentarnya, Kak. Kami sudah mengirim pesan pribadi untuk membantu "
    "lebih lanjut; silakan cek kotak masuk Anda."
)
NOT_CONFIGURED = (
    "Tidak dikirim lewat Facebook/Instagram: SIGAP_META_PAGE_ACCESS_TOKEN belum dikonfigurasi."
)
NO_RECIPIENT = (
    "Tidak ada percakapan pribadi dengan pelanggan: komentarnya sudah dijawab dengan balasan "
    "pribadi (Meta mengizinkan satu per komentar). Balas lagi setelah pelanggan menjawab "
    "pesan pribadi itu."
)


@dataclass(frozen=True)
class Step:
    kind: str  # public (comment reply) | private (reply to a comment) | message (to a PSID)
    text: str


# --- where a reply goes ---------------------------------------------------------------------


def recipient_for(ticket: Ticket) -> str:
    """``comment:<id>`` for a comment to answer, else the PSID/IGSID, else ``""``."""
    rows = InboundDelivery.objects.filter(
        provider=ticket.channel, status=InboundStatus.FILED, message__ticket_id=ticket.pk
    ).order_by("-message_id")
    newest = rows.values_list("external_id", flat=True).first()
    if newest is not None and newest.startswith(COMMENT_PREFIX):
        answered = OutboundDelivery.objects.filter(
            provider=ticket.channel, message__ticket_id=ticket.pk, recipient=newest
        ).exists()
        if not answered:
            return newest
    address = (
        rows.exclude(external_id__startswith=COMMENT_PREFIX)
        .exclude(address="")
        .values_list("address", flat=True)
        .first()
    )
    return address or ""


def steps_of(delivery: OutboundDelivery) -> list[Step]:
    body = delivery.message.body.strip()
    if delivery.recipient.startswith(COMMENT_PREFIX):
        return [Step("public", PUBLIC_INVITATION), Step("private", body)]
    return [Step("message", chunk) for chunk in split_text(body, TEXT_LIMIT)]


def create_for(message: Message) -> OutboundDelivery:
    """The delivery row of a reply (once per message): ``pending`` with its recipient, or
    already ``skipped`` (not configured) or ``failed`` (nobody to write to)."""
    now = timezone.now()
    fields: dict[str, object] = {"provider": message.channel, "next_attempt_at": now}
    if not conf.meta_sending_enabled():
        fields.update(status=D.SKIPPED, error=NOT_CONFIGURED, next_attempt_at=None)
    else:
        recipient = recipient_for(message.ticket)
        fields["recipient"] = recipient
        if not recipient:
            fields.update(status=D.FAILED, error=NO_RECIPIENT, failed_at=now, next_attempt_at=None)
    try:
        with transaction.atomic():
            return OutboundDelivery.objects.create(message=message, **fields)
    except IntegrityError:  # created by a concurrent call for the same reply
        return OutboundDelivery.objects.get(message=message)


def enqueue(message_id: int) -> OutboundDelivery | None:
    """After a reply on a Facebook/Instagram ticket commits: its row, then the send job."""
    row = OutboundDelivery.objects.filter(message_id=message_id).first()
    if row is None:
        message = (
            Message.objects.select_related("ticket")
            .filter(pk=message_id, kind=MessageKind.REPLY, channel__in=CHANNELS)
            .first()
        )
        if message is None:
            return None
        row = create_for(message)
    if row.status == D.PENDING:
        send_meta_reply(row.pk)
    return row


# --- the API --------------------------------------------------------------------------------


def _label(delivery: OutboundDelivery) -> str:
    return LABELS.get(delivery.provider, "Meta")


def _post(delivery: OutboundDelivery, path: str, body: dict[str, Any]) -> str:
    """POST to the Graph API; the id of what was created (``message_id`` or ``id``)."""
    token = conf.meta_page_access_token()
    try:
        response = httpx.post(
            f"{conf.meta_api_base()}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise network_error(exc, token) from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    if not response.is_success:
        error = data.get("error") if isinstance(data, dict) else None
        text = (
            error_text(error)
            if isinstance(error, dict)
            else f"HTTP {response.status_code}: {response.text[:300]}"
        )
        raise SendError(
            f"{_label(delivery)}: {text}",
            retryable=retryable_status(response.status_code),
            status_code=response.status_code,
            retry_after=retry_after_of(response),
        )
    if not isinstance(data, dict):
        return ""
    return str(data.get("message_id") or data.get("id") or "")


def send_step(delivery: OutboundDelivery, step: Step) -> str:
    if step.kind == "public":
        comment_id = delivery.recipient.removeprefix(COMMENT_PREFIX)
        edge = "replies" if delivery.provider == Channel.INSTAGRAM else "comments"
        return _post(delivery, f"{comment_id}/{edge}", {"message": step.text})
    if len(step.text) > TEXT_LIMIT and step.kind == "private":
        raise SendError(
            f"{_label(delivery)}: balasan pribadi atas komentar hanya boleh satu pesan "
            f"(maksimal {TEXT_LIMIT} karakter); persingkat balasannya.",
            retryable=False,
        )
    recipient: dict[str, str]
    if step.kind == "private":
        recipient = {"comment_id": delivery.recipient.removeprefix(COMMENT_PREFIX)}
    else:
        recipient = {"id": delivery.recipient}
    body = {"recipient": recipient, "messaging_type": "RESPONSE", "message": {"text": step.text}}
    return _post(delivery, "me/messages", body)


# --- the job --------------------------------------------------------------------------------


def attempt(delivery_id: int) -> str:
    """Send what is left of one reply: ``sent``, ``pending`` (will retry), ``failed`` or
    ``skipped`` (not due, finished, or held by another worker)."""
    now = timezone.now()
    claimed = OutboundDelivery.objects.filter(
        pk=delivery_id,
        provider__in=CHANNELS,
        status__in=[D.PENDING, D.SENDING],
        next_attempt_at__lte=now,
    ).update(status=D.SENDING, next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    delivery = OutboundDelivery.objects.select_related("message").get(pk=delivery_id)
    steps = steps_of(delivery)
    try:
        for index in range(delivery.parts_sent, len(steps)):
            provider_id = send_step(delivery, steps[index])
            mine = OutboundDelivery.objects.filter(pk=delivery.pk, parts_sent=index)
            mine.update(parts_sent=index + 1)
            if provider_id and steps[index].kind != "public":
                OutboundDelivery.objects.filter(pk=delivery.pk, provider_id="").update(
                    provider_id=provider_id
                )
    except SendError as exc:
        return _failed_attempt(delivery, exc)
    _finish(delivery.pk)
    return "sent"


def retry_due(limit: int = 200) -> int:
    """Send every Facebook/Instagram reply whose retry time (or expired lease) has come."""
    due = list(
        OutboundDelivery.objects.filter(
            provider__in=CHANNELS,
            status__in=[D.PENDING, D.SENDING],
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(attempt(pk) == "sent" for pk in due)


@db_task()  # type: ignore[untyped-decorator]  # huey is untyped (tasks.py has the override)
def send_meta_reply(delivery_id: int) -> str:
    """Send a Facebook/Instagram reply now (queued after it commits); safe to run twice."""
    return attempt(delivery_id)


@periodic_task(crontab(minute="*"))
def retry_meta_replies() -> int:
    """Every minute: replies whose retry time has come or whose worker died."""
    return retry_due()
