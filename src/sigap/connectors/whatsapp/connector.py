"""WhatsApp Cloud API: signed webhooks (``inbound``), replies, templates and the 24-hour
window (``outbound``), reply buttons and lists for the chatbot's choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from sigap.connectors import conf
from sigap.connectors.delivery import SendError
from sigap.connectors.quickreply import Option, whatsapp_interactive
from sigap.connectors.registry import Connector, Direct, Layout, OfferTemplate
from sigap.connectors.whatsapp import outbound
from sigap.customers.models import ContactKind
from sigap.tickets.models import Channel, Ticket


def _quick_replies(text: str, options: Sequence[Option]) -> dict[str, Any]:
    interactive = whatsapp_interactive(text, options)
    return {"type": "interactive", "interactive": interactive} if interactive else {}


def _check_reply(ticket: Ticket, attachments: int) -> None:
    outbound.check_window(ticket)


def _unavailable(ticket: Ticket) -> str:
    if not conf.whatsapp_sending_enabled():
        return _("Cloud API belum dikonfigurasi")
    if not outbound.recipient_for(ticket):
        return _("nomor WhatsApp pelanggan tidak dikenal")
    if not outbound.window_open(ticket):
        return _("di luar jendela layanan 24 jam")
    return ""


def _ask(address: str, text: str, options: Sequence[Option], layout: Layout) -> str:
    """A list message (up to 10 rows; reply buttons would allow only 3)."""
    shown = list(reversed(options)) if layout.scale else list(options)
    interactive = whatsapp_interactive(
        text, shown, button=layout.button, section=layout.section, footer=layout.footer
    )
    if interactive is None:
        raise SendError(_("Pilihan tidak dapat ditampilkan di WhatsApp."), retryable=False)
    return outbound.send_standalone(address, {"type": "interactive", "interactive": interactive})


def _say(address: str, text: str) -> str:
    return outbound.send_standalone(address, {"type": "text", "text": {"body": text}})


CONNECTOR = Connector(
    channel=Channel.WHATSAPP,
    label="WhatsApp",
    sender=outbound.ADAPTER,
    check_reply=_check_reply,
    window_notice=outbound.window_notice,
    window_template="channels/_whatsapp_window.html",
    quick_replies=_quick_replies,
    chatbot=True,
    urls="sigap.connectors.whatsapp.urls",
    direct=Direct(
        unavailable=_unavailable,
        address=outbound.recipient_for,
        ask=_ask,
        say=_say,
        contact_kinds=(ContactKind.WHATSAPP, ContactKind.PHONE),
    ),
    offer_template=OfferTemplate(
        ready=outbound.proposal_template_ready, send=outbound.proposal_template_send
    ),
)
