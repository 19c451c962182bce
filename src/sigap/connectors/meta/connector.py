"""Facebook Messenger and Instagram (Meta's Graph API): messages and comments from one
signed webhook (``inbound``); replies with Meta's messaging window (``outbound``); quick
replies (a proposal's answer buttons) and direct messages (the answer to a tap)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from sigap.connectors.delivery import SendError
from sigap.connectors.meta import outbound
from sigap.connectors.meta.inbound import KINDS
from sigap.connectors.quickreply import Option, meta_quick_replies
from sigap.connectors.registry import Connector, Direct, Layout
from sigap.tickets.models import Channel, Ticket


def _check_reply(ticket: Ticket, attachments: int) -> None:
    outbound.check_window(ticket, attachments=attachments)


def _quick_replies(text: str, options: Sequence[Option]) -> dict[str, Any]:
    return meta_quick_replies(text, options) or {}


def _direct(channel: str) -> Direct:
    def ask(address: str, text: str, options: Sequence[Option], layout: Layout) -> str:
        message = meta_quick_replies(text, options)
        if message is None:
            why = _("Pilihan tidak dapat ditampilkan sebagai balasan cepat.")
            raise SendError(why, retryable=False)
        return outbound.send_direct(channel, address, message)

    def say(address: str, text: str) -> str:
        return outbound.send_direct(channel, address, {"text": text[: outbound.TEXT_LIMIT]})

    return Direct(
        unavailable=outbound.direct_unavailable,
        address=outbound.private_address,
        ask=ask,
        say=say,
        contact_kinds=(KINDS[channel],),
        surveys=False,  # the surveys stay on email/portal here
    )


FACEBOOK = Connector(
    channel=Channel.FACEBOOK,
    label="Facebook",
    sender=outbound.ADAPTER,
    check_reply=_check_reply,
    window_notice=outbound.window_notice,
    window_template="channels/_meta_window.html",
    quick_replies=_quick_replies,
    direct=_direct(Channel.FACEBOOK),
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
    quick_replies=_quick_replies,
    direct=_direct(Channel.INSTAGRAM),
)
