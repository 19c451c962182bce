"""A report's numbers in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from sigap.metrics.catalog import fmt


@pytest.mark.parametrize(
    ("value", "unit", "indonesian", "english"),
    [
        (1234.0, "tiket", "1.234", "1,234"),
        (87.5, "%", "87,5%", "87.5%"),
        (90.0, "%", "90%", "90%"),
        (1234.25, "", "1.234,2", "1,234.2"),
        (12.5, "menit", "12,5 menit", "12.5 min"),
        (None, "%", "—", "—"),
    ],
)
def test_metric_values_in_both_languages(
    value: float | None, unit: str, indonesian: str, english: str
) -> None:
    with translation.override("id"):
        assert fmt(value, unit) == indonesian
    with translation.override("en"):
        assert fmt(value, unit) == english
