"""Live chat listens to the ticket core (``tickets.hooks.ReplyPosted``): a public reply on a
live-chat ticket is pushed to the visitor once it is committed (``delivery``)."""

from __future__ import annotations

from sigap.connectors.livechat import delivery
from sigap.tickets import hooks
from sigap.tickets.models import Channel


def connect() -> None:
    hooks.subscribe(
        hooks.ReplyPosted,
        lambda e: delivery.deliver(e.message_id),
        phase=hooks.AFTER,
        name="livechat.delivery",
        when=lambda e: e.channel == Channel.LIVECHAT,
    )
