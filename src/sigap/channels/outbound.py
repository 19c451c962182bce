"""Where a public reply goes after it commits: the channel the ticket came in on.

``services`` calls ``deliver`` (after commit) for every reply on a ticket whose channel is
in ``DELIVERED``; each channel's job sends it and retries on failure.
"""

from __future__ import annotations

from sigap.tickets.models import Channel

DELIVERED = frozenset({Channel.EMAIL})


def deliver(message_id: int, channel: str) -> None:
    if channel == Channel.EMAIL:
        from sigap.channels.tasks import send_email_reply

        send_email_reply(message_id)
