"""The SMTP connection replies leave through: the mailbox marked ``sends_replies`` on the
settings page (its own server, sign-in with a password or XOAUTH2, its address as the
sender), or a brand's own mailbox for that brand's tickets, else Django's mail settings
(``SIGAP_SMTP_*``) as before."""

from __future__ import annotations

import smtplib
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from sigap.accounts.brands import BrandInfo
from sigap.connectors.email import account
from sigap.connectors.models import Mailbox


class MailboxBackend(EmailBackend):
    """Django's SMTP backend, connected and signed in the mailbox's way (``account``)."""

    def __init__(self, mailbox: Mailbox, **kwargs: Any) -> None:
        super().__init__(
            host=mailbox.smtp_host,
            port=mailbox.smtp_port,
            username="",
            password="",
            use_tls=False,
            use_ssl=False,
            timeout=settings.EMAIL_TIMEOUT,
            fail_silently=False,
            **kwargs,
        )
        self.mailbox = mailbox

    def open(self) -> bool | None:
        if self.connection:
            return False
        secrets = account.stored_secrets(self.mailbox)
        self.connection: smtplib.SMTP = account.open_smtp(
            self.mailbox, secrets, timeout=float(self.timeout or account.TIMEOUT)
        )
        return True


def reply_mailbox(brand: BrandInfo | None = None) -> Mailbox | None:
    """The mailbox replies leave through: a brand other than the default one sends
    through an active mailbox of its own that has an SMTP server, when it has one (a
    server seldom lets one sign-in send as another domain); else the mailbox marked
    ``sends_replies``; else none (Django's mail settings)."""
    if brand is not None and not brand.is_default:
        own = (
            Mailbox.objects.filter(brand_id=brand.id, active=True)
            .exclude(smtp_host="")
            .order_by("-sends_replies", "id")
            .first()
        )
        if own is not None:
            return own
    return Mailbox.objects.filter(sends_replies=True, active=True).exclude(smtp_host="").first()


def through_mailbox(mail: EmailMessage, brand: BrandInfo | None = None) -> EmailMessage:
    """Send ``mail`` through the replies' mailbox (of ``brand``, ``reply_mailbox``) when
    there is one, from its address (keeping the display name) unless the brand has a
    sender address of its own."""
    mailbox = reply_mailbox(brand)
    if mailbox is None:
        return mail
    mail.connection = MailboxBackend(mailbox)
    if mailbox.address and not (brand is not None and brand.sender_email):
        name, _ = parseaddr(str(mail.from_email))
        mail.from_email = formataddr((name, mailbox.address))
    return mail
