"""Quick replies on WhatsApp, Telegram, Messenger and Instagram: signed choice ids and the
providers' payloads, shared by the surveys (``sigap.surveys.quickreply``), the chatbot
(``kb.conversation``) and a proposal's answer buttons (``connectors.proposals``).

* **Ids** are ``<prefix><value>:<mac>`` (mac = the first 16 hex digits of a salted
  HMAC-SHA256 of the rest under ``SECRET_KEY``, one salt per kind): an id cannot be
  changed without the key. Surveys use ``srv:`` (``messaging.SURVEY_REPLY_PREFIX``), the
  chatbot's choices ``bot:`` (``messaging.CHOICE_PREFIX``, the value is the choice's
  payload, e.g. ``kb:<slug>``).
* **WhatsApp** (Cloud API, ``type: "interactive"``): reply buttons for up to 3 choices
  (titles up to 20 characters, ids up to 256), a list for up to 10 (row titles up to 24,
  descriptions up to 72, ids up to 200); more than 10 cannot be offered. A title that is
  too long is shortened with "…"; the full label goes in the row's description (list) or,
  numbered, in the body (buttons).
* **Telegram** (Bot API): an ``inline_keyboard`` (``callback_data`` up to 64 bytes).
* **Messenger, Instagram** (Send API): ``message.quick_replies`` (up to 13, titles up to
  20 characters, payloads up to 1000); the tap comes back as a message with
  ``quick_reply.payload``.

The chatbot's quick replies are a prepared payload on the reply's ``OutboundDelivery``
(``attach``): the reply's own text, numbered, is what the ticket shows and what is sent
when no quick reply is possible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from sigap.connectors import registry
from sigap.connectors.messaging import CHOICE_PREFIX
from sigap.tickets.models import Message

MAC_LENGTH = 16
CHOICE_SALT = "sigap.chatbot.quickreply"
WA_BUTTONS = 3
WA_BUTTON_TITLE = 20
WA_BUTTON_ID = 256
WA_ROWS = 10
WA_ROW_TITLE = 24
WA_ROW_DESCRIPTION = 72
WA_ROW_ID = 200
WA_BODY = 1024
WA_LIST_BUTTON = 20
WA_SECTION_TITLE = 24
WA_FOOTER = 60
TG_CALLBACK_DATA = 64
META_QUICK_REPLIES = 13  # Messenger's and Instagram's quick replies on one message
META_TITLE = 20
META_PAYLOAD = 1000


# --- signed ids -----------------------------------------------------------------------------


def mac(value: str, salt: str) -> str:
    return salted_hmac(salt, value, algorithm="sha256").hexdigest()[:MAC_LENGTH]


def sign(value: str, salt: str) -> str:
    """``<value>:<mac>``."""
    return f"{value}:{mac(value, salt)}"


def unsign(data: str, salt: str) -> str | None:
    """The value of a signed id; None when its mac is missing or wrong."""
    value, _sep, given = data.rpartition(":")
    if not value or len(given) != MAC_LENGTH:
        return None
    return value if constant_time_compare(given, mac(value, salt)) else None


def choice_id(payload: str) -> str:
    """The signed id of one of the chatbot's choices: ``bot:<payload>:<mac>``."""
    return sign(f"{CHOICE_PREFIX}{payload}", CHOICE_SALT)


def choice_of(data: str) -> str | None:
    """The payload a chatbot choice id stands for; None when it is not one or is forged."""
    if not data.startswith(CHOICE_PREFIX):
        return None
    value = unsign(data, CHOICE_SALT)
    return value[len(CHOICE_PREFIX) :] if value else None


# --- payloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: str  # what comes back when it is tapped
    label: str
    short: str = ""  # where buttons sit side by side (a score: its number)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def numbered(labels: Sequence[str]) -> str:
    return "\n".join(f"{i}. {label}" for i, label in enumerate(labels, start=1))


def whatsapp_interactive(
    text: str,
    options: Sequence[Option],
    *,
    button: str = "",
    section: str = "",
    footer: str = "",
) -> dict[str, Any] | None:
    """The ``interactive`` object: reply buttons for up to 3 options, else a list (with
    ``button`` as its menu label and ``section`` as its title); None when the options
    cannot be offered (none, more than 10, an id too long)."""
    if not options or len(options) > WA_ROWS:
        return None
    interactive: dict[str, Any]
    if len(options) <= WA_BUTTONS:
        if any(len(o.id) > WA_BUTTON_ID for o in options):
            return None
        if any(len(o.label) > WA_BUTTON_TITLE for o in options):
            text = f"{text}\n\n{numbered([o.label for o in options])}"
        buttons = [
            {"type": "reply", "reply": {"id": o.id, "title": shorten(o.label, WA_BUTTON_TITLE)}}
            for o in options
        ]
        interactive = {"type": "button", "action": {"buttons": buttons}}
    else:
        if any(len(o.id) > WA_ROW_ID for o in options):
            return None
        rows: list[dict[str, str]] = []
        for o in options:
            row = {"id": o.id, "title": shorten(o.label, WA_ROW_TITLE)}
            if len(o.label) > WA_ROW_TITLE:
                row["description"] = shorten(o.label, WA_ROW_DESCRIPTION)
            rows.append(row)
        listed: dict[str, Any] = {"rows": rows}
        if section:
            listed["title"] = shorten(section, WA_SECTION_TITLE)
        menu = shorten(button or _("Pilih"), WA_LIST_BUTTON)
        interactive = {"type": "list", "action": {"button": menu, "sections": [listed]}}
    interactive["body"] = {"text": shorten(text, WA_BODY)}
    if footer:
        interactive["footer"] = {"text": shorten(footer, WA_FOOTER)}
    return interactive


def telegram_keyboard(options: Sequence[Option], *, per_row: int = 1) -> dict[str, Any] | None:
    """An ``InlineKeyboardMarkup`` with ``per_row`` buttons a row; None when an id is too
    long for ``callback_data``."""
    if not options or any(len(o.id.encode()) > TG_CALLBACK_DATA for o in options):
        return None
    buttons = [{"text": o.label, "callback_data": o.id} for o in options]
    return {"inline_keyboard": [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]}


def meta_quick_replies(text: str, options: Sequence[Option]) -> dict[str, Any] | None:
    """A Send API ``message`` with ``quick_replies`` (Messenger and Instagram: up to 13,
    titles up to 20 characters, payloads up to 1000); a title too long is shortened and
    the full labels are numbered in the text. None when the options cannot be offered."""
    if not options or len(options) > META_QUICK_REPLIES:
        return None
    if any(len(o.id) > META_PAYLOAD for o in options):
        return None
    if any(len(o.label) > META_TITLE for o in options):
        text = f"{text}\n\n{numbered([o.label for o in options])}"
    replies = [
        {"content_type": "text", "title": shorten(o.label, META_TITLE), "payload": o.id}
        for o in options
    ]
    return {"text": text, "quick_replies": replies}


# --- the chatbot's choices ------------------------------------------------------------------


def prepared(channel: str, text: str, choices: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The message body (beside the recipient) offering ``choices`` ((label, payload)
    pairs) as quick replies on ``channel``; ``{}`` when it cannot (another channel, more
    than 10 choices on WhatsApp, an id too long)."""
    connector = registry.get(channel)
    if connector is None or connector.quick_replies is None:
        return {}
    options = [Option(choice_id(payload), label) for label, payload in choices]
    return connector.quick_replies(text, options)


def attach(message: Message, text: str, choices: Sequence[tuple[str, str]]) -> bool:
    """Send a reply of the chatbot (in the transaction that stores it) as ``text`` with
    ``choices`` as quick replies instead of its numbered text, when its channel can.
    Returns whether it will."""
    from sigap.connectors.delivery import create_for

    content = prepared(message.channel, text, choices)
    if not content:
        return False
    create_for(message, quick_reply=content)
    return True
