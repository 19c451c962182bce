"""Rupiah formatting: whole rupiah, dot as the thousands separator."""

from __future__ import annotations

import pytest

from sigap.core.money import format_rupiah


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp 0"),
        (500, "Rp 500"),
        (1_000, "Rp 1.000"),
        (249_000, "Rp 249.000"),
        (1_250_000, "Rp 1.250.000"),
        (1_000_000_000, "Rp 1.000.000.000"),
        (-5_000, "-Rp 5.000"),
        (-1, "-Rp 1"),
    ],
)
def test_format_rupiah(amount: int, text: str) -> None:
    assert format_rupiah(amount) == text
