"""Telegram Bot API: signed webhooks (``inbound``), replies (``outbound``), an inline
keyboard for the chatbot's choices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from sigap.connectors import conf
from sigap.connectors.delivery import SendError
from sigap.connectors.quickreply import Option, telegram_keyboard
from sigap.connectors.registry import Connector, Direct, Layout
from sigap.connectors.telegram import outbound
from sigap.customers.models import ContactKind
from sigap.tickets.models import Channel, Ticket


def _quick_replies(text: str, options: Sequence[Option]) -> dict[str, Any]:
    keyboard = telegram_keyboard(options)
    return {"text": text, "reply_markup": keyboard} if keyboard else {}


def _unavailable(ticket: Ticket) -> str:
    if not conf.telegram_sending_enabled():
        return _("token bot belum dikonfigurasi")
    if not outbound.recipient_for(ticket):
        return _("chat Telegram pelanggan tidak dikenal")
    return ""


def _ask(address: str, text: str, options: Sequence[Option], layout: Layout) -> str:
    if layout.scale:  # one row of numbers, lowest first
        options = [Option(o.id, o.short or o.label) for o in options]
    keyboard = telegram_keyboard(options, per_row=len(options) if layout.scale else 1)
    if keyboard is None:
        raise SendError(_("Pilihan tidak dapat ditampilkan di Telegram."), retryable=False)
    return outbound.send_message(address, text, reply_markup=keyboard)


def _say(address: str, text: str) -> str:
    return outbound.send_message(address, text)


CONNECTOR = Connector(
    channel=Channel.TELEGRAM,
    label="Telegram",
    sender=outbound.ADAPTER,
    quick_replies=_quick_replies,
    chatbot=True,
    urls="sigap.connectors.telegram.urls",
    direct=Direct(
        unavailable=_unavailable,
        address=outbound.recipient_for,
        ask=_ask,
        say=_say,
        acknowledge=outbound.answer_callback_query,
        contact_kinds=(ContactKind.TELEGRAM,),
    ),
)
