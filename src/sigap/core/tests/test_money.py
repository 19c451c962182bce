"""Rupiah and numbers in the reader's language: Indonesian dots for thousands and comma
decimals ("Rp 1.250.000", "2,5"), English commas and points ("IDR 1,250,000", "2.5")."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from sigap.core.money import format_number, format_rupiah


@pytest.mark.parametrize(
    ("amount", "indonesian", "english"),
    [
        (0, "Rp 0", "IDR 0"),
        (500, "Rp 500", "IDR 500"),
        (1_000, "Rp 1.000", "IDR 1,000"),
        (249_000, "Rp 249.000", "IDR 249,000"),
        (1_250_000, "Rp 1.250.000", "IDR 1,250,000"),
        (1_000_000_000, "Rp 1.000.000.000", "IDR 1,000,000,000"),
        (-5_000, "-Rp 5.000", "-IDR 5,000"),
        (-1, "-Rp 1", "-IDR 1"),
    ],
)
def test_format_rupiah(amount: int, indonesian: str, english: str) -> None:
    with translation.override("id"):
        assert format_rupiah(amount) == indonesian
    with translation.override("en"):
        assert format_rupiah(amount) == english


@pytest.mark.parametrize(
    ("value", "decimals", "indonesian", "english"),
    [
        (1_250_000, 0, "1.250.000", "1,250,000"),
        (2.5, 1, "2,5", "2.5"),
        (12_345.67, 1, "12.345,7", "12,345.7"),
        (999.96, 1, "1.000,0", "1,000.0"),
    ],
)
def test_format_number(value: float, decimals: int, indonesian: str, english: str) -> None:
    with translation.override("id"):
        assert format_number(value, decimals) == indonesian
    with translation.override("en"):
        assert format_number(value, decimals) == english


def test_the_rupiah_filter_follows_the_active_language() -> None:
    template = Template("{% load sigap %}{{ n|rupiah }}")
    with translation.override("en"):
        assert template.render(Context({"n": 1_250_000})) == "IDR 1,250,000"
    with translation.override("id"):
        assert template.render(Context({"n": 1_250_000})) == "Rp 1.250.000"
