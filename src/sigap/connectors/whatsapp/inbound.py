"""WhatsApp Business Platform (Cloud API) webhooks: the handshake, the signature, and the
payload as Meta documents it::

    {"object": "whatsapp_business_account",
     "entry": [{"id": "<WABA id>", "changes": [{"field": "messages", "value": {
         "messaging_product": "whatsapp", "metadata": {...},
         "contacts": [{"profile": {"name": "..."}, "wa_id": "..."}],
         "messages": [{"from": "...", "id": "wamid...", "timestamp": "...", "type": "text",
                       "text": {"body": "..."}}],
         "statuses": [{"id": "wamid...", "status": "delivered", "timestamp": "...",
                       "recipient_id": "...", "biz_opaque_callback_data": "..."}]}}]}]}

The envelope (``object``, ``entry``, ``changes``, ``value`` and its lists) must have this
shape, or the whole delivery is refused with 400 before anything is written. Inside it,
each message and status stands alone: one that does not have the documented shape is kept
as failed with the reason (messages) or logged (statuses), and the others are accepted.
Messages are stored and answered at once, then filed on tickets by a job
(``messaging``); statuses are applied at once (a few UPDATEs). A tapped reply button or
list row, or a template's quick-reply button (``type: button``, its ``payload``), is a
survey answer when its id starts with ``srv:`` (a proposal's answer: ``prp:``), one of
the chatbot's choices
when it is a validly signed ``bot:`` id (filed with its title as the text), else an
ordinary message ("[Tombol] …" / "[Pilihan] …").
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.connectors import conf, delivery, messaging, quickreply
from sigap.connectors.graph import error_text
from sigap.connectors.messaging import Failed, Inbound, ShapeError, item_key, timestamp
from sigap.connectors.models import Provider
from sigap.core.errors import ValidationFailed
from sigap.core.locale import in_default_language
from sigap.core.phone import normalize_phone, platform_phone
from sigap.customers.models import ContactKind

log = logging.getLogger(__name__)
P = Provider.WHATSAPP
MEDIA_TYPES = {  # translated when used: the stand-in text is stored in the default language
    "image": gettext_noop("gambar"),
    "document": gettext_noop("dokumen"),
    "audio": gettext_noop("audio"),
    "video": gettext_noop("video"),
    "sticker": gettext_noop("stiker"),
}
STATUSES = frozenset({"sent", "delivered", "read", "failed"})


# --- authentication -------------------------------------------------------------------------


def verify_handshake(params: dict[str, str]) -> str | None:
    """The GET Meta sends when the webhook is configured: the challenge to echo, or None."""
    return messaging.hub_challenge(params, conf.whatsapp_verify_token())


def signature_ok(body: bytes, header: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``."""
    return messaging.hub_signature_ok(body, header, conf.whatsapp_app_secret())


def sign(body: bytes, secret: str) -> str:
    """The header value Meta would send (tests and the benchmark sign with it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- which connection: the business number each change is for -----------------------------

ROUTE_NAMES = ("SIGAP_WHATSAPP_PHONE_NUMBER_ID",)
ROUTE_LABEL = "phone_number_id"
ROUTE_CODE = "unknown_phone_number_id"


def split(payload: Any) -> dict[str, Any]:
    """The payload in parts by the business number each change is for
    (``entry[].changes[].value.metadata.phone_number_id``): {id: the payload with only
    those changes}. Read leniently (the shape is checked when a part is parsed): what
    names no number is under ""; always at least one part."""
    entries = payload.get("entry") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        return {"": payload}
    parts: dict[str, list[Any]] = {}
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            parts.setdefault("", []).append(entry)
            continue
        by_number: dict[str, list[Any]] = {}
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            metadata = value.get("metadata") if isinstance(value, dict) else None
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            key = str(number) if isinstance(number, str | int) and number != "" else ""
            by_number.setdefault(key, []).append(change)
        for key, found in by_number.items():
            parts.setdefault(key, []).append({**entry, "changes": found})
        if not changes:
            parts.setdefault("", []).append(entry)
    if len(parts) <= 1:
        return {next(iter(parts), ""): payload}
    return {key: {**payload, "entry": found} for key, found in parts.items()}


# --- shape helpers --------------------------------------------------------------------------


_obj = messaging.shape_obj
_list = messaging.shape_list
_text = messaging.shape_text


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShapeError(_("%(path)s: harus berupa angka") % {"path": path})
    return float(value)


# --- the payload ----------------------------------------------------------------------------


@dataclass
class Batch:
    messages: list[Inbound | Failed] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    ignored_changes: int = 0


@in_default_language  # the stand-in texts are stored
def parse(payload: Any) -> Batch:
    """Check the envelope (``ShapeError`` → 400) and parse every item in it."""
    body = _obj(payload, "payload")
    if body.get("object") != "whatsapp_business_account":
        raise ShapeError(
            _("object: harus 'whatsapp_business_account', diterima %(kind)r")
            % {"kind": body.get("object")}
        )
    batch = Batch()
    values: list[tuple[str, dict[str, Any]]] = []
    for e, entry in enumerate(_list(body.get("entry"), "entry")):
        entry_path = f"entry[{e}]"
        changes = _list(_obj(entry, entry_path).get("changes"), f"{entry_path}.changes")
        for c, change in enumerate(changes):
            path = f"{entry_path}.changes[{c}]"
            change = _obj(change, path)
            if _text(change.get("field"), f"{path}.field") != "messages":
                batch.ignored_changes += 1  # template status, account updates ...
                continue
            value = _obj(change.get("value"), f"{path}.value")
            for name in ("contacts", "messages", "statuses", "errors"):
                _list(value.get(name), f"{path}.value.{name}", optional=True)
            values.append((f"{path}.value", value))
    for path, value in values:  # the envelope is valid: from here on, item by item
        names = _contact_names(value.get("contacts") or [])
        for m, item in enumerate(value.get("messages") or []):
            batch.messages.append(_message(item, f"{path}.messages[{m}]", names))
        for s, item in enumerate(value.get("statuses") or []):
            try:
                batch.statuses.append(_status(item, f"{path}.statuses[{s}]"))
            except ShapeError as exc:
                log.warning("whatsapp status ignored: %s", exc)
        for error in value.get("errors") or []:
            log.warning("whatsapp webhook error: %s", error)
    return batch


def _contact_names(contacts: list[Any]) -> dict[str, tuple[str, str]]:
    """wa_id → (wa_id, profile name); with one contact, it is also the sender's (Meta
    notes that a user's wa_id and phone number may differ)."""
    found: dict[str, tuple[str, str]] = {}
    for contact in contacts:
        if not isinstance(contact, dict) or not isinstance(contact.get("wa_id"), str):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        found[contact["wa_id"]] = (contact["wa_id"], name if isinstance(name, str) else "")
    if len(found) == 1:
        found[""] = next(iter(found.values()))
    return found


def _message(item: Any, path: str, names: dict[str, tuple[str, str]]) -> Inbound | Failed:
    raw: dict[str, Any] = item if isinstance(item, dict) else {"item": item}
    key = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else item_key(item)
    try:
        msg = _obj(item, path)
        wamid = _text(msg.get("id"), f"{path}.id")
        sender = _text(msg.get("from"), f"{path}.from")
        sent_at = timestamp(msg.get("timestamp"), f"{path}.timestamp")
        kind = _text(msg.get("type"), f"{path}.type")
        text, media, ignored = _content(msg, kind, path)
        tapped_id, label = _tapped(msg)
        survey_reply = tapped_id if messaging.is_tap(tapped_id) else ""
        if survey_reply:  # a survey's or a proposal's answer
            ignored = messaging.tap_ignored(tapped_id)
        choice = quickreply.choice_of(tapped_id) or ""
        if choice:  # the chatbot's quick reply: its title is the customer's message
            text = label
        wa_id, name = names.get(sender) or names.get("", (sender, ""))
    except ShapeError as exc:
        return Failed(P, str(key), str(exc), raw)
    # WhatsApp vouches for the number: filed whatever the numbering plan says (normalised
    # when it can be); only a valid one is also the customer's phone number.
    whatsapp = platform_phone(sender, international=True)
    try:
        phone: tuple[tuple[str, str], ...] = (
            (ContactKind.PHONE, normalize_phone("+" + sender.lstrip("+"))),
        )
    except ValidationFailed:
        phone = ()
    return Inbound(
        provider=P,
        external_id=wamid,
        message_id=wamid,
        address=wa_id,
        sender=wa_id,
        contact_kind=ContactKind.WHATSAPP,
        contact_value=whatsapp,
        aliases=phone,
        also=phone,
        name=name,
        text=text,
        sent_at=sent_at,
        payload={"message": msg, "contact": {"wa_id": wa_id, "name": name}},
        media=media,
        ignored=ignored,
        survey_reply=survey_reply,
        choice=choice,
    )


def _tapped(msg: dict[str, Any]) -> tuple[str, str]:
    """(id, label) of a tapped list row or reply button, or of a template's quick-reply
    button (``type: button``: its ``payload`` and ``text``), else ``("", "")``. The label
    is the title, or the row's description when the title was shortened ("…") to fit."""
    if msg.get("type") == "button":
        button = msg.get("button")
        if not isinstance(button, dict) or not isinstance(button.get("payload"), str):
            return "", ""
        text = button.get("text")
        return button["payload"], (text if isinstance(text, str) else "").strip()
    if msg.get("type") != "interactive":
        return "", ""
    reply = msg.get("interactive")
    if not isinstance(reply, dict) or reply.get("type") not in ("button_reply", "list_reply"):
        return "", ""
    chosen = reply.get(reply["type"])
    if not isinstance(chosen, dict) or not isinstance(chosen.get("id"), str):
        return "", ""
    title, description = chosen.get("title"), chosen.get("description")
    label = title if isinstance(title, str) else ""
    if label.endswith("…") and isinstance(description, str) and description.strip():
        label = description
    return chosen["id"], label.strip()


def _content(msg: dict[str, Any], kind: str, path: str) -> tuple[str, dict[str, str], str]:
    """(text, media, why ignored) of one message, by its ``type``."""
    if kind == "text":
        body = _obj(msg.get("text"), f"{path}.text").get("body")
        return _text(body, f"{path}.text.body"), {}, ""
    if kind in MEDIA_TYPES:
        part = _obj(msg.get(kind), f"{path}.{kind}")
        media_id = _text(part.get("id"), f"{path}.{kind}.id")
        caption = _text(part.get("caption"), f"{path}.{kind}.caption", optional=True).strip()
        filename = _text(part.get("filename"), f"{path}.{kind}.filename", optional=True)
        label = _(MEDIA_TYPES[kind])
        if kind == "audio" and part.get("voice") is True:
            label = _("pesan suara")
        placeholder = f"[{label.capitalize()}{': ' + filename if filename else ''}]"
        media = {
            "id": media_id,
            "filename": filename,
            "mime_type": _text(part.get("mime_type"), f"{path}.{kind}.mime_type", optional=True),
            "label": label,
        }
        return caption or placeholder, media, ""
    if kind == "location":
        place = _obj(msg.get("location"), f"{path}.location")
        lat = _number(place.get("latitude"), f"{path}.location.latitude")
        lng = _number(place.get("longitude"), f"{path}.location.longitude")
        words = [
            w
            for w in (
                _text(place.get("name"), f"{path}.location.name", optional=True),
                _text(place.get("address"), f"{path}.location.address", optional=True),
            )
            if w
        ]
        where = ", ".join(words) if words else f"{lat:.6f}, {lng:.6f}"
        where += f"\nhttps://maps.google.com/?q={lat:.6f},{lng:.6f}"
        return _("[Lokasi] %(where)s") % {"where": where}, {}, ""
    if kind == "interactive":
        reply = _obj(msg.get("interactive"), f"{path}.interactive")
        reply_type = _text(reply.get("type"), f"{path}.interactive.type")
        if reply_type not in ("button_reply", "list_reply"):
            return _("[Balasan interaktif: %(type)s]") % {"type": reply_type}, {}, ""
        chosen = _obj(reply.get(reply_type), f"{path}.interactive.{reply_type}")
        title = _text(chosen.get("title"), f"{path}.interactive.{reply_type}.title")
        description = _text(
            chosen.get("description"), f"{path}.interactive.{reply_type}.description", optional=True
        )
        said = _("[Tombol] %(title)s") if reply_type == "button_reply" else _("[Pilihan] %(title)s")
        return said % {"title": title} + (f" — {description}" if description else ""), {}, ""
    if kind == "button":  # a quick-reply button of a template
        button = _obj(msg.get("button"), f"{path}.button")
        title = _text(button.get("text"), f"{path}.button.text")
        return _("[Tombol] %(title)s") % {"title": title}, {}, ""
    if kind == "reaction":
        return "", {}, _("reaksi emoji pada pesan")
    if kind == "contacts":
        cards = _list(msg.get("contacts"), f"{path}.contacts")
        names = [
            str(c.get("name", {}).get("formatted_name", ""))
            for c in cards
            if isinstance(c, dict) and isinstance(c.get("name"), dict)
        ]
        cards_text = ", ".join(n for n in names if n) or _("kartu kontak")
        return _("[Kontak] %(who)s") % {"who": cards_text}, {}, ""
    errors = msg.get("errors")
    detail = ""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        detail = f": {errors[0].get('title') or errors[0].get('message') or ''}".rstrip(": ")
    said = _("[Pesan WhatsApp jenis '%(kind)s' belum didukung Sigap%(detail)s]")
    return said % {"kind": kind, "detail": detail}, {}, ""


def _status(item: Any, path: str) -> dict[str, Any]:
    status = _obj(item, path)
    parsed: dict[str, Any] = {
        "id": _text(status.get("id"), f"{path}.id"),
        "status": _text(status.get("status"), f"{path}.status"),
        "at": timestamp(status.get("timestamp"), f"{path}.timestamp"),
        "delivery": None,
        "part": None,
        "error": "",
        "opaque": "",
    }
    opaque = status.get("biz_opaque_callback_data")
    if isinstance(opaque, str):
        parsed["opaque"] = opaque[:100]
    if isinstance(opaque, str) and opaque.startswith("sigap:"):
        bits = opaque.split(":")
        if len(bits) == 3 and bits[1].isdigit() and bits[2].isdigit():
            parsed["delivery"], parsed["part"] = int(bits[1]), int(bits[2])
    errors = status.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        parsed["error"] = error_text(errors[0])
    return parsed


# --- handling -------------------------------------------------------------------------------


def handle(payload: Any) -> dict[str, Any]:
    """Accept a verified webhook delivery (messages are filed by a job); the report
    becomes the 200 response body."""
    batch = parse(payload)
    accepted = messaging.accept(batch.messages)
    report: dict[str, Any] = {"messages": accepted["counts"], "statuses": 0, "failed": []}
    report["failed"] = [
        {"id": item.external_id, "error": item.error}
        for item in batch.messages
        if isinstance(item, Failed)
    ]
    for status in batch.statuses:
        if status["status"] not in STATUSES:
            continue
        applied = delivery.apply_status(
            provider=P,
            delivery_id=status["delivery"],
            provider_id=status["id"],
            status=status["status"],
            at=status["at"],
            error=status["error"],
            part=status["part"],
        )
        if not applied:  # a message that is not a reply (a campaign's): its sender's
            applied = delivery.apply_other_status(
                provider=P,
                opaque=status["opaque"],
                provider_id=status["id"],
                status=status["status"],
                at=status["at"],
            )
        report["statuses"] += applied
    if batch.ignored_changes:
        report["ignored_changes"] = batch.ignored_changes
    return report
