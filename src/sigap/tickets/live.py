"""Live updates: after a change commits, tell the open pages that a ticket changed.

Only the ticket id travels over the channel layer; every page fetches what changed over
HTTP, through the same access checks as any other request. ``events._event`` calls
``ticket_changed`` for every timeline event, so no write can forget to announce itself.
Several events in one transaction are announced once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from sigap.core.layer import send as layer_send
from sigap.core.layer import serving_loop_is_running_here

log = logging.getLogger(__name__)

INBOX_GROUP = "inbox"
MAX_LISTED = 100  # the inbox refreshes its page anyway; ids beyond this are not needed
_pending = threading.local()


def ticket_group(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def presence_group(ticket_id: int) -> str:
    return f"presence-{ticket_id}"


def publish(ticket_ids: set[int], *, new: frozenset[int] = frozenset()) -> None:
    """One hop to the event loop for the whole set (a sweep may touch thousands): the
    inbox group gets one message listing the tickets, each ticket's group its own, except
    the tickets in ``new`` (created by the write: no page can be showing them yet)."""
    layer = get_channel_layer()
    if layer is None or not ticket_ids:
        return
    ordered = sorted(ticket_ids)
    watched = [ticket_id for ticket_id in ordered if ticket_id not in new]

    async def send_all() -> None:
        await _to_inbox(layer, ordered)
        for ticket_id in watched:
            await layer.group_send(
                ticket_group(ticket_id), {"type": "ticket.changed", "ticket": ticket_id}
            )

    layer_send(send_all, f"live update for {len(ordered)} tickets")


# On the serving event loop (``core.layer``), inbox announcements made within
# ``INBOX_EVERY`` seconds go out as one message: under a burst of writes (an import, an
# integration, a sweep) every open inbox refreshes once, and the loop sends a fraction of
# the messages. Elsewhere (jobs, tests) each goes out at once.
INBOX_EVERY = 0.05
_inbox_ids: set[int] = set()  # touched only on the serving loop
_inbox_flush: asyncio.TimerHandle | None = None


async def _to_inbox(layer: Any, ids: list[int]) -> None:
    global _inbox_flush
    if not serving_loop_is_running_here():
        await _send_inbox(layer, ids)
        return
    _inbox_ids.update(ids)
    if _inbox_flush is None:
        loop = asyncio.get_running_loop()
        _inbox_flush = loop.call_later(INBOX_EVERY, lambda: loop.create_task(_flush_inbox(layer)))


async def _send_inbox(layer: Any, ids: list[int]) -> None:
    await layer.group_send(INBOX_GROUP, {"type": "tickets.changed", "tickets": ids[:MAX_LISTED]})


async def _flush_inbox(layer: Any) -> None:
    global _inbox_flush
    ids = sorted(_inbox_ids)
    _inbox_ids.clear()
    _inbox_flush = None
    try:
        await _send_inbox(layer, ids)
    except Exception:  # a dead channel layer must never break the loop
        log.exception("live update for %d tickets not sent to the inbox", len(ids))


def _flush() -> None:
    ids: set[int] = getattr(_pending, "ids", set())
    new: set[int] = getattr(_pending, "new", set())
    _pending.ids, _pending.new = set(), set()
    if ids:
        publish(ids, new=frozenset(new))


def ticket_changed(ticket_id: int, *, new: bool = False) -> None:
    """Announce ``ticket_id`` once the current transaction commits (now, outside one);
    ``new``: the ticket is being created."""
    ids: set[int] | None = getattr(_pending, "ids", None)
    if ids is None or (ids and not _flush_waits()):
        # Nothing of ours waits for a commit: what is pending was rolled back, and must
        # not ride along with this thread's next commit.
        ids = _pending.ids = set()
        _pending.new = set()
    ids.add(ticket_id)
    if new:
        _pending.new.add(ticket_id)
    # The first callback to run sends everything pending; the others find nothing.
    transaction.on_commit(_flush, robust=True)


def _flush_waits() -> bool:
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        func is _flush for _, func, _ in connection.run_on_commit
    )
