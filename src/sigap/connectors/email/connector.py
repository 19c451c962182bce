"""Email: mailboxes polled by IMAP/POP3 or the SMTP listener (``inbound``, ``poll``,
``smtpd``), replies by SMTP through the shared send loop (``outbound``)."""

from __future__ import annotations

from sigap.connectors.email import outbound
from sigap.connectors.registry import Connector
from sigap.tickets.models import Channel

CONNECTOR = Connector(channel=Channel.EMAIL, label="Email", sender=outbound.ADAPTER)
