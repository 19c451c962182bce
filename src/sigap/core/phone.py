"""Phone numbers normalised to E.164, Indonesian numbers by default."""

from __future__ import annotations

import phonenumbers

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
            f"Nomor telepon tidak dikenali: {raw!r}.", fields={"phone": ["Nomor tidak valid."]}
        ) from exc
    # ``is_possible_number`` only checks the length ("0000000000" passes); a valid number
    # matches a real numbering plan (mobile prefixes, area codes).
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            f"Nomor telepon tidak valid: {raw!r}.", fields={"phone": ["Nomor tidak valid."]}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
