"""Phone: calls logged by agents or reported by the PBX; nothing is sent back by Sigap."""

from __future__ import annotations

from sigap.connectors.registry import Connector
from sigap.tickets.models import Channel

CONNECTOR = Connector(channel=Channel.PHONE, label="Telepon")
