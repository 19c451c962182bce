"""Phone numbers are stored in E.164, Indonesian by default."""

from __future__ import annotations

import pytest

from sigap.core.errors import ValidationFailed
from sigap.core.phone import normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("  081234567890  ", "+6281234567890"),
        ("+62 (0)812 3456 7890", "+6281234567890"),
        ("0811-1234-567", "+628111234567"),
        ("0857 1234 5678", "+6285712345678"),
        ("0896-1234-5678", "+6289612345678"),
        ("(021) 5551234", "+62215551234"),
        ("021-29345678", "+622129345678"),
        ("0274 512345", "+62274512345"),
        ("+65 8123 4567", "+6581234567"),
        ("+1 202-555-0101", "+12025550101"),
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Nomor telepon tidak dikenali: ''."),
        ("bukan nomor", "Nomor telepon tidak dikenali: 'bukan nomor'."),
        ("62", "Nomor telepon tidak dikenali: '62'."),
        ("12", "Nomor telepon tidak valid: '12'."),
        ("08123", "Nomor telepon tidak valid: '08123'."),
        ("0000000000", "Nomor telepon tidak valid: '0000000000'."),
        ("0812-3456-7890-1234-5678", "Nomor telepon tidak dikenali: '0812-3456-7890-1234-5678'."),
    ],
)
def test_invalid_numbers_are_rejected_with_a_message(raw: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalize_phone(raw)

    assert exc.value.message == message
    assert exc.value.fields == {"phone": ["Nomor tidak valid."]}


def test_another_default_region_reads_national_numbers_there() -> None:
    assert normalize_phone("8123 4567", region="SG") == "+6581234567"
