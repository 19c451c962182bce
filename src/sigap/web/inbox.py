"""The inbox: saved views, sorting and keyset pagination that stays fast at 1M tickets."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team, User
from sigap.core.errors import ValidationFailed
from sigap.tickets.models import OPEN_STATUSES, Status, Ticket

DUE_SOON = timedelta(hours=4)
RECENTLY = timedelta(days=7)
COUNT_CAP = 1000  # counts stop here ("999+"): a bounded cost on any view


@dataclass(frozen=True)
class View:
    key: str
    label: str | Promise
    condition: Callable[[User, datetime], Q]


def my_team_ids(user: User) -> list[int]:
    """The teams a user works in: those they are a member of and those they supervise
    (a supervisor is seldom a member of the teams they lead), in one query."""
    members = Team.members.through.objects.filter(user_id=user.pk).values_list("team_id", flat=True)
    supervised = Team.objects.filter(supervisor_id=user.pk).order_by().values_list("pk", flat=True)
    return sorted(set(members.union(supervised)))


def _my_teams(user: User) -> Q:
    # Ids, not a subquery: the planner then sees an empty or short list and picks the
    # team index instead of scanning a sort index for rows that never come.
    ids = my_team_ids(user)
    return Q(team_id__in=ids) if ids else Q(pk__in=[])


VIEWS: list[View] = [
    View("mine", _("Tiket saya"), lambda u, now: Q(assignee_id=u.pk, status__in=OPEN_STATUSES)),
    View("team", _("Tim saya"), lambda u, now: _my_teams(u) & Q(status__in=OPEN_STATUSES)),
    View(
        "unassigned",
        _("Belum ditangani"),
        lambda u, now: Q(assignee__isnull=True, status__in=OPEN_STATUSES),
    ),
    View(
        "due",
        _("Tenggat dekat/lewat"),
        lambda u, now: Q(status__in=OPEN_STATUSES, resolution_due_at__lte=now + DUE_SOON),
    ),
    View(
        "escalated",
        _("Dieskalasi"),
        lambda u, now: Q(status__in=OPEN_STATUSES, escalation_level__gt=0),
    ),
    View("waiting", _("Menunggu pelanggan"), lambda u, now: Q(status=Status.WAITING_CUSTOMER)),
    View(
        "resolved",
        _("Baru selesai"),
        lambda u, now: Q(status=Status.RESOLVED, resolved_at__gte=now - RECENTLY),
    ),
    View("all", _("Semua tiket"), lambda u, now: Q()),
]
VIEWS_BY_KEY = {v.key: v for v in VIEWS}
DEFAULT_VIEW = "mine"


def default_view(user: User) -> str:
    """Supervisors and admins start on their teams' tickets, agents on their own."""
    return "team" if user.is_supervisor_or_admin else DEFAULT_VIEW


@dataclass(frozen=True)
class Sort:
    key: str
    label: str | Promise
    field: str  # "" sorts by id only
    descending: bool
    id_descending: bool


SORTS: list[Sort] = [
    Sort("newest", _("Terbaru"), "", True, True),
    Sort("priority", _("Prioritas"), "priority", False, True),
    Sort("due", _("Tenggat terdekat (tiket terbuka)"), "resolution_due_at", False, False),
    Sort("updated", _("Terakhir diperbarui"), "updated_at", True, True),
]
SORTS_BY_KEY = {s.key: s for s in SORTS}
DEFAULT_SORT = "newest"


def apply_view(qs: QuerySet[Ticket], user: User, view: str) -> QuerySet[Ticket]:
    return qs.filter(VIEWS_BY_KEY[view].condition(user, timezone.now()))


COUNTS_TTL = 15  # seconds; the counts are a guide, the list itself is always fresh


def view_counts(visible: Callable[[], QuerySet[Ticket]], user: User) -> dict[str, int]:
    """Tickets per saved view (capped), cached briefly per user: seven counts cost more
    than the page they sit beside. ``visible()``: the tickets the user may see, asked for
    only when the counts are made (building it is ~0.2 ms for an agent)."""
    key = f"sigap:inbox-counts:{user.pk}"
    cached: dict[str, int] | None = cache.get(key)
    if cached is not None:
        return cached
    now = timezone.now()
    base = visible()
    counts = {
        v.key: base.filter(v.condition(user, now)).order_by()[:COUNT_CAP].count() for v in VIEWS
    }
    cache.set(key, counts, COUNTS_TTL)
    return counts


def _encode(value: Any, last_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: Sort) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        value, last_id = json.loads(raw)
        if sort.field in ("resolution_due_at", "updated_at"):
            value = datetime.fromisoformat(value)
        elif sort.field == "priority":
            value = int(value)
        return value, int(last_id)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            gettext("Halaman tidak valid."), fields={"cursor": [gettext("Tidak valid.")]}
        ) from exc


Row = TypeVar("Row", Ticket, dict[str, Any])


def _value(row: Ticket | dict[str, Any], name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


def sorted_page(
    qs: QuerySet[Ticket, Row], sort_key: str, cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """One page of ``qs`` in ``sort_key`` order, continuing after ``cursor``. The rows are
    what ``qs`` yields: tickets, or dicts (``values()``) holding the sort's field and
    ``id``."""
    sort = SORTS_BY_KEY[sort_key]
    id_order = "-id" if sort.id_descending else "id"
    id_after = "id__lt" if sort.id_descending else "id__gt"
    if sort.field:
        if sort.field == "resolution_due_at":  # deadlines: open tickets only
            qs = qs.filter(status__in=OPEN_STATUSES, resolution_due_at__isnull=False)
        order = [f"-{sort.field}" if sort.descending else sort.field, id_order]
    else:
        order = [id_order]
    if cursor:
        value, last_id = _decode(cursor, sort)
        if sort.field:
            beyond = f"{sort.field}__lt" if sort.descending else f"{sort.field}__gt"
            qs = qs.filter(Q(**{beyond: value}) | Q(**{sort.field: value, id_after: last_id}))
        else:
            qs = qs.filter(**{id_after: value})
    rows = list(qs.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        last_id = _value(last, "id")
        next_cursor = _encode(_value(last, sort.field) if sort.field else last_id, last_id)
    return rows[:limit], next_cursor


def segmented_page(
    segments: list[QuerySet[Ticket, Row]], sort_key: str, cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """One page over a search's segments in turn (``tickets.search.ticket_search``: the
    ticket with that number, the customer's tickets, the full-text hits), each in
    ``sort_key`` order. The cursor is ``s<segment>.<that segment's cursor>``."""
    start, inner = 0, ""
    if cursor:
        head, _, inner = cursor.partition(".")
        if not (head[:1] == "s" and head[1:].isdigit()):
            raise ValidationFailed(
                gettext("Halaman tidak valid."), fields={"cursor": [gettext("Tidak valid.")]}
            )
        start = int(head[1:])
    rows: list[Row] = []
    for index in range(start, len(segments)):
        need = limit - len(rows)
        got, next_inner = sorted_page(
            segments[index], sort_key, inner if index == start and inner else None, max(need, 1)
        )
        if need == 0:  # the page is full: is there a next one?
            if got:
                return rows, f"s{index}."
            continue
        rows += got
        if next_inner:
            return rows, f"s{index}.{next_inner}"
    return rows, None
