"""Outbound email: a public reply on an email ticket is mailed to the customer.

The mail threads in the customer's client: ``In-Reply-To`` is the last Message-ID we have
on the ticket, ``References`` all of them; our own ``Message-ID`` is stored on the reply
(``external_id``) so the customer's answer lands back on this ticket. The subject carries
the ticket number; the sender name is the agent's, with the ticket's brand (its sender
name and address when set, ``accounts.brands``); there is a text and an HTML part, both
with the brand's signature, the HTML one with its logo and colour.

A reply is sent through the shared send loop (``delivery``): its ``OutboundDelivery`` row
is written in the reply's own transaction, the worker claims it with a lease, and an SMTP
error retries it with backoff (a 5xx refusal fails it at once). The Message-ID is fixed per
reply (``sgp<message id>.<delivery id>@<our domain>``), so a resend after a worker died
between the server's "250" and recording it carries the same id. Every SMTP connection has
a timeout (``SIGAP_SMTP_TIMEOUT``), so a silent server cannot stall the worker.
"""

from __future__ import annotations

import html
import smtplib
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brands
from sigap.connectors.delivery import Adapter, Part, SendError
from sigap.connectors.email.account import MailboxError
from sigap.connectors.email.sender import through_mailbox
from sigap.connectors.models import OutboundDelivery
from sigap.customers.models import ContactKind
from sigap.tickets.models import Channel, Message, Ticket

PROVIDER = "email"


def recipient_for(ticket: Ticket) -> str:
    """The customer's email address (the primary one first); "" when they have none."""
    value: str | None = (
        ticket.customer.contacts.filter(kind=ContactKind.EMAIL)
        .order_by("-is_primary", "id")
        .values_list("value", flat=True)
        .first()
    )
    return value or ""


def _domain() -> str:
    _, from_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return from_addr.split("@")[-1] or "sigap.local"


def build(
    message: Message,
    *,
    to: str | None = None,
    message_id: str = "",
    text: str = "",
    rich: str = "",
) -> EmailMultiAlternatives | None:
    """The mail for a reply, to ``to`` (by default the customer's address; None when they
    have none), with ``message_id`` (by default the one stored on the reply, or a new one).
    ``text``/``rich``: a body prepared for the mail instead of the reply's text (an
    offered proposal with its answer links, ``connectors.proposals``)."""
    ticket = message.ticket
    address = to if to is not None else recipient_for(ticket)
    if not address:
        return None
    brand = brands.info(ticket.brand_id)
    _, from_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    from_addr = brand.sender_email or from_addr
    domain = _domain()
    agent = message.author.get_full_name() if message.author else ""
    business = (
        brand.sender_name
        or (brand.name if not brand.is_default else "")
        or settings.SIGAP_BUSINESS_NAME
    )
    from_name = f"{agent} ({business})" if agent else business
    earlier = list(
        Message.objects.filter(ticket=ticket, channel=Channel.EMAIL)
        .exclude(pk=message.pk)
        .exclude(external_id="")
        .order_by("created_at", "id")
        .values_list("external_id", flat=True)
    )
    message_id = message_id or message.external_id or f"<sgp{message.pk}@{domain}>"
    headers = {"Message-ID": message_id, "Auto-Submitted": "no"}
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-20:])
    subject = f"Re: [{ticket.reference}] {ticket.subject}"
    body_html = rich or "<div>" + html.escape(message.body).replace("\n", "<br>\n") + "</div>"
    text = text or message.body
    if brand.signature:
        text += "\n\n-- \n" + brand.signature
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((from_name, from_addr)),
        to=[address],
        headers=headers,
    )
    mail.attach_alternative(branded_html(body_html, brand), "text/html")
    return mail


def branded_html(body_html: str, brand: brands.BrandInfo) -> str:
    """The HTML part in the brand's look: its logo above (served publicly from Sigap,
    ``web:brand_logo``), a bar in its colour, its signature below. A brand with none
    of these leaves the body as it is."""
    if not (brand.has_logo or brand.colour or brand.signature):
        return body_html
    head = ""
    if brand.has_logo:
        src = settings.SITE_URL.rstrip("/") + reverse("web:brand_logo", args=[brand.slug])
        head = format_html(
            '<p><img src="{}?v={}" alt="{}" height="40" style="height:40px"></p>',
            src,
            brand.logo_version,
            brand.name,
        )
    signature = ""
    if brand.signature:
        lines = html.escape(brand.signature).replace("\n", "<br>\n")
        signature = (
            f'<div class="signature" style="color:#555;margin-top:16px">-- <br>\n{lines}</div>'
        )
    bar = (
        f"border-top:4px solid {html.escape(brand.colour)};padding-top:8px" if brand.colour else ""
    )
    return f'<div style="{bar}">{head}{body_html}{signature}</div>'


def send(delivery: OutboundDelivery, part: Part, index: int) -> str:
    """Mail the reply of ``delivery`` (one part: the whole mail). Returns its Message-ID;
    raises ``SendError`` (retryable unless the server refused it for good, 5xx)."""
    message = delivery.message
    message_id = f"<sgp{message.pk}.{delivery.pk}@{_domain()}>"
    prepared = delivery.quick_reply or {}  # {"text", "html"}: a proposal's answer links
    mail = build(
        message,
        to=delivery.recipient,
        message_id=message_id,
        text=str(prepared.get("text", "")),
        rich=str(prepared.get("html", "")),
    )
    if mail is None:
        raise SendError(_("Pelanggan tidak memiliki alamat email."), retryable=False)
    try:
        through_mailbox(mail, brands.info(message.ticket.brand_id)).send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendError(
            _("Server email menolak penerima: %(who)s") % {"who": exc.recipients},
            retryable=any(code < 500 for code in codes),
            status_code=max(codes, default=None),
        ) from exc
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        raise SendError(
            _("Server email menjawab %(code)s: %(text)s") % {"code": exc.smtp_code, "text": text},
            retryable=exc.smtp_code < 500,
            status_code=exc.smtp_code,
        ) from exc
    except MailboxError as exc:  # a stored secret unreadable, an OAuth2 token refused
        raise SendError(_("Kotak surat pengirim: %(why)s") % {"why": exc}, retryable=True) from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, disconnected
        raise SendError(
            _("Server email tidak dapat dihubungi (%(kind)s): %(why)s")
            % {"kind": type(exc).__name__, "why": exc},
            retryable=True,
        ) from exc
    Message.objects.filter(pk=message.pk, external_id="").update(external_id=message_id)
    return message_id


def parts(delivery: OutboundDelivery) -> list[Part]:
    """An email is one part: the whole mail, its text and HTML together."""
    return [Part("email")]


ADAPTER = Adapter(
    provider=PROVIDER,
    sending_enabled=lambda: True,
    not_configured="",
    recipient_for=recipient_for,
    no_recipient=gettext_lazy("Tidak dikirim: pelanggan tidak memiliki alamat email."),
    send=send,
    parts=parts,
)
