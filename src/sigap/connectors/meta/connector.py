"""Facebook Messenger and Instagram (Meta's Graph API): messages and comments from one
signed webhook (``inbound``); replies with Meta's messaging window (``outbound``)."""

from __future__ import annotations

from sigap.connectors.meta import outbound
from sigap.connectors.registry import Connector
from sigap.tickets.models import Channel, Ticket


def _check_reply(ticket: Ticket, attachments: int) -> None:
    outbound.check_window(ticket, attachments=attachments)


FACEBOOK = Connector(
    channel=Channel.FACEBOOK,
    label="Facebook",
    sender=outbound.ADAPTER,
    check_reply=_check_reply,
    window_notice=outbound.window_notice,
    window_template="channels/_meta_window.html",
    urls="sigap.connectors.meta.urls",  # the one webhook of both channels
    hook="meta",
)
INSTAGRAM = Connector(
    channel=Channel.INSTAGRAM,
    label="Instagram",
    sender=outbound.ADAPTER,
    check_reply=_check_reply,
    window_notice=outbound.window_notice,
    window_template="channels/_meta_window.html",
)
