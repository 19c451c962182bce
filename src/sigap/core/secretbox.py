"""Secrets kept in the database (mailbox passwords, OAuth2 refresh tokens, channel tokens),
encrypted with a key derived from a server secret.

The key is HKDF-SHA256 over ``SIGAP_SECRETS_KEY`` when the operator sets one (a dedicated
secret, so that rotating ``SECRET_KEY`` does not lose the stored passwords), else over
``SECRET_KEY``. The cipher is ``cryptography``'s Fernet (AES-128-CBC with an HMAC-SHA256,
a timestamp and a random IV): the same plaintext never gives the same column twice, and a
changed or foreign value is refused (``SecretUnreadable``) instead of decrypting to rubbish.
A stored value is text starting with ``fernet:`` so that its kind is recognisable.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "fernet:"
INFO = b"sigap stored secrets v1"


class SecretUnreadable(Exception):
    """A stored secret that this server's key cannot open (another key, or altered)."""


@lru_cache(maxsize=4)
def _fernet(server_secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
        server_secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _box() -> Fernet:
    secret = str(getattr(settings, "SIGAP_SECRETS_KEY", "") or settings.SECRET_KEY)
    return _fernet(secret)


def seal(plaintext: str) -> str:
    """The value to store for ``plaintext`` ("" stays "": nothing stored)."""
    if not plaintext:
        return ""
    return PREFIX + _box().encrypt(plaintext.encode("utf-8")).decode("ascii")


def open_(stored: str) -> str:
    """The plaintext of a value ``seal`` made ("" for ""); ``SecretUnreadable`` otherwise."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("not an encrypted value")
    try:
        return _box().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise SecretUnreadable(
            "the stored secret cannot be decrypted with this server's key "
            "(SIGAP_SECRETS_KEY or SECRET_KEY changed?)"
        ) from exc


def mask(plaintext: str) -> str:
    """What a log or an audit record may show of a secret: never any of it."""
    return "••••••" if plaintext else ""
