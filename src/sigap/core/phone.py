"""Phone numbers normalised to E.164, Indonesian numbers by default."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from sigap.core.errors import ValidationFailed

DEFAULT_REGION = "ID"


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form: ``"0812-3456-7890"`` -> ``"+6281234567890"``.

    Raises ``ValidationFailed`` with a message the user can act on.
    """
    text = raw.strip()
    if text.startswith("62") and not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed(
            _("Nomor telepon tidak dikenali: %(raw)r.") % {"raw": raw},
            fields={"phone": [_("Nomor tidak valid.")]},
        ) from exc
    # ``is_possible_number`` only checks the length ("0000000000" passes); a valid number
    # matches a real numbering plan (mobile prefixes, area codes).
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("Nomor telepon tidak valid: %(raw)r.") % {"raw": raw},
            fields={"phone": [_("Nomor tidak valid.")]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def platform_phone(raw: str, *, international: bool = False, region: str = DEFAULT_REGION) -> str:
    """A number a platform vouches for (a WhatsApp ``wa_id``, a PBX's caller id): it is
    who wrote or called, whatever the numbering-plan metadata says, so it is never refused.

    The E.164 form when the number is valid, or when it is international and at least of
    a possible length for its country (``"+15551234567"``, though area code 555 is
    unassigned); otherwise the value as given, trimmed (``"123456"``). ``international``:
    the value is a full international number without its ``+`` (a ``wa_id``), not a
    local one.
    """
    text = raw.strip()
    candidate = "+" + text.lstrip("+") if international else text
    try:
        return normalize_phone(candidate, region=region)
    except ValidationFailed:
        pass
    if not candidate.startswith("+"):  # a local number that is not valid: not ours to place
        return text
    try:
        number = phonenumbers.parse(candidate)
    except phonenumbers.NumberParseException:
        return text
    if phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return text
