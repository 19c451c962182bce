"""Telegram Bot API webhooks: one ``Update`` per request, as the Bot API documents it::

    {"update_id": 10000,
     "message": {"message_id": 1365, "date": 1441645532,
                 "from": {"id": 1111111, "is_bot": false, "first_name": "Budi", ...},
                 "chat": {"id": 1111111, "type": "private", ...},
                 "text": "..." | "photo": [PhotoSize, ...] | "document": {...},
                 "caption": "..."}}

The request is authentic when ``X-Telegram-Bot-Api-Secret-Token`` equals the
``secret_token`` given to ``setWebhook``. ``from.id`` is the customer's Telegram identity,
``chat.id`` where replies go. Updates other than a new ``message`` (edits, button presses,
membership changes) are answered 200 and not filed; so are messages from bots. The
button presses that count are quick replies: a ``callback_query`` whose ``data`` starts
with ``srv:`` (or ``prp:``, a proposal's answer) becomes an ``Inbound`` with
``survey_reply`` set (recorded as a survey answer, never filed on the ticket); one
whose ``data`` is a ``bot:`` id (the chatbot's choices) is filed as the customer's
message with the button's text (found in the message's keyboard), and handed to the
chatbot as that choice when the id's signature is right (else it is plain text)::

    {"update_id": 10001,
     "callback_query": {"id": "4382bfdwdsb323b2d9", "from": {"id": 1111111, ...},
                        "message": {"message_id": 1366, "chat": {"id": 1111111, ...}, ...},
                        "chat_instance": "...", "data": "srv:…"}}
"""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.connectors import conf, quickreply
from sigap.connectors.messaging import (
    CHOICE_PREFIX,
    PROPOSAL_REPLY_PREFIX,
    Inbound,
    ShapeError,
    is_tap,
    shape_obj,
    tap_ignored,
    timestamp,
)
from sigap.connectors.models import Provider
from sigap.core.locale import in_default_language
from sigap.customers.models import ContactKind

P = Provider.TELEGRAM
FILE_KINDS = {  # translated when used: the stand-in text is stored in the default language
    "document": gettext_noop("dokumen"),
    "voice": gettext_noop("pesan suara"),
    "audio": gettext_noop("audio"),
    "video": gettext_noop("video"),
    "video_note": gettext_noop("video"),
    "animation": gettext_noop("animasi"),
    "sticker": gettext_noop("stiker"),
}


def secret_ok(header: str) -> bool:
    expected = conf.telegram_secret_token()
    return bool(expected) and hmac.compare_digest(header.encode(), expected.encode())


_obj = shape_obj


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(_("%(path)s: harus berupa bilangan bulat") % {"path": path})
    return value


def _str(value: Any, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShapeError(_("%(path)s: harus berupa teks") % {"path": path})
    return value


def _file_id(value: Any, path: str) -> str:
    file_id = _str(_obj(value, path).get("file_id"), f"{path}.file_id")
    if not file_id:
        raise ShapeError(_("%(path)s.file_id: wajib diisi") % {"path": path})
    return file_id


@in_default_language  # the stand-in texts are stored
def parse(payload: Any) -> Inbound | str:
    """The message of an update, or why the update is not filed. ``ShapeError`` → 400."""
    update = _obj(payload, "update")
    update_id = _int(update.get("update_id"), "update_id")
    if "callback_query" in update:
        pressed = _button_press(update, update_id)
        if pressed is not None:
            return pressed
    if "message" not in update:
        kinds = sorted(k for k in update if k != "update_id")
        return _("jenis pembaruan tidak dicatat: %(kinds)s") % {
            "kinds": ", ".join(kinds) or _("kosong")
        }
    msg = _obj(update["message"], "message")
    message_id = _int(msg.get("message_id"), "message.message_id")
    sent_at = timestamp(msg.get("date"), "message.date")
    chat_id = _int(_obj(msg.get("chat"), "message.chat").get("id"), "message.chat.id")
    if "from" not in msg:  # an anonymous group admin or a channel: nobody to answer
        return _("pesan tanpa pengirim (from)")
    sender = _obj(msg["from"], "message.from")
    from_id = _int(sender.get("id"), "message.from.id")
    if sender.get("is_bot") is True:
        return _("pesan dari bot")
    first = _str(sender.get("first_name"), "message.from.first_name")
    last = _str(sender.get("last_name"), "message.from.last_name")
    username = _str(sender.get("username"), "message.from.username")
    text, media = _content(msg)
    bot = conf.telegram_bot_id()
    return Inbound(
        provider=P,
        external_id=f"{bot}:{update_id}",
        message_id=f"{bot}:{chat_id}:{message_id}",
        address=str(chat_id),
        sender=str(from_id),
        contact_kind=ContactKind.TELEGRAM,
        contact_value=str(from_id),
        aliases=((ContactKind.TELEGRAM, username),) if username else (),
        name=" ".join(w for w in (first, last) if w) or (f"@{username}" if username else ""),
        text=text,
        sent_at=sent_at,
        payload=update,
        media=media,
    )


def _button_press(update: dict[str, Any], update_id: int) -> Inbound | str | None:
    """A survey answer or one of the chatbot's choices as an ``Inbound``; None for
    other callback queries."""
    query = _obj(update["callback_query"], "callback_query")
    data = _str(query.get("data"), "callback_query.data")
    survey = is_tap(data)  # a survey's or a proposal's answer
    if not survey and not data.startswith(CHOICE_PREFIX):
        return None
    query_id = _str(query.get("id"), "callback_query.id")
    if not query_id:
        raise ShapeError(_("callback_query.id: wajib diisi"))
    sender = _obj(query.get("from"), "callback_query.from")
    from_id = _int(sender.get("id"), "callback_query.from.id")
    if sender.get("is_bot") is True:
        return _("pesan dari bot")
    address = str(from_id)  # a private chat's id is the user's id
    message = query.get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        address = str(_int(message["chat"].get("id"), "callback_query.message.chat.id"))
    first = _str(sender.get("first_name"), "callback_query.from.first_name")
    last = _str(sender.get("last_name"), "callback_query.from.last_name")
    username = _str(sender.get("username"), "callback_query.from.username")
    bot = conf.telegram_bot_id()
    inbound = Inbound(
        provider=P,
        external_id=f"{bot}:{update_id}",
        message_id=f"{bot}:callback:{query_id}",
        address=address,
        sender=str(from_id),
        contact_kind=ContactKind.TELEGRAM,
        contact_value=str(from_id),
        name=" ".join(w for w in (first, last) if w),
        text=_("[Jawaban usulan]")
        if data.startswith(PROPOSAL_REPLY_PREFIX)
        else _("[Jawaban survei]"),
        sent_at=timezone.now(),
        payload=update,
        callback_id=query_id,
    )
    if survey:
        inbound.ignored, inbound.survey_reply = tap_ignored(data), data
        return inbound
    # the chatbot's choice: filed with the button's text; a forged id is plain text
    inbound.choice = quickreply.choice_of(data) or ""
    inbound.text = _button_text(message, data) or inbound.choice or data
    inbound.aliases = ((ContactKind.TELEGRAM, username),) if username else ()
    if not inbound.name and username:
        inbound.name = f"@{username}"
    return inbound


def _button_text(message: Any, data: str) -> str:
    """The text of the button with ``data`` in the message's inline keyboard."""
    markup = message.get("reply_markup") if isinstance(message, dict) else None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                text = button.get("text")
                return text.strip() if isinstance(text, str) else ""
    return ""


def _content(msg: dict[str, Any]) -> tuple[str, dict[str, str]]:
    text = _str(msg.get("text"), "message.text") or _str(msg.get("caption"), "message.caption")
    text = text.strip()
    if "photo" in msg:
        sizes = msg["photo"]
        if not isinstance(sizes, list) or not sizes:
            raise ShapeError(_("message.photo: harus berupa array PhotoSize yang tidak kosong"))
        for i, size in enumerate(sizes):
            _file_id(size, f"message.photo[{i}]")
        largest = max(
            sizes,
            key=lambda s: (
                s.get("file_size") or 0,
                (s.get("width") or 0) * (s.get("height") or 0),
            ),
        )
        media = {"id": largest["file_id"], "filename": "", "mime_type": "", "label": _("foto")}
        return text or _("[Foto]"), media
    for kind, label_id in FILE_KINDS.items():
        if kind in msg:
            label = _(label_id)
            file_id = _file_id(msg[kind], f"message.{kind}")
            part = msg[kind]
            filename = _str(part.get("file_name"), f"message.{kind}.file_name")
            media = {
                "id": file_id,
                "filename": filename,
                "mime_type": _str(part.get("mime_type"), f"message.{kind}.mime_type"),
                "label": label,
            }
            return text or f"[{label.capitalize()}{': ' + filename if filename else ''}]", media
    if "location" in msg:
        place = _obj(msg["location"], "message.location")
        lat, lng = place.get("latitude"), place.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lng, int | float):
            raise ShapeError(_("message.location: latitude dan longitude harus berupa angka"))
        where = f"{lat:.6f}, {lng:.6f}\nhttps://maps.google.com/?q={lat:.6f},{lng:.6f}"
        return _("[Lokasi] %(where)s") % {"where": where}, {}
    if "contact" in msg:
        card = _obj(msg["contact"], "message.contact")
        who = f"{card.get('first_name', '')} {card.get('phone_number', '')}"
        return (_("[Kontak] %(who)s") % {"who": who}).strip(), {}
    return text or _("[Pesan Telegram jenis ini belum didukung Sigap]"), {}
