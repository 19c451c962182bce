"""Where a public reply goes: the connector of the channel the ticket came in on
(``registry``).

Before a reply is stored, ``check_reply`` asks the connector whether it may be sent now
(WhatsApp's 24-hour customer-service window; Meta's 7-day limit for Facebook/Instagram
messages and its one text-only private reply to a public comment). In the reply's
transaction ``record`` writes its delivery row when the connector sends through the shared
loop; once it commits, ``deliver`` queues the send (or hands it to a connector that
delivers its own way). ``subscribers`` wires these to the ticket hooks.
"""

from __future__ import annotations

from sigap.connectors import conf, delivery, registry
from sigap.tickets.models import Message, Ticket


def deliver(message_id: int, channel: str) -> None:
    connector = registry.get(channel)
    if connector is None:
        return
    if connector.sender is not None:
        delivery.enqueue(message_id)
    elif connector.deliver is not None:
        connector.deliver(message_id)


def check_reply(*, ticket: Ticket, channel: str, attachments: int = 0) -> None:
    """Raise a domain error when a public reply (with ``attachments`` files) may not be
    sent on ``channel`` now."""
    connector = registry.get(channel)
    if connector is not None and connector.check_reply is not None:
        with conf.using_brand(channel, ticket.brand_id):  # the brand's own connection
            connector.check_reply(ticket, attachments)


def record(message_id: int, channel: str) -> None:
    """In the reply's transaction: the delivery row of a reply sent by the shared loop, so
    nothing that committed can be lost before it is sent."""
    connector = registry.get(channel)
    if connector is None:
        return
    if connector.sender is not None:
        message = Message.objects.select_related("ticket__customer").get(pk=message_id)
        delivery.create_for(message)
    elif connector.record is not None:
        connector.record(message_id)
