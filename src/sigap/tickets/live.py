"""Live updates: after a change commits, tell the open pages that a ticket changed.

Only the ticket id travels over the channel layer; every page fetches what changed over
HTTP, through the same access checks as any other request. ``events._event`` calls
``ticket_changed`` for every timeline event, so no write can forget to announce itself.
Several events in one transaction are announced once.
"""

from __future__ import annotations

import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

INBOX_GROUP = "inbox"
MAX_LISTED = 100  # the inbox refreshes its page anyway; ids beyond this are not needed
_pending = threading.local()


def ticket_group(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def presence_group(ticket_id: int) -> str:
    return f"presence-{ticket_id}"


def publish(ticket_ids: set[int]) -> None:
    """One hop to the event loop for the whole set (a sweep may touch thousands): the
    inbox group gets one message listing the tickets, each ticket's group its own."""
    layer = get_channel_layer()
    if layer is None or not ticket_ids:
        return
    ordered = sorted(ticket_ids)

    async def send_all() -> None:
        await layer.group_send(
            INBOX_GROUP, {"type": "tickets.changed", "tickets": ordered[:MAX_LISTED]}
        )
        for ticket_id in ordered:
            await layer.group_send(
                ticket_group(ticket_id), {"type": "ticket.changed", "ticket": ticket_id}
            )

    try:
        async_to_sync(send_all)()
    except Exception:  # a dead channel layer must never break a committed write
        log.exception("live update for %d tickets not sent", len(ordered))


def _flush() -> None:
    ids: set[int] = getattr(_pending, "ids", set())
    _pending.ids = set()
    if ids:
        publish(ids)


def ticket_changed(ticket_id: int) -> None:
    """Announce ``ticket_id`` once the current transaction commits (now, outside one)."""
    ids: set[int] | None = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    ids.add(ticket_id)
    # The first callback to run sends everything pending; the others find nothing. (After
    # a rollback, its ids ride along with the next commit: one spurious refresh, no loss.)
    transaction.on_commit(_flush, robust=True)
