"""Magic sign-in links: signed, time-limited, and single-use (the token carries the user's
last login, which signing in changes)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse

from sigap.accounts.models import Role, User

SALT = "sigap.portal.magic-link"


def _stamp(user: User) -> str:
    return user.last_login.isoformat() if user.last_login else "-"


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _stamp(user)}, salt=SALT, compress=True)


def user_for_token(token: str) -> User | None:
    """The customer the token signs in, or None when it is invalid, expired or used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SIGAP_MAGIC_LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    user = User.objects.filter(pk=data.get("u"), role=Role.CUSTOMER).first()
    if user is None or _stamp(user) != data.get("s"):
        return None
    return user


def send_link(user: User, *, purpose: str = "login") -> None:
    url = settings.SITE_URL.rstrip("/") + reverse("portal:magic_login", args=[make_token(user)])
    minutes = settings.SIGAP_MAGIC_LINK_MAX_AGE // 60
    if purpose == "verify":
        subject = "Aktifkan akun Sigap Anda"
        intro = "Terima kasih sudah mendaftar. Klik tautan berikut untuk mengaktifkan akun Anda:"
    else:
        subject = "Tautan masuk ke portal pelanggan"
        intro = "Klik tautan berikut untuk masuk ke portal pelanggan:"
    body = (
        f"Halo {user.get_full_name() or user.email},\n\n{intro}\n\n{url}\n\n"
        f"Tautan ini berlaku {minutes} menit dan hanya dapat dipakai sekali. "
        "Bila Anda tidak memintanya, abaikan email ini."
    )
    send_mail(subject, body, None, [user.email])
