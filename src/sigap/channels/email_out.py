"""Outbound email: a public reply on an email ticket is mailed to the customer.

The mail threads in the customer's client: ``In-Reply-To`` is the last Message-ID we have
on the ticket, ``References`` all of them; our own ``Message-ID`` is stored on the reply
(``external_id``) so the customer's answer lands back on this ticket. The subject carries
the ticket number; the sender name is the agent's; there is a text and an HTML part.
Sent by the worker after the reply commits, retried on SMTP errors.
"""

from __future__ import annotations

import html
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from sigap.customers.models import ContactKind
from sigap.tickets.models import Channel, Message, MessageKind


def build(message: Message) -> EmailMultiAlternatives | None:
    ticket = message.ticket
    contact = (
        ticket.customer.contacts.filter(kind=ContactKind.EMAIL)
        .order_by("-is_primary", "id")
        .first()
    )
    if contact is None:
        return None
    _, from_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = from_addr.split("@")[-1] or "sigap.local"
    agent = message.author.get_full_name() if message.author else ""
    from_name = (
        f"{agent} ({settings.SIGAP_BUSINESS_NAME})" if agent else settings.SIGAP_BUSINESS_NAME
    )
    earlier = list(
        Message.objects.filter(ticket=ticket, channel=Channel.EMAIL)
        .exclude(pk=message.pk)
        .exclude(external_id="")
        .order_by("created_at", "id")
        .values_list("external_id", flat=True)
    )
    message_id = message.external_id or make_msgid(f"sgp{message.pk}", domain=domain)
    headers = {"Message-ID": message_id, "Auto-Submitted": "no"}
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-20:])
    subject = f"Re: [{ticket.reference}] {ticket.subject}"
    body_html = "<div>" + html.escape(message.body).replace("\n", "<br>\n") + "</div>"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=message.body,
        from_email=formataddr((from_name, from_addr)),
        to=[contact.value],
        headers=headers,
    )
    mail.attach_alternative(body_html, "text/html")
    return mail


def send(message_id: int) -> bool:
    """Mail one reply; False when there is nothing to send (not an email reply, no
    address, already sent)."""
    message = (
        Message.objects.select_related("ticket__customer", "author").filter(pk=message_id).first()
    )
    if (
        message is None
        or message.kind != MessageKind.REPLY
        or message.ticket.channel != Channel.EMAIL
        or message.external_id  # sent before (its Message-ID is recorded)
    ):
        return False
    mail = build(message)
    if mail is None:
        return False
    mail.send(fail_silently=False)
    Message.objects.filter(pk=message.pk, external_id="").update(
        external_id=mail.extra_headers["Message-ID"]
    )
    return True
