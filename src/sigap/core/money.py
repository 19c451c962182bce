"""Rupiah amounts: whole rupiah as ``int`` everywhere, formatted the Indonesian way."""

from __future__ import annotations


def format_rupiah(amount: int) -> str:
    """``format_rupiah(1250000) == "Rp 1.250.000"`` (dot as the thousands separator)."""
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,}".replace(",", ".")
    return f"{sign}Rp {grouped}"
