from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from huey.contrib.djhuey import db_task

from sigap.accounts.models import User
from sigap.core import outbox
from sigap.core.refs import ticket_reference
from sigap.notifications.models import NotificationKind


@db_task(retries=3, retry_delay=60)
def send_notification_emails(rows: list[tuple[int, int | None, str, str]]) -> int:
    """Jobs queued before the emails went through the outbox (``email_notifications``)."""
    return email_notifications(rows)


@outbox.handler("notifications.email")
def email_notifications(rows: list[tuple[int, int | None, str, str]]) -> int:
    """One email per notification to users who chose email (and have an address); the
    outbox row is written with the notifications, so none is lost to a crash."""
    users = {u.pk: u for u in User.objects.filter(pk__in={r[0] for r in rows}, is_active=True)}
    labels = dict(NotificationKind.choices)
    site = settings.SITE_URL.rstrip("/")
    messages = []
    for user_id, ticket_id, kind, text in rows:
        user = users.get(user_id)
        if user is None or not user.email:
            continue
        link = f"\n\n{site}/tickets/{ticket_id}/" if ticket_id else ""
        ref = ticket_reference(ticket_id) if ticket_id else ""
        subject = f"[Sigap] {labels.get(kind, kind)} {ref}".strip()
        messages.append((subject, f"{text}{link}", None, [user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
