"""An inbound SMTP listener for on-premise setups (``sigap smtpd``): the business's mail
server relays customer mail to it, and each message is filed like a polled one.

A message is acknowledged (250) only after ``email_in.ingest`` stored it (a ticket
message, a duplicate, an automatic note, a recorded bounce or a quarantined mail); an
unexpected failure answers 451, so the sending server keeps the mail and tries again:
nothing is lost.
Oversized mail is refused during the transfer with 552.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from sigap.connectors.email.inbound import ingest

log = logging.getLogger(__name__)


def _file(raw: bytes) -> str:
    close_old_connections()
    try:
        return ingest(raw).status
    finally:
        close_old_connections()


class IngestHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            status = await sync_to_async(_file, thread_sensitive=False)(raw)
        except Exception:
            log.exception("inbound mail from %s not filed", envelope.mail_from)
            return "451 4.3.0 Pesan belum dapat disimpan; silakan coba lagi"
        return f"250 2.0.0 OK ({status})"
