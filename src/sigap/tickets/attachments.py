"""Attachment intake: size limit, content-type detection from the bytes, storage by hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

from sigap.core.errors import PayloadTooLarge, ValidationFailed
from sigap.tickets.models import Attachment, Message

MAX_FILENAME = 200
TEXT_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def max_bytes() -> int:
    return int(settings.SIGAP_MAX_ATTACHMENT_BYTES)


def check_request(files: list[tuple[str, int]]) -> None:
    """One request's files, (name, size) before any is read: at most
    ``SIGAP_MAX_ATTACHMENTS_PER_MESSAGE`` of them, ``SIGAP_MAX_MESSAGE_ATTACHMENTS_MB`` in
    all, and each within the per-file limit."""
    most = int(settings.SIGAP_MAX_ATTACHMENTS_PER_MESSAGE)
    if len(files) > most:
        raise PayloadTooLarge(
            _(
                "Paling banyak %(most)d lampiran per pesan; yang dikirim %(sent)d. "
                "Kirim sisanya di pesan berikutnya."
            )
            % {"most": most, "sent": len(files)}
        )
    total = sum(size for _, size in files)
    limit = int(settings.SIGAP_MAX_MESSAGE_ATTACHMENTS_BYTES)
    if total > limit:
        raise PayloadTooLarge(
            _(
                "Lampiran pesan ini %(size).1f MB, melebihi batas %(limit).0f MB per pesan. "
                "Kirim sebagian di pesan berikutnya."
            )
            % {"size": total / 1_048_576, "limit": limit / 1_048_576}
        )
    for name, size in files:
        check_size(name, size)


def check_size(filename: str, size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise PayloadTooLarge(
            _("Lampiran '%(name)s' berukuran %(size).1f MB, melebihi batas %(limit).0f MB.")
            % {"name": filename, "size": size / 1_048_576, "limit": limit / 1_048_576}
        )


def detect_content_type(content: bytes) -> str:
    """Type from the content itself, never from the name or the client's claim."""
    kind = filetype.guess(content[:TEXT_SNIFF_BYTES] if len(content) > 262 else content)
    if kind is not None:
        return str(kind.mime)
    sample = content[:TEXT_SNIFF_BYTES]
    if b"\x00" in sample:
        return "application/octet-stream"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text; an invalid byte
        # anywhere else (also near the end of a short file) is not.
        cut = len(content) > len(sample) and exc.reason == "unexpected end of data"
        if not cut:
            return "application/octet-stream"
    return "text/plain"


def clean_filename(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip().replace("\x00", "")
    if base in ("", ".", ".."):
        raise ValidationFailed(
            _("Nama berkas lampiran kosong."), fields={"files": [_("Nama kosong.")]}
        )
    return base[:MAX_FILENAME]


def attachment_store(*, message: Message, upload: Upload) -> Attachment:
    filename = clean_filename(upload.filename)
    check_size(filename, len(upload.content))
    digest = hashlib.sha256(upload.content).hexdigest()
    attachment = Attachment(
        message=message,
        ticket_id=message.ticket_id,
        filename=filename,
        content_type=detect_content_type(upload.content),
        size=len(upload.content),
        sha256=digest,
    )
    attachment.file.save(digest, ContentFile(upload.content), save=False)
    attachment.save()
    # what ``known_attachments`` recorded on the message no longer holds them all
    message.__dict__.get("_prefetched_objects_cache", {}).pop("attachments", None)
    return attachment


def known_attachments(message: Message, attachments: list[Attachment]) -> None:
    """Record on a message just written the attachments it has, as ``prefetch_related``
    would: serialising it (``message.attachments.all()``) then runs no query. Without
    any, an empty queryset stands for them, which costs a fraction of the related
    manager's filtered one (most new messages, every API creation); one stored later
    (``attachment_store``) drops what was recorded."""
    if not attachments:
        message.__dict__.setdefault("_prefetched_objects_cache", {})["attachments"] = (
            Attachment.objects.none()
        )
        return
    queryset = message.attachments.all()
    queryset._result_cache = attachments
    message.__dict__.setdefault("_prefetched_objects_cache", {})["attachments"] = queryset


def uploads_from(request: HttpRequest, field: str = "attachments") -> list[Upload]:
    """The files a web form sent in ``field``, as uploads for the services; refused as a
    whole (``check_request``) before any is read when there are too many or too much."""
    files = request.FILES.getlist(field)
    check_request([(f.name or "lampiran", f.size or 0) for f in files])
    return [Upload(f.name or "lampiran", f.read()) for f in files]
