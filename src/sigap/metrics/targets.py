"""The reports' metric targets (``MetricTarget``) set on the settings page: a value per
metric overrides the catalogue's default (``catalog.METRICS``); an empty value returns to
the default. One set for the whole business (the reports compare every team with it), so
admins only.

Every value is checked against its unit before anything is written (a percentage 0 to 100,
NPS -100 to 100, a time above 0, a count 0 or more); one wrong value saves none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.metrics.catalog import METRICS, Metric
from sigap.metrics.models import MetricTarget

# the range a target may take, by unit (inclusive; None: open)
RANGES: dict[str, tuple[float, float | None, bool]] = {
    # unit: (lowest, highest, the lowest itself allowed)
    "%": (0, 100, True),
    "skor": (-100, 100, True),
    "menit": (0, 60 * 24 * 30, False),
    "jam": (0, 24 * 365, False),
    "tiket": (0, None, True),
}


def settable() -> list[Metric]:
    """The metrics a target means something for (not a plain count with no better side)."""
    return [m for m in METRICS if m.better != 0]


def overrides() -> dict[str, float]:
    return dict(MetricTarget.objects.values_list("metric", "target"))


def _parse(metric: Metric, raw: str) -> tuple[float | None, str]:
    text = raw.strip().replace(",", ".")
    if not text:
        return None, ""
    try:
        value = float(text)
    except ValueError:
        return None, _("Isi angka, misalnya 90 atau 12,5.")
    if value != value or value in (float("inf"), float("-inf")):
        return None, _("Isi angka, misalnya 90 atau 12,5.")
    low, high, low_ok = RANGES.get(metric.unit, (0, None, True))
    if value < low or (value == low and not low_ok) or (high is not None and value > high):
        if high is None:
            return None, _("Target harus %(low)s atau lebih.") % {"low": f"{low:g}"}
        if not low_ok:
            return None, _("Target harus lebih dari %(low)s dan paling banyak %(high)s.") % {
                "low": f"{low:g}",
                "high": f"{high:g}",
            }
        return None, _("Target harus antara %(low)s dan %(high)s.") % {
            "low": f"{low:g}",
            "high": f"{high:g}",
        }
    return value, ""


@transaction.atomic
def targets_save(*, actor: User, typed: Mapping[str, str]) -> dict[str, float]:
    """Set the targets from ``typed`` (metric key → text; empty: the default). Raises
    ``ValidationFailed`` with a message per metric; nothing is written then. Returns the
    overrides now in force."""
    access.require_global_settings(actor)
    errors: dict[str, list[str]] = {}
    wanted: dict[str, float] = {}
    for metric in settable():
        value, error = _parse(metric, typed.get(metric.key, ""))
        if error:
            errors[metric.key] = [error]
        elif value is not None and value != metric.target:
            wanted[metric.key] = value
    if errors:
        raise ValidationFailed(
            _("Target belum disimpan: periksa %(n)d isian.") % {"n": len(errors)}, fields=errors
        )
    list(MetricTarget.objects.select_for_update())
    before: dict[str, Any] = overrides()
    MetricTarget.objects.exclude(metric__in=wanted).delete()
    for key, value in wanted.items():
        MetricTarget.objects.update_or_create(metric=key, defaults={"target": value})
    audit.settings_changed(
        actor=actor, what="metric_targets", name="target metrik", before=before, after=wanted
    )
    return wanted
