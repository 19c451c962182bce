"""Live chat: the embeddable widget and the agents' console over websockets; a reply is
pushed to the visitor's open widget (``delivery``)."""

from __future__ import annotations

from sigap.connectors.livechat import delivery, selectors, services
from sigap.connectors.registry import Connector
from sigap.tickets.models import Channel

CONNECTOR = Connector(
    channel=Channel.LIVECHAT,
    label="Live chat",
    deliver=delivery.deliver,
    record=delivery.record,
    chatbot=True,
    bot_card=services.bot_card_store,
    language=selectors.ticket_language,
    # The typed address is unverified until proven or linked: the ticket page says so.
    window_notice=selectors.identity_notice,
    window_template="livechat/_identity_notice.html",
)
