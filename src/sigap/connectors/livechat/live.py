"""Channel-layer groups and the on-commit sender for live chat events.

Groups: ``livechat-v-<chat id>`` holds the visitor's open widgets (public events only);
``livechat-agents`` holds every open agent console (each console filters by chat).
Events are sent only after the transaction that caused them commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from sigap.core.layer import send as layer_send

AGENTS_GROUP = "livechat-agents"


def visitor_group(chat_id: int) -> str:
    return f"livechat-v-{chat_id}"


def send_now(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, event)

    # Handed to the serving loop without waiting (``core.layer``); in order per thread.
    layer_send(send_all, f"live chat event {event.get('type')}")


def send_on_commit(groups: list[str], event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(groups, event), robust=True)


def reserve_on_commit(groups: list[str]) -> Callable[[dict[str, Any]], None]:
    """Take a place in the after-commit queue now for an event only known later in the
    transaction; the returned function fills it in. On commit the event goes out before
    whatever the rest of the transaction queued behind it (``message_add`` queues the
    chatbot's answer, which writes and pushes a message of its own)."""
    events: list[dict[str, Any]] = []

    def send() -> None:
        for event in events:
            send_now(groups, event)

    transaction.on_commit(send, robust=True)
    return events.append
