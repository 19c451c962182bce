"""Inbound email: parse one raw message and file it on a ticket.

* Parsing uses the standard library (``email`` with ``policy.default``): multipart, every
  charset Python knows (utf-8, iso-8859-1, windows-1252, encoded words …), attachments,
  forwarded ``message/rfc822`` parts. HTML-only mail becomes text through nh3 (nothing of
  the HTML is ever rendered).
* Threading: the ticket number in the subject (``SGP-000123``), then
  ``In-Reply-To``/``References`` against the Message-IDs already stored, and either only
  when the sender may write on that ticket: one of its customer's email addresses (in any
  case), or an address the customer's own mail about the ticket copied in (``Cc``, kept as
  ``EmailParticipant``). A Message-ID is no secret (it travels in every reply, forward and
  list copy), so the headers alone prove nothing. Anyone else's mail opens a new ticket for
  its sender, as a mail without those headers would: like Freshdesk and Zammad (whose
  follow-up check rejects unknown senders), a stranger never writes as another customer,
  and their mail is not lost or held either. A delivery report (a bounce) is the one
  exception: it comes from a mailer-daemon, and is only ever kept as an internal note.
* The sender: every message records the From address (``Message.sender_address``); the
  ticket page shows it, marked when it is not the customer's (a copied-in participant).
* Never twice: a Message-ID already stored is a duplicate and changes nothing.
* No loops: automatic mail (``Auto-Submitted``, ``Precedence: bulk/junk/list``,
  ``X-Autoreply``, mailer-daemon bounces) never opens a ticket and never gets an
  acknowledgement; when it belongs to a ticket it is kept there as an internal note.
* Bounces: a delivery report (``multipart/report; report-type=delivery-status``) or a
  mailer-daemon notice that names one of our replies' Message-IDs (in its
  ``message/rfc822`` or ``text/rfc822-headers`` part, or quoted in its text) is recorded
  on that reply's ticket as an internal timeline entry; it never opens a ticket and never
  gets an answer.
* HTML: the sanitized HTML part is kept beside the text (``Message.body_html``); the text
  (or the HTML turned into text) stays the body. The ticket page loads none of its
  remote images until an agent asks (``web.templatetags.sigap.email_html``).
* Rate limit: more than ``SIGAP_EMAIL_SENDER_LIMIT`` mails an hour (default 20) from one
  address go to the quarantine ("rate limit"), unfiled and unanswered; a retry of the
  quarantine files them once the hour has passed.
* Nothing is dropped: mail that cannot be filed goes to the quarantine with the reason.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Any

import nh3
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brands
from sigap.connectors.models import EmailParticipant, EmailReceipt, Mailbox, QuarantinedEmail
from sigap.core.errors import SigapError
from sigap.core.locale import said_in_default_language
from sigap.customers.models import ContactKind, Customer, CustomerContact
from sigap.customers.services import ContactIn, customer_create, customer_find_by_contact
from sigap.tickets import events, services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Channel, EventKind, MessageKind, Ticket, TimelineEvent
from sigap.tickets.models import Message as TicketMessage

log = logging.getLogger(__name__)
CHANNEL = Channel.EMAIL
REFERENCE = re.compile(r"\bSGP-(\d{6,})\b", re.IGNORECASE)
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply)@", re.IGNORECASE)
DAEMON_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
NOTICE_RECIPIENT = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:")
NOTICE_ERROR = re.compile(r"#?\b[45]\.\d{1,3}\.\d{1,3}\b|^[45]\d\d[ -]")
MAX_SUBJECT = 255
MAX_HTML = 1_000_000  # characters of sanitized HTML kept; past it only the text is kept
SENDER_LIMIT_DEFAULT = 20
SENDER_WINDOW = timedelta(hours=1)
KEPT_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()} | {
    "img": nh3.ALLOWED_ATTRIBUTES["img"] | {"srcset"}
}
MAX_THREAD_CANDIDATES = 50  # stored messages a References chain is checked against
MAX_ADDRESS = 255


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
    html: str = ""
    bounce: Bounce | None = None
    cc: list[str] = field(default_factory=list)
    # the addresses it was sent to (To, Delivered-To, X-Original-To): which brand it is for
    to: list[str] = field(default_factory=list)


@dataclass
class Bounce:
    """What a delivery report says about the mail it reports on."""

    original_ids: list[str]
    recipient: str = ""
    status: str = ""
    reason: str = ""
    failed: bool = True


@dataclass
class IngestResult:
    status: str  # created | appended | duplicate | quarantined | automatic | bounced
    ticket: Ticket | None = None
    reason: str = ""


class _ParsedMessage(EmailMessage):
    """A parsed message whose headers are read many times and never changed: with
    ``policy.default`` every read parses the header again (the content type alone is read
    about thirty times per message while its body and attachments are found), so the
    parsed values are kept. Headers set after parsing are not seen; Sigap sets none."""

    def get(self, name: str, failobj: Any = None) -> Any:
        cache: dict[str, Any] = self.__dict__.setdefault("_sigap_headers", {})
        key = name.lower()
        if key not in cache:
            cache[key] = super().get(name)
        value = cache[key]
        return failobj if value is None else value

    def get_content_type(self) -> str:
        found: str | None = self.__dict__.get("_sigap_content_type")
        if found is None:
            found = self.__dict__["_sigap_content_type"] = super().get_content_type()
        return found


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _decode(payload: bytes) -> str:
    """Bytes whose declared charset is wrong or unknown: UTF-8 if they are, else
    windows-1252 (what mislabelled Western mail nearly always is), else Latin-1."""
    for charset in ("utf-8", "cp1252"):
        try:
            return payload.decode(charset)
        except UnicodeDecodeError:
            continue
    return payload.decode("latin-1")


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, AssertionError):
        content = None
    if content is not None and not isinstance(content, str):
        return ""
    if content is None or "\ufffd" in content:  # undecodable as declared: guess
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and (content is None or "\ufffd".encode() not in payload):
            content = _decode(payload)
    return content or ""


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitize_html(markup: str) -> str:
    """The HTML part as kept: scripts, styles, handlers and unsafe URLs removed (the
    ticket page sanitizes it again when it shows it, and loads no remote image unless an
    agent asks: an image's ``srcset`` is kept for that)."""
    clean = nh3.clean(
        markup, attributes=KEPT_ATTRIBUTES, link_rel="noopener noreferrer nofollow"
    ).strip()
    return clean if len(clean) <= MAX_HTML else ""


def _header_value(value: object) -> str:
    """``rfc822; budi@contoh.id`` → ``budi@contoh.id`` (DSN fields carry a type prefix)."""
    text = " ".join(str(value or "").split())
    return text.split(";", 1)[1].strip() if ";" in text else text


def _bounce_of(msg: EmailMessage, sender: str, text: str) -> Bounce | None:
    """A delivery report, or a mailer-daemon notice: which of our mails it is about (the
    Message-IDs it quotes) and why delivery failed. ``None`` for any other mail."""
    is_report = msg.get_content_type() == "multipart/report"
    if not is_report and not DAEMON_SENDERS.match(sender):
        return None
    bounce = Bounce(original_ids=[])
    actions: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks[1:] if isinstance(blocks, list) else []:  # per recipient
                if not isinstance(block, Message):
                    continue
                actions.append(str(block.get("Action", "")).strip().lower())
                if bounce.recipient:
                    continue
                bounce.recipient = _header_value(
                    block.get("Final-Recipient") or block.get("Original-Recipient")
                )
                bounce.status = str(block.get("Status", "")).strip()
                bounce.reason = _header_value(block.get("Diagnostic-Code"))
        elif ctype == "message/rfc822":
            inner = part.get_payload()
            original = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(original, Message):
                bounce.original_ids += _ids(str(original.get("Message-ID", "")))
        elif ctype == "text/rfc822-headers":
            headers = message_from_string(
                _text_of(part).lstrip(), _class=_ParsedMessage, policy=policy.default
            )
            bounce.original_ids += _ids(str(headers.get("Message-ID", "")))
    if not bounce.original_ids:  # a plain notice quoting our Message-ID in its text
        bounce.original_ids = _ids(text)
    bounce.original_ids += _ids(str(msg.get("In-Reply-To", ""))) + _ids(
        str(msg.get("References", ""))
    )
    bounce.failed = not actions or "failed" in actions
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not bounce.recipient:  # qmail, Exim …: "<budi@contoh.id>:" above the error
        quoted = next((m for line in lines if (m := NOTICE_RECIPIENT.match(line))), None)
        bounce.recipient = quoted.group(1).lower() if quoted else ""
    if not bounce.reason:
        coded = next((line for line in lines if NOTICE_ERROR.search(line)), "")
        bounce.reason = coded or bounce.status or (lines[0] if lines else _("tidak terkirim"))
    bounce.reason = bounce.reason[:300]
    return bounce


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
        msg = message_from_bytes(raw, _class=_ParsedMessage, policy=policy.default)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise MalformedEmail(_("tidak dapat dibaca: %(why)s") % {"why": exc}) from exc
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(str(msg.get("From", "")))
    if "@" not in sender:
        raise MalformedEmail(_("tanpa alamat pengirim (From) yang sah"))
    subject = " ".join(str(msg.get("Subject", "")).split())[:MAX_SUBJECT]
    body_part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body_part is not None:
        text = _text_of(body_part)
        if body_part.get_content_type() == "text/html":
            text = html_to_text(text)
    elif msg.get_content_maintype() == "multipart" and isinstance(msg.get_payload(), str):
        text = str(msg.get_payload())  # "multipart" without a boundary: the text as it is
    html_part = msg.get_body(preferencelist=("html",))
    body_html = sanitize_html(_text_of(html_part)) if html_part is not None else ""
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
                if fwd_body is not None and fwd_body.get_content_type() == "text/html":
                    fwd_text = html_to_text(fwd_text)
                heading = _(
                    "---- Pesan yang diteruskan ----\nDari: %(sender)s\nSubjek: %(subject)s"
                )
                text += "\n\n" + heading % {"sender": fwd_from, "subject": fwd_subject}
                text += f"\n\n{fwd_text}"
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append(Upload(part.get_filename() or "lampiran", payload))
    if not text.strip():
        text = _("(pesan tanpa isi)")
    message_id = (_ids(str(msg.get("Message-ID", ""))) or [""])[0]
    references = _ids(str(msg.get("In-Reply-To", ""))) + _ids(str(msg.get("References", "")))
    cc = [
        address.lower()
        for _display, address in getaddresses([str(value) for value in msg.get_all("Cc") or []])
        if "@" in address
    ]
    to = [
        address.lower()
        for _, address in getaddresses(
            [
                str(value)
                for header in ("To", "Delivered-To", "X-Original-To")
                for value in msg.get_all(header) or []
            ]
        )
        if "@" in address
    ]
    return ParsedEmail(
        message_id=message_id,
        references=references,
        subject=subject or said_in_default_language(gettext_lazy("(tanpa subjek)")),
        sender=sender.lower(),
        sender_name=name.strip(),
        text=text.strip(),
        attachments=attachments,
        automatic=_is_automatic(msg, sender),
        html=body_html,
        bounce=_bounce_of(msg, sender, text),
        cc=list(dict.fromkeys(cc)),
        to=list(dict.fromkeys(to)),
    )


CUSTOMER = "customer"
PARTICIPANT = "participant"


def _customer_addresses(ticket: Ticket) -> set[str]:
    values = CustomerContact.objects.filter(
        customer_id=ticket.customer_id, kind=ContactKind.EMAIL
    ).values_list("value", flat=True)
    return {value.lower() for value in values}


def _writer(ticket: Ticket, sender: str) -> str:
    """Who ``sender`` is on ``ticket``: its customer, a participant the customer copied
    in, or nobody ("")."""
    if sender in _customer_addresses(ticket):
        return CUSTOMER
    if EmailParticipant.objects.filter(ticket=ticket, address=sender).exists():
        return PARTICIPANT
    return ""


def _thread(mail: ParsedEmail) -> tuple[Ticket | None, str]:
    """The ticket the mail belongs to and who its sender is there (``CUSTOMER`` or
    ``PARTICIPANT``); ``(None, "")`` when it opens a new ticket. A delivery report is
    threaded by the Message-IDs it quotes alone (it comes from a mailer-daemon)."""
    bounce = mail.bounce is not None
    match = REFERENCE.search(mail.subject)
    if match:
        ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
        writer = _writer(ticket, mail.sender) if ticket is not None else ""
        if ticket is not None and writer:
            return ticket, writer
    references = mail.references + (mail.bounce.original_ids if mail.bounce else [])
    if not references:
        return None, ""
    earlier = (
        TicketMessage.objects.filter(external_id__in=references)
        .select_related("ticket")
        .order_by("-id")
    )
    seen: set[int] = set()
    for message in earlier[:MAX_THREAD_CANDIDATES]:
        if message.ticket_id in seen:
            continue
        seen.add(message.ticket_id)
        if bounce:
            return message.ticket, ""
        writer = _writer(message.ticket, mail.sender)
        if writer:
            return message.ticket, writer
    return None, ""


def _our_addresses() -> set[str]:
    """Sigap's own sender addresses (never a ticket's participant): the default one and
    each brand's."""
    ours = {b.sender_email.lower() for b in brands.all_brands() if b.sender_email}
    return ours | {parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1].lower()}


def _add_participants(ticket: Ticket, mail: ParsedEmail) -> None:
    """Keep the addresses the customer's mail copied in, as the ticket's participants."""
    skip = _customer_addresses(ticket) | _our_addresses() | {mail.sender}
    for address in mail.cc:
        if address not in skip and len(address) <= MAX_ADDRESS:
            EmailParticipant.objects.get_or_create(ticket=ticket, address=address)


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


def sender_limit() -> int:
    return int(getattr(settings, "SIGAP_EMAIL_SENDER_LIMIT", SENDER_LIMIT_DEFAULT))


def _over_limit(mail: ParsedEmail) -> str:
    """The quarantine reason when the sender already sent the hour's allowance, else ""."""
    since = timezone.now() - SENDER_WINDOW
    limit = sender_limit()
    recent = EmailReceipt.objects.filter(sender=mail.sender, received_at__gte=since)
    if recent.count() < limit:
        return ""
    return _("rate limit: lebih dari %(n)s email per jam dari %(sender)s") % {
        "n": limit,
        "sender": mail.sender,
    }


def prune_receipts() -> int:
    """Delete the receipts the rate limit no longer counts (older than the window)."""
    deleted, _by_kind = EmailReceipt.objects.filter(
        received_at__lt=timezone.now() - SENDER_WINDOW
    ).delete()
    return deleted


def _is_duplicate(mail: ParsedEmail) -> bool:
    if not mail.message_id:
        return False
    if TicketMessage.objects.filter(channel=CHANNEL, external_id=mail.message_id).exists():
        return True
    return (
        mail.bounce is not None  # a delivery report already recorded on a ticket
        and TimelineEvent.objects.filter(
            kind=EventKind.AUTOMATION, data__bounce__report_id=mail.message_id
        ).exists()
    )


def ingest(raw: bytes, *, keep: bool = True, mailbox: Mailbox | None = None) -> IngestResult:
    """File one raw email. Never raises for bad mail: it is quarantined with the reason
    (``keep=False``: only report it, for a retry of a quarantined mail). ``mailbox``: the
    mailbox it was fetched from (a new ticket gets its brand, ``brand_for``)."""
    try:
        mail = parse(raw)
    except MalformedEmail as exc:
        return quarantine(raw, str(exc), keep=keep)
    if _is_duplicate(mail):
        return IngestResult("duplicate", reason=mail.message_id)
    limited = "" if mail.bounce else _over_limit(mail)
    if limited:
        return quarantine(raw, limited, mail, keep=keep)
    try:
        with transaction.atomic():
            result = _file(mail, mailbox)
            EmailReceipt.objects.create(sender=mail.sender)
            return result
    except IntegrityError:  # the same Message-ID, filed by another worker just now
        return IngestResult("duplicate", reason=mail.message_id)
    except SigapError as exc:  # e.g. an attachment over the size limit
        return quarantine(raw, exc.message, mail, keep=keep)


def _record_bounce(mail: ParsedEmail, bounce: Bounce) -> IngestResult | None:
    """Record a failed delivery on the ticket of the reply it reports; ``None`` when the
    report is not about one of our replies (or not a failure)."""
    reply = (
        TicketMessage.objects.filter(
            channel=CHANNEL, kind=MessageKind.REPLY, external_id__in=bounce.original_ids
        )
        .select_related("ticket")
        .order_by("-id")
        .first()
        if bounce.original_ids and bounce.failed
        else None
    )
    if reply is None:
        return None
    events.email_bounced_event(
        reply,
        recipient=bounce.recipient,
        reason=bounce.reason,
        status=bounce.status,
        report_id=mail.message_id,
    )
    log.info("email reply %s bounced: %s", reply.pk, bounce.reason)
    return IngestResult("bounced", ticket=reply.ticket, reason=bounce.reason)


def brand_for(mail: ParsedEmail, mailbox: Mailbox | None = None) -> int | None:
    """The brand a new ticket from ``mail`` belongs to: the brand of the mailbox it was
    fetched from; else of a mailbox, or a brand's sender address, it was addressed to
    (mail handed over by SMTP or forwarded); else ``None`` (the default brand)."""
    if mailbox is not None and mailbox.brand_id is not None:
        return mailbox.brand_id
    if not mail.to:
        return None
    found: int | None = (
        Mailbox.objects.filter(address__in=mail.to, brand__isnull=False, brand__is_active=True)
        .order_by("id")
        .values_list("brand_id", flat=True)
        .first()
    )
    if found is not None:
        return found
    addressed = set(mail.to)
    return next(
        (b.id for b in brands.active() if b.sender_email and b.sender_email.lower() in addressed),
        None,
    )


def _file(mail: ParsedEmail, mailbox: Mailbox | None = None) -> IngestResult:
    if mail.bounce is not None:
        recorded = _record_bounce(mail, mail.bounce)
        if recorded is not None:
            return recorded
    ticket, writer = _thread(mail)
    if mail.automatic:
        if ticket is None:
            return IngestResult("automatic", reason=_("balasan otomatis tanpa tiket"))
        services.message_add(
            actor=None,
            ticket=ticket,
            kind=MessageKind.NOTE,
            body=_("Balasan otomatis dari %(sender)s:") % {"sender": mail.sender}
            + f"\n\n{mail.text}",
            channel=CHANNEL,
            external_id=mail.message_id,
            sender_address=mail.sender,
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
            body_html=mail.html,
            sender_address=mail.sender,
        )
        if writer == CUSTOMER:
            _add_participants(ticket, mail)
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
        body_html=mail.html,
        sender_address=mail.sender,
        brand_id=brand_for(mail, mailbox),
    )
    _add_participants(created, mail)
    return IngestResult("created", ticket=created)
