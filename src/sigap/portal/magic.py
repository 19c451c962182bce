"""Magic sign-in links: signed, time-limited and single-use.

A token carries the user's last login and a fingerprint of their password hash, so
signing in, or any change of password, spends every link issued before. A sign-up's link
also carries a mark of the browser that signed up (``browser_mark``): a password chosen at
sign-up survives activation only when the link is opened in that browser; opened anywhere
else it proves the address but not who chose the password, and the password is dropped.

Mail to an address that is not proven yet carries no text the requester chose (no name).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from sigap.accounts import brands, message_templates
from sigap.accounts.brands import BrandInfo
from sigap.accounts.models import Role, User
from sigap.connectors.email.outbound import branded_html
from sigap.connectors.email.sender import through_mailbox

SALT = "sigap.portal.magic-link"
SIGNUP_BROWSER = "sigap_signup_browser"  # the session key of the sign-up's browser secret


def _stamp(user: User) -> str:
    login = user.last_login.isoformat() if user.last_login else "-"
    password = salted_hmac(SALT, user.password).hexdigest()[:16]
    return f"{login}|{password}"


def new_browser_secret() -> str:
    return secrets.token_urlsafe(24)


def browser_mark(secret: str) -> str:
    return hashlib.sha256(f"{SALT}:{secret}".encode()).hexdigest()[:24] if secret else ""


def make_token(user: User, *, browser: str = "") -> str:
    """``browser``: the mark of the browser that signed up (``browser_mark``)."""
    data = {"u": user.pk, "s": _stamp(user)}
    if browser:
        data["b"] = browser
    return signing.dumps(data, salt=SALT, compress=True)


@dataclass(frozen=True)
class Link:
    user: User
    browser: str  # the sign-up browser's mark, "" for a plain sign-in link

    def opened_where_signed_up(self, secret: str) -> bool:
        return bool(self.browser) and constant_time_compare(self.browser, browser_mark(secret))


def read_token(token: str) -> Link | None:
    """The link's customer, or None when it is invalid, expired or spent."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SIGAP_MAGIC_LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    user = User.objects.filter(pk=data.get("u"), role=Role.CUSTOMER).first()
    if user is None or _stamp(user) != data.get("s"):
        return None
    return Link(user, str(data.get("b", "")))


KEYS = {  # the purpose → the message on the settings page ("Templat pesan")
    "login": "portal_sign_in",
    "verify": "portal_activation",
    "exists": "portal_exists",
}


def send_link(
    user: User, *, purpose: str = "login", browser: str = "", brand: BrandInfo | None = None
) -> None:
    """In the language of the page that asked, as the brand whose portal asked (``brand``;
    None: the default brand), as a ticket's reply is: the brand's text of the message, its
    sender name and address, and an HTML part with its logo, colour and signature. The
    links open that brand's portal. The default brand without a sender of its own sends as
    before (``DEFAULT_FROM_EMAIL``, text only)."""
    brand = brand or brands.default()
    site = settings.SITE_URL.rstrip("/")
    query = "" if brand.is_default else "?" + urlencode({"brand": brand.slug})
    url = site + reverse("portal:magic_login", args=[make_token(user, browser=browser)]) + query
    # the name is the requester's words until the address is proven: not in this mail
    name = "" if user.email_verified_at is None else user.get_full_name().strip()
    greeting = gettext("Halo %(name)s,") % {"name": name} if name else gettext("Halo,")
    rendered = message_templates.render_message(
        KEYS[purpose],
        language=translation.get_language(),
        brand=brand.id,
        context={
            "sapaan": greeting,
            "nama_depan": message_templates.first_name(name),
            "tautan": url,
            "tautan_masuk": site + reverse("portal:login") + query,
            "menit": str(settings.SIGAP_MAGIC_LINK_MAX_AGE // 60),
        },
    )
    text = rendered.body
    if brand.signature:
        text += "\n\n-- \n" + brand.signature
    mail = EmailMultiAlternatives(
        subject=rendered.subject, body=text, from_email=_sender(brand), to=[user.email]
    )
    rich = branded_html(str(rendered.html), brand)
    if rich != str(rendered.html):  # the brand has a look of its own
        mail.attach_alternative(rich, "text/html")
    if not brand.is_default:
        through_mailbox(mail, brand)  # a brand's own mailbox, as its replies
    mail.send()


def _sender(brand: BrandInfo) -> str | None:
    """The From of a portal mail: the brand's sender name and address (each else the
    default's), None (``DEFAULT_FROM_EMAIL``) for a default brand without either."""
    if brand.is_default and not (brand.sender_email or brand.sender_name):
        return None
    default_name, default_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = (
        brand.sender_name
        or (brand.name if not brand.is_default else "")
        or default_name
        or settings.SIGAP_BUSINESS_NAME
    )
    return formataddr((name, brand.sender_email or default_addr))
