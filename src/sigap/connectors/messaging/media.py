"""The customer's photos, documents and voice notes, downloaded after the commit by a job with
retries, stored as attachments of their message."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sigap.connectors import conf, registry
from sigap.connectors.models import InboundDelivery, MediaState, Provider
from sigap.core.errors import SigapError
from sigap.core.locale import said_in_default_language
from sigap.tickets import services
from sigap.tickets.attachments import Upload, attachment_store
from sigap.tickets.models import MessageKind

log = logging.getLogger(__name__)


MEDIA_BACKOFF = [60, 5 * 60, 30 * 60, 2 * 3600]


MEDIA_MAX_ATTEMPTS = len(MEDIA_BACKOFF) + 1


MEDIA_LEASE = timedelta(minutes=5)


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
        # through the connection it came in on (its ticket's brand's)
        with conf.using_brand(row.provider, row.message.ticket.brand_id):
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
    label = row.media.get("label") or said_in_default_language(gettext_lazy("lampiran"))
    services.message_add(
        actor=None,
        ticket=row.message.ticket,
        kind=MessageKind.NOTE,
        body=said_in_default_language(
            gettext_lazy(
                "Lampiran %(channel)s (%(what)s) dari pesan pelanggan tidak dapat diunduh: %(why)s"
            ),
            channel=registry.label(row.provider),
            what=label,
            why=error,
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
