from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from huey.contrib.djhuey import db_task

from sigap.accounts.models import User
from sigap.core import outbox
from sigap.core.refs import ticket_reference
from sigap.notifications.models import Notification, NotificationKind
from sigap.notifications.services import EMAIL_GAP, TicketLabel, ticket_labels


@db_task(retries=3, retry_delay=60)
def send_notification_emails(rows: list[tuple[int, int | None, str, str]]) -> int:
    """Jobs queued before the emails went through the outbox (``email_notifications``)."""
    return email_notifications(rows=rows)


@outbox.handler("notifications.email")
def email_notifications(
    ids: list[int] | None = None, rows: list[tuple[int, int | None, str, str]] | None = None
) -> int:
    """One email per user for the notification groups ``ids`` (written with them, so none
    is lost to a crash): each with its kind, ticket reference, subject, customer, how many
    times it happened and a link. A group mailed less than ``EMAIL_GAP`` ago is left out,
    so a job run twice (at least once delivery) or a burst of events mails once.
    ``rows``: the outbox rows queued before the grouping, mailed one per row as then."""
    if rows is not None:
        return _legacy(rows)
    now = timezone.now()
    due = list(
        Notification.objects.filter(pk__in=ids or [])
        .exclude(emailed_at__gt=now - EMAIL_GAP)
        .order_by("user_id", "-created_at", "-id")
    )
    if not due:
        return 0
    users = {u.pk: u for u in User.objects.filter(pk__in={n.user_id for n in due}, is_active=True)}
    labels = ticket_labels(n.ticket_id for n in due)
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in due:
        if n.user_id in users and users[n.user_id].email:
            by_user[n.user_id].append(n)
    messages = []
    with override(settings.LANGUAGE_CODE):
        for user_id, items in by_user.items():
            messages.append(_mail(users[user_id], items, labels))
    sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    Notification.objects.filter(pk__in=[n.pk for items in by_user.values() for n in items]).update(
        emailed_at=now
    )
    return sent


def _site() -> str:
    return str(settings.SITE_URL).rstrip("/")


def _mail(
    user: User, items: list[Notification], labels: dict[int, TicketLabel]
) -> tuple[str, str, None, list[str]]:
    kinds = dict(NotificationKind.choices)
    if len(items) == 1:
        n = items[0]
        label = labels.get(n.ticket_id) if n.ticket_id else None
        ref = label.reference if label else (ticket_reference(n.ticket_id) if n.ticket_id else "")
        subject = f"[Sigap] {kinds.get(n.kind, n.kind)} {ref}".strip()
        if label:
            subject = f"{subject}: {label.subject}"[:200]
    else:
        subject = "[Sigap] " + ngettext(
            "%(n)d notifikasi baru", "%(n)d notifikasi baru", len(items)
        ) % {"n": len(items)}
    greeting = _("Halo %(name)s,") % {"name": user.get_full_name() or user.get_username()}
    blocks = [greeting, ""]
    for n in items:
        blocks.append(_block(n, labels, kinds))
    blocks.append(_("Atur notifikasi: %(url)s") % {"url": f"{_site()}/notifikasi/pengaturan/"})
    return subject, "\n".join(blocks), None, [user.email]


def _block(n: Notification, labels: dict[int, TicketLabel], kinds: dict[Any, Any]) -> str:
    lines = [f"{kinds.get(n.kind, n.kind)}: {n.text}"]
    if n.ticket_id:
        label = labels.get(n.ticket_id)
        if label:
            lines.append(
                _("Tiket %(ref)s · %(subject)s")
                % {"ref": label.reference, "subject": label.subject}
            )
            lines.append(_("Pelanggan: %(name)s") % {"name": label.customer})
        else:
            lines.append(_("Tiket %(ref)s") % {"ref": ticket_reference(n.ticket_id)})
    if n.count > 1:
        at = timezone.localtime(n.created_at).strftime("%d-%m-%Y %H:%M")
        lines.append(_("%(n)d kali, terakhir %(at)s") % {"n": n.count, "at": at})
    if n.ticket_id:
        lines.append(f"{_site()}/tickets/{n.ticket_id}/")
    return "\n".join(lines) + "\n"


def _legacy(rows: list[tuple[int, int | None, str, str]]) -> int:
    users = {u.pk: u for u in User.objects.filter(pk__in={r[0] for r in rows}, is_active=True)}
    kinds = dict(NotificationKind.choices)
    messages = []
    for user_id, ticket_id, kind, text in rows:
        user = users.get(user_id)
        if user is None or not user.email:
            continue
        link = f"\n\n{_site()}/tickets/{ticket_id}/" if ticket_id else ""
        ref = ticket_reference(ticket_id) if ticket_id else ""
        subject = f"[Sigap] {kinds.get(kind, kind)} {ref}".strip()
        messages.append((subject, f"{text}{link}", None, [user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
