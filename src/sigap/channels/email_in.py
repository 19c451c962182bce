"""Inbound email: parse one raw message and file it on a ticket.

* Parsing uses the standard library (``email`` with ``policy.default``): multipart, every
  charset Python knows (utf-8, iso-8859-1, windows-1252, encoded words …), attachments,
  forwarded ``message/rfc822`` parts. HTML-only mail becomes text through nh3 (nothing of
  the HTML is ever rendered).
* Threading: the ticket number in the subject (``SGP-000123``) when the sender is one of
  that ticket's customer's addresses; then ``In-Reply-To``/``References`` against the
  Message-IDs already stored; otherwise a new ticket, with the customer found by address
  or created.
* Never twice: a Message-ID already stored is a duplicate and changes nothing.
* No loops: automatic mail (``Auto-Submitted``, ``Precedence: bulk/junk/list``,
  ``X-Autoreply``, mailer-daemon bounces) never opens a ticket and never gets an
  acknowledgement; when it belongs to a ticket it is kept there as an internal note.
* Nothing is dropped: mail that cannot be filed goes to the quarantine with the reason.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parseaddr

import nh3
from django.db import IntegrityError, transaction

from sigap.channels.models import QuarantinedEmail
from sigap.core.errors import SigapError
from sigap.customers.models import ContactKind, Customer
from sigap.customers.services import ContactIn, customer_create, customer_find_by_contact
from sigap.tickets import services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Channel, MessageKind, Ticket
from sigap.tickets.models import Message as TicketMessage

log = logging.getLogger(__name__)
CHANNEL = Channel.EMAIL
REFERENCE = re.compile(r"\bSGP-(\d{6,})\b", re.IGNORECASE)
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply)@", re.IGNORECASE)
MAX_SUBJECT = 255


class MalformedEmail(ValueError):
    pass


@dataclass
class ParsedEmail:
    message_id: str
    references: list[str]
    subject: str
    sender: str
    sender_name: str
    text: str
    attachments: list[Upload] = field(default_factory=list)
    automatic: bool = False


@dataclass
class IngestResult:
    status: str  # created | appended | duplicate | quarantined | automatic
    ticket: Ticket | None = None
    reason: str = ""


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_automatic(msg: EmailMessage, sender: str) -> bool:
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    return (
        auto not in ("", "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or msg.get("X-Autoreply") is not None
        or msg.get("X-Autorespond") is not None
        or msg.get_content_type() == "multipart/report"
        or bool(AUTOMATIC_SENDERS.match(sender))
    )


def parse(raw: bytes) -> ParsedEmail:
    try:
        msg = message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise MalformedEmail(f"tidak dapat dibaca: {exc}") from exc
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(str(msg.get("From", "")))
    if "@" not in sender:
        raise MalformedEmail("tanpa alamat pengirim (From) yang sah")
    subject = " ".join(str(msg.get("Subject", "")).split())[:MAX_SUBJECT]
    body_part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body_part is not None:
        text = _text_of(body_part)
        if body_part.get_content_type() == "text/html":
            text = html_to_text(text)
    attachments: list[Upload] = []
    for part in msg.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            forwarded = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(forwarded, Message):
                fwd_from = forwarded.get("From", "")
                fwd_subject = forwarded.get("Subject", "")
                fwd_body = (
                    forwarded.get_body(preferencelist=("plain", "html"))
                    if isinstance(forwarded, EmailMessage)
                    else None
                )
                fwd_text = _text_of(fwd_body) if fwd_body is not None else ""
                text += (
                    f"\n\n---- Pesan yang diteruskan ----\nDari: {fwd_from}\n"
                    f"Subjek: {fwd_subject}\n\n{fwd_text}"
                )
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(Upload(part.get_filename() or "lampiran", payload))
    if not text.strip() and not attachments:
        text = "(pesan tanpa isi)"
    message_id = (_ids(str(msg.get("Message-ID", ""))) or [""])[0]
    references = _ids(str(msg.get("In-Reply-To", ""))) + _ids(str(msg.get("References", "")))
    return ParsedEmail(
        message_id=message_id,
        references=references,
        subject=subject or "(tanpa subjek)",
        sender=sender.lower(),
        sender_name=name.strip(),
        text=text.strip(),
        attachments=attachments,
        automatic=_is_automatic(msg, sender),
    )


def _thread(mail: ParsedEmail) -> Ticket | None:
    match = REFERENCE.search(mail.subject)
    if match:
        ticket = (
            Ticket.objects.filter(
                pk=int(match.group(1)),
                customer__contacts__kind=ContactKind.EMAIL,
                customer__contacts__value=mail.sender,
            )
            .distinct()
            .first()
        )
        if ticket is not None:
            return ticket
    if mail.references:
        earlier = (
            TicketMessage.objects.filter(external_id__in=mail.references)
            .select_related("ticket")
            .order_by("-id")
            .first()
        )
        if earlier is not None:
            return earlier.ticket
    return None


def _customer_for(mail: ParsedEmail) -> Customer:
    found = customer_find_by_contact(ContactKind.EMAIL, mail.sender)
    if found is not None:
        return found
    name = mail.sender_name or mail.sender.split("@")[0]
    return customer_create(
        name=name[:200], contacts=[ContactIn(ContactKind.EMAIL, mail.sender, True)]
    )


def quarantine(
    raw: bytes, reason: str, mail: ParsedEmail | None = None, *, keep: bool = True
) -> IngestResult:
    if not keep:  # a retry of a mail already in quarantine
        return IngestResult("quarantined", reason=reason)
    QuarantinedEmail.objects.create(
        raw=raw,
        reason=reason[:300],
        message_id=mail.message_id if mail else "",
        sender=mail.sender if mail else "",
        subject=mail.subject if mail else "",
    )
    log.warning("email quarantined: %s", reason)
    return IngestResult("quarantined", reason=reason)


def ingest(raw: bytes, *, keep: bool = True) -> IngestResult:
    """File one raw email. Never raises for bad mail: it is quarantined with the reason
    (``keep=False``: only report it, for a retry of a quarantined mail)."""
    try:
        mail = parse(raw)
    except MalformedEmail as exc:
        return quarantine(raw, str(exc), keep=keep)
    if (
        mail.message_id
        and TicketMessage.objects.filter(channel=CHANNEL, external_id=mail.message_id).exists()
    ):
        return IngestResult("duplicate", reason=mail.message_id)
    try:
        with transaction.atomic():
            return _file(mail)
    except IntegrityError:  # the same Message-ID, filed by another worker just now
        return IngestResult("duplicate", reason=mail.message_id)
    except SigapError as exc:  # e.g. an attachment over the size limit
        return quarantine(raw, exc.message, mail, keep=keep)


def _file(mail: ParsedEmail) -> IngestResult:
    ticket = _thread(mail)
    if mail.automatic:
        if ticket is None:
            return IngestResult("automatic", reason="balasan otomatis tanpa tiket")
        services.message_add(
            actor=None,
            ticket=ticket,
            kind=MessageKind.NOTE,
            body=f"Balasan otomatis dari {mail.sender}:\n\n{mail.text}",
            channel=CHANNEL,
            external_id=mail.message_id,
        )
        return IngestResult("automatic", ticket=ticket)
    if ticket is not None and ticket.status != "closed":
        services.message_add(
            actor=None,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            body=mail.text,
            channel=CHANNEL,
            external_id=mail.message_id,
            uploads=mail.attachments,
        )
        return IngestResult("appended", ticket=ticket)
    customer = _customer_for(mail)
    created = services.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel=CHANNEL,
        subject=mail.subject,
        description=mail.text,
        external_id=mail.message_id,
        uploads=mail.attachments,
    )
    return IngestResult("created", ticket=created)
