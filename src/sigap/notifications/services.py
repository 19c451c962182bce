"""Notifications: stored grouped, pushed live to the user's open pages, mailed once.

``notify_many`` takes ``(user_id, ticket_id, kind, text)`` rows. Repeated events of one kind
on one ticket for one user collapse into the entry that is still open (unread): its count
goes up, its time and text become the latest. So the SLA sweep or a chatty automation rule
leaves one entry "Eskalasi (44 kali)", not 44 rows, and one email, not 44.

Concurrency: the callers notify inside the transaction of a ticket change, which holds the
ticket's row lock (``SELECT … FOR UPDATE``), so two changes of one ticket group their
notifications one after the other. Nothing worse than two entries for one group can come
of a race elsewhere, so no unique constraint makes a notification fail a ticket change.

The notifications app sits below the tickets: it knows a ticket only by its id. How a
ticket is named (reference, subject, customer) is asked of the function the tickets
register (``label_tickets_with``), in one query for a whole list or email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from sigap.accounts.models import Role
from sigap.core import menucache, outbox
from sigap.notifications.models import (
    ADMIN_OPT_IN,
    EMAIL_BY_DEFAULT,
    Notification,
    NotificationPreference,
)

log = logging.getLogger(__name__)

Row = tuple[int, int | None, str, str]  # (user_id, ticket_id, kind, text)
Prefs = dict[tuple[int, str], tuple[bool, bool]]

# A group already mailed is mailed again only after this long, however many events it
# gathers meanwhile (they are counted in the app and in the next mail).
EMAIL_GAP = timedelta(minutes=15)


@dataclass(frozen=True)
class TicketLabel:
    """How a notification names its ticket, read when it is shown or mailed."""

    reference: str
    subject: str
    customer: str


_labeller: Callable[[Collection[int]], dict[int, TicketLabel]] | None = None


def label_tickets_with(fn: Callable[[Collection[int]], dict[int, TicketLabel]]) -> None:
    """Registered by the tickets app in its ``ready()``: ids -> labels, in one query."""
    global _labeller
    _labeller = fn


def ticket_labels(ticket_ids: Iterable[int | None]) -> dict[int, TicketLabel]:
    ids = {t for t in ticket_ids if t}
    if not ids or _labeller is None:
        return {}
    return _labeller(ids)


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def preferences(user_ids: Iterable[int]) -> Prefs:
    """``(user, kind) -> (in_app, email)`` for the stored choices (defaults elsewhere)."""
    return {
        (p.user_id, p.kind): (p.in_app, p.email)
        for p in NotificationPreference.objects.filter(user_id__in=set(user_ids))
    }


def default(kind: str, role: str | None = None) -> tuple[bool, bool]:
    """What a user hears of ``kind`` before they choose: in the app; by email for
    ``EMAIL_BY_DEFAULT``; nothing for an admin of ``ADMIN_OPT_IN`` kinds."""
    if role == Role.ADMIN and kind in ADMIN_OPT_IN:
        return (False, False)
    return (True, kind in EMAIL_BY_DEFAULT)


def wants(prefs: Prefs, user_id: int, kind: str, role: str | None = None) -> tuple[bool, bool]:
    return prefs.get((user_id, kind), default(kind, role))


def chose(user_ids: Iterable[int], kind: str) -> set[int]:
    """Those of ``user_ids`` who asked for ``kind`` themselves (in the app or by email)."""
    return set(
        NotificationPreference.objects.filter(user_id__in=set(user_ids), kind=kind)
        .exclude(in_app=False, email=False)
        .values_list("user_id", flat=True)
    )


@dataclass
class _Group:
    user_id: int
    ticket_id: int | None
    kind: str
    text: str
    count: int
    in_app: bool
    email: bool


def notify_many(rows: Iterable[Row], *, at: datetime | None = None) -> list[Notification]:
    """Store (or add to the open entry of) each row for those who want it, push the new
    unread counts to their open pages after the commit, and queue one email per user for
    the groups to mail. Returns the entries written."""
    rows = list(rows)
    if not rows:
        return []
    now = at or timezone.now()
    prefs = preferences(u for u, _, _, _ in rows)
    groups: dict[tuple[int, int | None, str], _Group] = {}
    singles: list[_Group] = []  # without a ticket: nothing to group by
    for user_id, ticket_id, kind, text in rows:
        in_app, email = wants(prefs, user_id, kind)
        if not (in_app or email):
            continue
        key = (user_id, ticket_id, str(kind))
        if ticket_id is not None and key in groups:
            groups[key].count += 1
            groups[key].text = text
            continue
        group = _Group(user_id, ticket_id, str(kind), text, 1, in_app, email)
        if ticket_id is None:
            singles.append(group)
        else:
            groups[key] = group
    if not groups and not singles:
        return []

    open_rows: dict[tuple[int, int | None, str], Notification] = {}
    if groups:
        for n in Notification.objects.filter(
            user_id__in={g.user_id for g in groups.values()},
            ticket_id__in={g.ticket_id for g in groups.values()},
            kind__in={g.kind for g in groups.values()},
            read_at__isnull=True,
        ).order_by("-id"):
            key = (n.user_id, n.ticket_id, n.kind)
            if key in groups and key not in open_rows:
                open_rows[key] = n

    to_mail: list[Notification] = []
    updated: list[Notification] = []
    for key, row in open_rows.items():
        group = groups.pop(key)
        row.count += group.count
        row.created_at = now
        row.text = group.text[:300]
        row.in_app = group.in_app
        updated.append(row)
        if group.email and (row.emailed_at is None or row.emailed_at <= now - EMAIL_GAP):
            to_mail.append(row)
    if updated:
        Notification.objects.bulk_update(updated, ["count", "created_at", "text", "in_app"])
    fresh = [*groups.values(), *singles]
    created = Notification.objects.bulk_create(
        Notification(
            user_id=g.user_id,
            ticket_id=g.ticket_id,
            kind=g.kind,
            text=g.text[:300],
            created_at=now,
            count=g.count,
            in_app=g.in_app,
        )
        for g in fresh
    )
    to_mail += [n for n, g in zip(created, fresh, strict=True) if g.email]

    if to_mail:  # mailed by the worker once this commits; the row keeps them until then
        outbox.later("notifications.email", ids=sorted(n.pk for n in to_mail))
    written = [*updated, *created]
    users = sorted({n.user_id for n in written if n.in_app})
    menucache.forget(n.user_id for n in written)  # the unread counts in their menus
    if users:
        transaction.on_commit(lambda: _push(users), robust=True)  # open pages: now or never
    return written


def unread_counts(user_ids: Collection[int]) -> dict[int, int]:
    counts = (
        Notification.objects.filter(user_id__in=user_ids, read_at__isnull=True, in_app=True)
        .order_by()
        .values_list("user_id")
        .annotate(n=Count("id"))
    )
    return dict(counts)


def _push(user_ids: list[int]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        counts = unread_counts(user_ids)
    except Exception:  # the push is a courtesy to open pages; it must not break the commit
        log.exception("notification counts for the push failed")
        return
    send = async_to_sync(layer.group_send)
    for user_id in user_ids:
        try:
            send(
                user_group(user_id),
                {"type": "notification.new", "unread": counts.get(user_id, 0)},
            )
        except Exception:  # a dead channel layer must not break a committed write
            log.exception("notification push to user %s failed", user_id)


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True, in_app=True).count()


def forget_menu(sender: object, instance: Notification, **_: object) -> None:
    menucache.forget([instance.user_id])


def mark_read(user_id: int, ids: Collection[int] | None = None) -> int:
    """Mark the user's unread entries read (only ``ids``, when given). Another user's ids
    are ignored: the filter is on the owner first."""
    rows = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    changed = rows.update(read_at=timezone.now())
    if changed:
        menucache.forget([user_id])
    return changed
