"""What readers of the help centre tell us: "was this helpful?" votes (an article's
quality), and deflection: a complaint form's suggested article opened (the portal's new
complaint, the live chat widget's start form), and whether the customer filed the
complaint (started the chat) after all.

Writes here are the kb's services for these two small tables; the figures are read
through ``selectors``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import User
from sigap.kb.models import Article, ArticleVote, SuggestionOpen
from sigap.metrics.extra import Card

# A form's suggested article opened and no complaint filed from that form this long after:
# the customer left without filing (a deflection).
DEFLECTION_WINDOW = timedelta(minutes=30)
TOKEN_CHARS = 32
# the external id of a live chat's first message (connectors.livechat.services.chat_start)
LIVECHAT_START = "livechat:start:"


def voter_key(user: User | None, session_key: str) -> str:
    """One reader: the signed-in user, else the browser's session (hashed: the session
    key itself is a credential)."""
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return "s" + hashlib.sha256(session_key.encode()).hexdigest()[:40]


@transaction.atomic
def article_vote(*, article: Article, voter: str, helpful: bool) -> ArticleVote:
    """Record (or change) one reader's vote on an article."""
    now = timezone.now()
    vote, _created = ArticleVote.objects.update_or_create(
        article=article,
        voter=voter,
        defaults={"helpful": helpful, "updated_at": now},
        create_defaults={"helpful": helpful, "created_at": now, "updated_at": now},
    )
    return vote


@dataclass(frozen=True)
class Quality:
    helpful: int
    total: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.helpful / self.total) if self.total else None


def article_quality(article_id: int) -> Quality:
    row = ArticleVote.objects.filter(article_id=article_id).aggregate(
        total=Count("pk"), helpful=Count("pk", filter=Q(helpful=True))
    )
    return Quality(row["helpful"], row["total"])


def valid_token(token: str) -> bool:
    return len(token) == TOKEN_CHARS and all(c in "0123456789abcdef" for c in token)


def suggestion_opened(*, user: User | None, token: str, article: Article) -> None:
    """The customer opened a suggested article from the complaint form ``token``: once
    per form and article, however often they click (``user`` None: the live chat
    widget's visitor)."""
    try:
        with transaction.atomic():
            SuggestionOpen.objects.create(
                token=token, user=user, article=article, opened_at=timezone.now()
            )
    except IntegrityError:
        pass


def suggestions_filed(*, user: User, token: str, ticket_id: int) -> int:
    """The complaint was filed from form ``token`` after all: its opened suggestions are
    not deflections. Returns how many were marked."""
    return SuggestionOpen.objects.filter(user=user, token=token, filed_at__isnull=True).update(
        filed_at=timezone.now(), ticket_id=ticket_id
    )


def widget_chat_started(ticket_id: int, start_id: str) -> int:
    """A live chat started (ticket ``ticket_id``, its first message's id ``start_id``): the
    widget's start form whose token is the start's client id (``livechat:start:<cid>``)
    was filed after all. Returns how many opened suggestions were marked."""
    token = start_id.removeprefix(LIVECHAT_START) if start_id.startswith(LIVECHAT_START) else ""
    if not valid_token(token):
        return 0
    return SuggestionOpen.objects.filter(user=None, token=token, filed_at__isnull=True).update(
        filed_at=timezone.now(), ticket_id=ticket_id
    )


@dataclass(frozen=True)
class Deflection:
    opened: int  # complaint forms on which a suggested article was opened
    deflected: int  # of those, left without filing

    @property
    def percent(self) -> int | None:
        return round(100 * self.deflected / self.opened) if self.opened else None


def deflection(start: datetime, end: datetime, *, now: datetime | None = None) -> Deflection:
    """Forms with an opened suggestion in [start, end), and how many led to no complaint.
    A form still inside ``DEFLECTION_WINDOW`` is not counted yet: the customer may come
    back to it. One query."""
    settled = (now or timezone.now()) - DEFLECTION_WINDOW
    rows = (
        SuggestionOpen.objects.filter(opened_at__gte=start, opened_at__lt=min(end, settled))
        .values("token")
        .annotate(filed=Count("pk", filter=Q(filed_at__isnull=False)))
        .order_by()
    )
    opened = deflected = 0
    for row in rows:
        opened += 1
        deflected += row["filed"] == 0
    return Deflection(opened, deflected)


def deflection_card(since: datetime, until: datetime) -> Card:
    """The dashboard's card (``metrics.extra``)."""
    figure = deflection(since, until)
    return Card(
        key="deflection",
        label=_("Teralihkan oleh pusat bantuan"),
        value="—" if figure.percent is None else f"{figure.percent}%",
        note=_("%(n)s dari %(total)s yang membuka artikel saran tidak jadi mengirim keluhan")
        % {"n": figure.deflected, "total": figure.opened},
    )
