"""Websockets: the inbox and a ticket page learn that a ticket changed; agents on the same
ticket see each other (collision detection).

Messages carry ids only; pages fetch the changed parts over HTTP with the usual checks.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer

from sigap.accounts import twofactor
from sigap.accounts.models import User
from sigap.accounts.presence import mark_seen
from sigap.core.errors import NotFound
from sigap.notifications.services import user_group
from sigap.tickets.access import access_ticket
from sigap.tickets.live import INBOX_GROUP, presence_group, ticket_group

PRESENCE_STATES = frozenset({"viewing", "typing", "left"})
CLOSE_FORBIDDEN = 4403


def notification_message(event: dict[str, Any]) -> dict[str, Any]:
    """``{"type": "notification", "unread": n}``: the badge shows the user's unread count
    (a repeated event adds to an entry, not to the count)."""
    message: dict[str, Any] = {"type": "notification"}
    if isinstance(event.get("unread"), int):
        message["unread"] = event["unread"]
    return message


def _user(scope: Any) -> User | None:
    """The signed-in user, unless their session still owes a 2FA code (or a setup)."""
    user = scope.get("user")
    if not isinstance(user, User) or not user.is_active:
        return None
    if twofactor.needs_code(user, scope.get("session") or {}) or twofactor.needs_setup(user):
        return None
    return user


class InboxConsumer(JsonWebsocketConsumer):
    """Staff only: every committed ticket change, as ``{"type": "ticket.changed"}``."""

    def connect(self) -> None:
        user = _user(self.scope)
        if user is None or not user.is_agent_or_above:
            self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_group = user_group(user.pk)
        self.user_id = user.pk
        async_to_sync(self.channel_layer.group_add)(INBOX_GROUP, self.channel_name)
        async_to_sync(self.channel_layer.group_add)(self.user_group, self.channel_name)
        self.accept()
        mark_seen(user.pk)

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("ping"):
            mark_seen(self.user_id)  # the page's heartbeat: still online

    def disconnect(self, code: int) -> None:
        async_to_sync(self.channel_layer.group_discard)(INBOX_GROUP, self.channel_name)
        if hasattr(self, "user_group"):
            async_to_sync(self.channel_layer.group_discard)(self.user_group, self.channel_name)

    def notification_new(self, event: dict[str, Any]) -> None:
        self.send_json(notification_message(event))

    def tickets_changed(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "tickets.changed", "tickets": event["tickets"]})


class TicketConsumer(JsonWebsocketConsumer):
    """One ticket: its changes for anyone who may see it; presence among staff."""

    groups_joined: list[str]

    def connect(self) -> None:
        self.groups_joined = []
        user = _user(self.scope)
        self.ticket_id = int(self.scope["url_route"]["kwargs"]["ticket_id"])
        if user is None:
            self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            access_ticket(user, self.ticket_id)
        except NotFound:
            self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.staff = user.is_agent_or_above
        self.groups_joined.append(ticket_group(self.ticket_id))
        if self.staff:
            self.groups_joined.append(presence_group(self.ticket_id))
            self.groups_joined.append(user_group(user.pk))
        for group in self.groups_joined:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        self.accept()
        if self.staff:
            mark_seen(user.pk)
            self._announce("viewing")

    def disconnect(self, code: int) -> None:
        if getattr(self, "staff", False):
            self._announce("left")
        for group in self.groups_joined:
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.staff or not isinstance(content, dict):
            return
        mark_seen(self.user.pk)  # presence every 10 s doubles as the heartbeat
        state = content.get("presence")
        if state in PRESENCE_STATES:
            self._announce(str(state))

    def _announce(self, state: str) -> None:
        async_to_sync(self.channel_layer.group_send)(
            presence_group(self.ticket_id),
            {
                "type": "presence",
                "user": self.user.pk,
                "name": self.user.get_full_name() or self.user.get_username(),
                "state": state,
                "sender": self.channel_name,
            },
        )

    def presence(self, event: dict[str, Any]) -> None:
        if event["sender"] == self.channel_name or event["user"] == self.user.pk:
            return
        self.send_json(
            {
                "type": "presence",
                "user": event["user"],
                "name": event["name"],
                "state": event["state"],
            }
        )

    def ticket_changed(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "ticket.changed", "ticket": event["ticket"]})

    def notification_new(self, event: dict[str, Any]) -> None:
        self.send_json(notification_message(event))
