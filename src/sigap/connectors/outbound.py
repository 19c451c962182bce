"""Where a public reply goes after it commits: the channel the ticket came in on.

``subscribers`` hands every reply on a channel in ``DELIVERED`` to ``deliver`` after it
commits (``tickets.hooks.ReplyPosted``); each channel's job sends it and retries on failure.
Before a reply is stored, ``check_reply`` says whether the channel allows it now
(WhatsApp's 24-hour customer-service window; Meta's 7-day limit for Facebook/Instagram
messages and its one text-only private reply to a public comment).
"""

from __future__ import annotations

from sigap.connectors import delivery
from sigap.tickets.models import Channel, Message, Ticket

DELIVERED = frozenset(
    {
        Channel.EMAIL,
        Channel.WHATSAPP,
        Channel.TELEGRAM,
        Channel.FACEBOOK,
        Channel.INSTAGRAM,
    }
)


def deliver(message_id: int, channel: str) -> None:
    if channel in delivery.SHARED:
        delivery.enqueue(message_id)
    elif channel in (Channel.FACEBOOK, Channel.INSTAGRAM):
        from sigap.connectors.meta import outbound as meta_out

        meta_out.enqueue(message_id)


def check_reply(*, ticket: Ticket, channel: str, attachments: int = 0) -> None:
    """Raise a domain error when a public reply (with ``attachments`` files) may not be
    sent on ``channel`` now."""
    if channel == Channel.WHATSAPP:
        from sigap.connectors.whatsapp.outbound import check_window

        check_window(ticket)
    elif channel in (Channel.FACEBOOK, Channel.INSTAGRAM):
        from sigap.connectors.meta import outbound as meta_out

        meta_out.check_window(ticket, attachments=attachments)


def record(message_id: int, channel: str) -> None:
    """In the reply's transaction: the delivery row of a reply sent by the shared loop, so
    nothing that committed can be lost before it is sent."""
    if channel in delivery.SHARED:
        message = Message.objects.select_related("ticket__customer").get(pk=message_id)
        delivery.create_for(message)
