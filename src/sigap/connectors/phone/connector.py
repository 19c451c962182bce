"""Phone and walk-in: calls logged by agents or reported by the PBX, visits logged at the
counter; nothing is sent back on them by Sigap. A proposal offered on such a ticket goes to
the customer's written follow-up channel (``follow_up``: WhatsApp, else email)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from sigap.connectors.registry import Connector
from sigap.tickets.models import Channel

CONNECTOR = Connector(channel=Channel.PHONE, label=gettext_lazy("Telepon"), follow_up=True)
WALKIN = Connector(channel=Channel.WALKIN, label=gettext_lazy("Datang langsung"), follow_up=True)
