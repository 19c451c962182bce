"""The PBX / contact-centre webhook's payload: parsed and checked before any write.

One JSON object per event::

    {"event": "ringing" | "answered" | "ended" | "recording",
     "call_id": "pbx-8f2c",                      # the PBX's id, the same for every event
     "direction": "inbound" | "outbound",        # default inbound
     "from": "0812-3456-7890", "to": "1500123",  # any format; the customer's is stored E.164
     "agent": "201" | "rina.agen",               # extension or username, optional
     "timestamp": "2026-03-02T09:15:04+07:00",   # when it happened, with a UTC offset
     "recording_url": "https://..."}             # "recording" only

The shared secret travels in the ``X-Sigap-Pbx-Secret`` header (``SIGAP_PBX_SECRET``).
"""

from __future__ import annotations

import hmac
import os
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext

from sigap.connectors.phone.models import Direction
from sigap.connectors.phone.services import PbxEvent, PbxEventKind
from sigap.core.errors import ValidationFailed
from sigap.core.phone import platform_phone

SECRET_HEADER = "X-Sigap-Pbx-Secret"


def configured_secret() -> str:
    return str(getattr(settings, "SIGAP_PBX_SECRET", "") or os.environ.get("SIGAP_PBX_SECRET", ""))


def secret_ok(given: str | None) -> bool:
    """No secret configured means the hook is closed: every request is refused."""
    expected = configured_secret()
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", fields={field: [message]})


def _text(data: dict[str, Any], field: str, *, required: bool, max_length: int = 255) -> str:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise _fail(field, gettext("wajib diisi."))
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _fail(field, gettext("harus berupa teks."))
    text = str(value).strip()
    if len(text) > max_length:
        raise _fail(field, gettext("paling panjang %(n)s karakter.") % {"n": max_length})
    return text


def _timestamp(data: dict[str, Any], *, required: bool) -> datetime | None:
    raw = _text(data, "timestamp", required=required, max_length=64)
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _fail("timestamp", gettext("bukan waktu ISO 8601: %(raw)r.") % {"raw": raw}) from exc
    if at.tzinfo is None:
        raise _fail("timestamp", gettext("harus memuat zona waktu (mis. +07:00 atau Z)."))
    return at


PHONE_CHARS = re.compile(r"\+?[0-9 ().-]+")


def _number(data: dict[str, Any], field: str) -> str:
    """The PBX vouches for the number (a caller id): normalised when it can be, kept as
    given otherwise, never refused for what the numbering plan says. Only what is no
    number at all is refused: letters, or fewer than 3 digits (a short code) or more
    than 15 (E.164's most)."""
    raw = _text(data, field, required=True, max_length=32)
    digits = sum(ch.isdigit() for ch in raw)
    if not PHONE_CHARS.fullmatch(raw) or not 3 <= digits <= 15:
        raise _fail(field, gettext("nomor telepon tidak valid: %(raw)r.") % {"raw": raw})
    return platform_phone(raw)


def parse_event(data: Any) -> PbxEvent:
    """The checked event, or ``ValidationFailed`` naming the field and what is wrong."""
    if not isinstance(data, dict):
        raise ValidationFailed(gettext("Isi permintaan harus berupa objek JSON."))
    event = _text(data, "event", required=True, max_length=16)
    if event not in PbxEventKind.ALL:
        raise _fail(
            "event",
            gettext("harus salah satu dari %(all)s.") % {"all": ", ".join(PbxEventKind.ALL)},
        )
    call_id = _text(data, "call_id", required=True)
    direction = _text(data, "direction", required=False, max_length=16) or Direction.INBOUND
    if direction not in Direction.values:
        raise _fail("direction", gettext("harus inbound atau outbound."))
    customer_field = "from" if direction == Direction.INBOUND else "to"
    customer_number = _number(data, customer_field)
    other_field = "to" if customer_field == "from" else "from"
    other = _text(data, other_field, required=False, max_length=32)
    at = _timestamp(data, required=event != PbxEventKind.RECORDING)
    recording_url = ""
    if event == PbxEventKind.RECORDING:
        recording_url = _text(data, "recording_url", required=True, max_length=500)
        try:
            URLValidator(schemes=["http", "https"])(recording_url)
        except DjangoValidationError as exc:
            raise _fail("recording_url", gettext("harus URL http atau https.")) from exc
    return PbxEvent(
        event=event,
        call_id=call_id,
        direction=direction,
        customer_number=customer_number,
        from_number=customer_number if customer_field == "from" else other,
        to_number=customer_number if customer_field == "to" else other,
        agent=_text(data, "agent", required=False, max_length=150),
        at=at,
        recording_url=recording_url,
    )
