"""Polling mailboxes (IMAP or POP3) for new mail; run by the worker every minute.

A message is deleted from the server only after ``email_in.ingest`` has stored it (as a
ticket message, a duplicate, an automatic note, a recorded bounce or a quarantined mail,
rate-limited ones included), so a crash in
between leaves it on the server and the next poll files it once (Message-ID dedupe). A
mailbox is leased while it is polled, so two workers never poll it at the same time. A
server or login error is recorded on the mailbox and never stops the other mailboxes.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import poplib
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from django.utils import timezone
from django.utils.translation import gettext

from sigap.connectors.email.account import MailboxError, open_imap, open_pop3, stored_secrets
from sigap.connectors.email.inbound import ingest
from sigap.connectors.models import Mailbox, MailProtocol

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_PER_POLL = 200
__all__ = ["MailboxError", "PollResult", "poll", "poll_all"]


@dataclass
class PollResult:
    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    error: str = ""


def _count(result: PollResult, status: str) -> None:
    result.fetched += 1
    result.statuses[status] = result.statuses.get(status, 0) + 1


def _imap(mailbox: Mailbox, result: PollResult) -> None:
    conn = open_imap(mailbox, stored_secrets(mailbox))
    try:
        status, _ = conn.select(mailbox.folder)
        if status != "OK":
            raise MailboxError(
                gettext("folder %(folder)s tidak dapat dibuka") % {"folder": mailbox.folder}
            )
        status, data = conn.uid("SEARCH", "UNDELETED")
        uids = [u.decode() for u in (data[0] or b"").split()[:MAX_PER_POLL]]
        for uid in uids:
            status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status != "OK" or not isinstance(raw, bytes):
                continue
            _count(result, ingest(raw, mailbox=mailbox).status)
            conn.uid("STORE", uid, "+FLAGS", r"(\Seen \Deleted)")  # stored: remove
        conn.expunge()
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


def _pop3(mailbox: Mailbox, result: PollResult) -> None:
    conn = open_pop3(mailbox, stored_secrets(mailbox))
    try:
        count, _ = conn.stat()
        for number in range(1, min(count, MAX_PER_POLL) + 1):
            _, lines, _ = conn.retr(number)
            _count(result, ingest(b"\r\n".join(lines) + b"\r\n", mailbox=mailbox).status)
            conn.dele(number)  # stored: delete (committed at QUIT)
        conn.quit()
    except BaseException:
        conn.close()  # no QUIT: nothing is deleted
        raise


def poll(mailbox: Mailbox) -> PollResult:
    """Fetch and file the mailbox's new mail (skipped while another worker holds it)."""
    now = timezone.now()
    claimed = (
        Mailbox.objects.filter(pk=mailbox.pk, active=True)
        .exclude(polling_until__gt=now)
        .update(polling_until=now + LEASE)
    )
    result = PollResult()
    if not claimed:
        result.error = gettext("sedang diperiksa pekerja lain")
        return result
    try:
        (_imap if mailbox.protocol == MailProtocol.IMAP else _pop3)(mailbox, result)
    except (MailboxError, imaplib.IMAP4.error, poplib.error_proto, OSError, httpx.HTTPError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("mailbox %s: %s", mailbox.name, result.error)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        polling_until=None, last_polled_at=timezone.now(), last_error=result.error
    )
    return result


def poll_all() -> dict[str, int]:
    return {m.name: poll(m).fetched for m in Mailbox.objects.filter(active=True)}
