"""Signed answer links of an offered proposal: what an email or a chat card carries so the
customer can accept or reject it without signing in.

A token names one proposal and its ticket, is signed with ``SECRET_KEY`` (its own salt)
and expires after ``MAX_AGE``. It only opens a page that asks for a confirming POST
(mail scanners fetch links), and the answer is recorded once: the proposal is then no
longer offered, so a second click shows the answer already recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "sigap.proposal.answer"
MAX_AGE = timedelta(days=14)


@dataclass(frozen=True)
class LinkTarget:
    proposal_id: int
    ticket_id: int


class LinkExpired(Exception):
    """The signature is right but the link is older than ``MAX_AGE``."""


def token_for(proposal_id: int, ticket_id: int) -> str:
    return signing.dumps([proposal_id, ticket_id], salt=SALT, compress=True)


def read_token(token: str) -> LinkTarget | None:
    """The proposal a token names; None when it is malformed or forged. Raises
    ``LinkExpired`` for a genuine but old link."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return LinkTarget(proposal_id=value[0], ticket_id=value[1])
