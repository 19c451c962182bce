"""Rupiah amounts and numbers: whole rupiah as ``int`` everywhere, written the way the
active language writes them. Indonesian: "Rp 1.250.000", "2,5"; English: "IDR 1,250,000",
"2.5" (Django's locale formats give the separators)."""

from __future__ import annotations

from django.utils import formats, translation


def format_number(value: float, decimals: int = 0) -> str:
    """``value`` with ``decimals`` places and grouped thousands, in the active language:
    ``format_number(1250000) == "1.250.000"`` in Indonesian, ``"1,250,000"`` in English."""
    return formats.number_format(
        round(value, decimals), decimals, use_l10n=True, force_grouping=True
    )


def format_rupiah(amount: int) -> str:
    """``format_rupiah(1250000) == "Rp 1.250.000"`` in Indonesian, ``"IDR 1,250,000"`` in
    English (the ISO code: "Rp" with English separators would read as a different amount
    to an Indonesian eye)."""
    sign = "-" if amount < 0 else ""
    currency = "IDR" if (translation.get_language() or "id").startswith("en") else "Rp"
    return f"{sign}{currency} {format_number(abs(amount))}"
