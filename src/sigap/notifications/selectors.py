"""What a user's notification list and the top bar's menu show: their own entries, each
with its ticket's reference, subject and customer, in two queries however many."""

from __future__ import annotations

from dataclasses import dataclass

from sigap.notifications.models import Notification
from sigap.notifications.services import TicketLabel, ticket_labels


@dataclass(frozen=True)
class Entry:
    notification: Notification
    label: TicketLabel | None

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def entries(user_id: int, *, limit: int = 100) -> list[Entry]:
    """The user's latest entries shown in the app (never another user's), newest first."""
    rows = list(
        Notification.objects.filter(user_id=user_id, in_app=True).order_by("-created_at", "-id")[
            :limit
        ]
    )
    labels = ticket_labels(n.ticket_id for n in rows)
    return [Entry(n, labels.get(n.ticket_id) if n.ticket_id else None) for n in rows]
