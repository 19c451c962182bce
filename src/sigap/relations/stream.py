"""The whole customer: one stream of everything that happened with a customer, newest first.

Each kind of record is a ``Source``: one query for the newest rows before a cursor, each
row already shaped as a stream ``Item``. A page asks every source for ``limit + 1`` rows
before the cursor and merges them in Python, so each source reads only what its index gives
it (``message_ticket_created``, ``call_customer_started``, ``survey_customer_sent``,
``customer_change_at``) and the page costs one statement per source whatever the
customer's history. The order is (time, source, id) descending and the cursor carries all
three, so rows with the same time are neither skipped nor shown twice.

What a user may see follows the tickets' rules (``tickets.access.ticket_visibility``): a
record on a ticket the user cannot see is left out; calls and NPS answers that belong to
no ticket are shown to every staff member who may see the customer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.db.models.functions import Left
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.models import User
from sigap.connectors.phone.models import Call
from sigap.core.errors import ValidationFailed
from sigap.core.refs import ticket_reference
from sigap.customers.models import CustomerChange
from sigap.relations.models import PointsEntry, Voucher
from sigap.surveys.models import Survey
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import Channel, Message, MessageKind, Proposal, Ticket

EXCERPT = 280
PAGE = 30

# What each kind of item is called on the page (a dictionary look-up per item: the page
# renders dozens of items, and a chain of template conditions per item cost more than the
# rest of the item together)
LABELS = {
    "message_in": gettext_lazy("Pesan dari pelanggan"),
    "message_out": gettext_lazy("Balasan petugas"),
    "note": gettext_lazy("Catatan internal"),
    "ticket_opened": gettext_lazy("Tiket dibuka"),
    "call_outbound": gettext_lazy("Panggilan keluar"),
    "call": gettext_lazy("Panggilan masuk"),
    "survey": gettext_lazy("Survei dijawab"),
    "proposal": gettext_lazy("Usulan penyelesaian"),
    "profile_change": gettext_lazy("Profil diubah"),
    "points": gettext_lazy("Poin bertambah"),
    "points_spent": gettext_lazy("Poin berkurang"),
    "voucher": gettext_lazy("Voucher diberikan"),
}

CHANNELS = dict(Channel.choices)


@dataclass(frozen=True)
class Item:
    at: datetime
    source: str
    id: int
    kind: str
    ticket_id: int | None = None
    title: str = ""
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ticket_reference(self) -> str:
        return ticket_reference(self.ticket_id) if self.ticket_id else ""

    @property
    def label(self) -> str:
        key = self.kind
        if key == "call" and self.data.get("direction") == "outbound":
            key = "call_outbound"
        elif key == "points" and (self.data.get("points") or 0) < 0:
            key = "points_spent"
        return str(LABELS.get(key, self.kind))

    @property
    def channel(self) -> str:
        """The channel's name in the reader's language ("" when the item has none)."""
        code = self.data.get("channel") or ""
        return str(CHANNELS.get(code, code))

    @property
    def key(self) -> tuple[datetime, str, int]:
        return (self.at, self.source, self.id)


@dataclass(frozen=True)
class Cursor:
    at: datetime
    source: str
    id: int

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.source}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            at_text, source, id_text = raw.split("|")
            at = parse_datetime(at_text)
            if at is None or source not in SOURCE_NAMES:
                raise ValueError(raw)
            return cls(at, source, int(id_text))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationFailed(
                _("Penanda halaman riwayat tidak valid."),
                fields={"before": [_("Tidak valid.")]},
            ) from exc


def _before(name: str, column: str, cursor: Cursor | None) -> Q:
    """Rows of source ``name`` that come after ``cursor`` in (time, source, id) descending
    order."""
    if cursor is None:
        return Q()
    if name < cursor.source:
        return Q(**{f"{column}__lte": cursor.at})
    if name > cursor.source:
        return Q(**{f"{column}__lt": cursor.at})
    return Q(**{f"{column}__lt": cursor.at}) | Q(**{column: cursor.at, "pk__lt": cursor.id})


@dataclass(frozen=True)
class Scope:
    """Who is looking at which customer."""

    user: User
    customer_id: int

    def tickets(self) -> QuerySet[Ticket]:
        return visible_tickets(self.user).filter(customer_id=self.customer_id)

    def on_visible_ticket(self) -> Q:
        return Q(ticket__isnull=True) | Q(ticket__in=self.tickets().values("pk"))


Reader = Callable[[Scope, Cursor | None, int], Iterable[Item]]
SOURCES: dict[str, Reader] = {}
SOURCE_NAMES: set[str] = set()


def source(name: str) -> Callable[[Reader], Reader]:
    """Registers a reader; apps above this one add theirs (loyalty, incidents) by name."""

    def register(reader: Reader) -> Reader:
        SOURCES[name] = reader
        SOURCE_NAMES.add(name)
        return reader

    return register


_MESSAGE_KIND: dict[str, str] = {
    MessageKind.INBOUND: "message_in",
    MessageKind.REPLY: "message_out",
    MessageKind.NOTE: "note",
}


@source("message")
def _messages(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        Message.objects.filter(ticket__in=scope.tickets().values("pk"))
        .filter(_before("message", "created_at", cursor))
        .annotate(excerpt=Left("body", EXCERPT + 1))
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "kind", "channel", "ticket_id", "excerpt", "author_id")[:limit]
    )
    for r in rows:
        yield Item(
            at=r["created_at"],
            source="message",
            id=r["pk"],
            kind=_MESSAGE_KIND.get(r["kind"], "message_in"),
            ticket_id=r["ticket_id"],
            text=r["excerpt"],
            data={"channel": r["channel"], "author_id": r["author_id"]},
        )


@source("ticket")
def _tickets(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        scope.tickets()
        .filter(_before("ticket", "created_at", cursor))
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "subject", "channel", "status", "category")[:limit]
    )
    for r in rows:
        yield Item(
            at=r["created_at"],
            source="ticket",
            id=r["pk"],
            kind="ticket_opened",
            ticket_id=r["pk"],
            title=r["subject"],
            data={"channel": r["channel"], "status": r["status"], "category": r["category"]},
        )


@source("call")
def _calls(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        Call.objects.filter(customer_id=scope.customer_id)
        .filter(scope.on_visible_ticket())
        .filter(_before("call", "started_at", cursor))
        .order_by("-started_at", "-pk")
        .values("pk", "started_at", "ticket_id", "direction", "duration", "outcome", "notes")[
            :limit
        ]
    )
    for r in rows:
        yield Item(
            at=r["started_at"],
            source="call",
            id=r["pk"],
            kind="call",
            ticket_id=r["ticket_id"],
            text=r["notes"][: EXCERPT + 1],
            data={
                "direction": r["direction"],
                "duration": r["duration"],
                "outcome": r["outcome"],
            },
        )


@source("survey")
def _surveys(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        Survey.objects.filter(customer_id=scope.customer_id, answered_at__isnull=False)
        .filter(scope.on_visible_ticket())
        .filter(_before("survey", "answered_at", cursor))
        .order_by("-answered_at", "-pk")
        .values("pk", "answered_at", "ticket_id", "kind", "csat", "ces", "nps", "comment")[:limit]
    )
    for r in rows:
        yield Item(
            at=cast(datetime, r["answered_at"]),  # answered_at IS NOT NULL above
            source="survey",
            id=r["pk"],
            kind="survey",
            ticket_id=r["ticket_id"],
            text=r["comment"][: EXCERPT + 1],
            data={"survey": r["kind"], "csat": r["csat"], "ces": r["ces"], "nps": r["nps"]},
        )


@source("proposal")
def _proposals(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        Proposal.objects.filter(ticket__in=scope.tickets().values("pk"))
        .filter(_before("proposal", "created_at", cursor))
        .order_by("-created_at", "-pk")
        .values(
            "pk",
            "created_at",
            "ticket_id",
            "summary",
            "status",
            "compensation_type",
            "compensation_amount",
            "compensation_given",
        )[:limit]
    )
    for r in rows:
        yield Item(
            at=r["created_at"],
            source="proposal",
            id=r["pk"],
            kind="proposal",
            ticket_id=r["ticket_id"],
            text=r["summary"][: EXCERPT + 1],
            data={
                "status": r["status"],
                "compensation_type": r["compensation_type"],
                "compensation_amount": r["compensation_amount"],
                "compensation_given": r["compensation_given"],
            },
        )


@source("profile")
def _profile_changes(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        CustomerChange.objects.filter(customer_id=scope.customer_id)
        .filter(_before("profile", "at", cursor))
        .order_by("-at", "-pk")
        .values("pk", "at", "field", "old_value", "new_value", "actor_name")[:limit]
    )
    for r in rows:
        yield Item(
            at=r["at"],
            source="profile",
            id=r["pk"],
            kind="profile_change",
            title=r["field"],
            data={"old": r["old_value"], "new": r["new_value"], "actor": r["actor_name"]},
        )


@source("points")
def _points(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        PointsEntry.objects.filter(customer_id=scope.customer_id)
        .filter(_before("points", "at", cursor))
        .order_by("-at", "-pk")
        .values("pk", "at", "kind", "points", "spend", "reason", "actor_name")[:limit]
    )
    for r in rows:
        yield Item(
            at=r["at"],
            source="points",
            id=r["pk"],
            kind="points",
            title=r["kind"],
            text=r["reason"],
            data={"points": r["points"], "spend": r["spend"], "actor": r["actor_name"]},
        )


@source("voucher")
def _vouchers(scope: Scope, cursor: Cursor | None, limit: int) -> Iterable[Item]:
    rows = (
        Voucher.objects.filter(issued_to_id=scope.customer_id)
        .filter(_before("voucher", "issued_at", cursor))
        .order_by("-issued_at", "-pk")
        .values(
            "pk", "issued_at", "code", "issue_reason", "pool__name", "pool__value", "redeemed_at"
        )[:limit]
    )
    for r in rows:
        yield Item(
            at=cast(datetime, r["issued_at"]),  # issued: issued_to is set with issued_at
            source="voucher",
            id=r["pk"],
            kind="voucher",
            title=r["pool__name"],
            text=r["code"],
            data={
                "reason": r["issue_reason"],
                "value": r["pool__value"],
                "redeemed": r["redeemed_at"] is not None,
            },
        )


@dataclass(frozen=True)
class StreamPage:
    items: list[Item]
    next_cursor: str | None


def customer_stream(
    user: User, customer_id: int, *, before: str | None = None, limit: int = PAGE
) -> StreamPage:
    """The newest ``limit`` items before ``before`` (a cursor from the previous page). The
    caller has checked that ``user`` may see the customer (``customers.selectors``)."""
    cursor = Cursor.decode(before) if before else None
    scope = Scope(user=user, customer_id=customer_id)
    merged: list[Item] = []
    for reader in SOURCES.values():
        merged.extend(reader(scope, cursor, limit + 1))
    merged.sort(key=lambda item: item.key, reverse=True)
    page = merged[:limit]
    more = len(merged) > limit
    next_cursor = Cursor(page[-1].at, page[-1].source, page[-1].id).encode() if more else None
    return StreamPage(items=page, next_cursor=next_cursor)
