"""The reports' metric targets (``MetricTarget``) set on the settings page: a value per
metric overrides the catalogue's default (``catalog.METRICS``); an empty value returns to
the default. The business's set (admins) applies to every team; a team's own set (admins,
and the team's supervisor) overrides it for that team's figures, an empty value there
returning to the business's target (``in_force``).

Every value is checked against its unit before anything is written (a percentage 0 to 100,
NPS -100 to 100, a time above 0, a count 0 or more); one wrong value saves none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import Team, User
from sigap.core.errors import ValidationFailed
from sigap.core.locale import said_in_default_language
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


def overrides(team: Team | int | None = None) -> dict[str, float]:
    """The stored targets of ``team`` (None: the business's)."""
    team_id = team.pk if isinstance(team, Team) else team
    rows = MetricTarget.objects.filter(team_id=team_id) if team_id else MetricTarget.objects
    if not team_id:
        rows = rows.filter(team__isnull=True)
    return dict(rows.values_list("metric", "target"))


def in_force(team_id: int | None = None) -> dict[str, float | None]:
    """Each metric's target for ``team_id``'s figures (None: the business's): the team's
    own, else the business's, else the catalogue's default. One query."""
    if not team_id:
        out: dict[str, float | None] = {metric.key: metric.target for metric in METRICS}
        out.update(overrides())
        return out
    return by_team([team_id])[team_id]


def by_team(team_ids: Iterable[int]) -> dict[int, dict[str, float | None]]:
    """``in_force`` of several teams at once (one query), for tables of teams."""
    ids = list(team_ids)
    business: dict[str, float | None] = {metric.key: metric.target for metric in METRICS}
    own: dict[int, dict[str, float]] = {}
    for metric, target, team_id in MetricTarget.objects.filter(
        Q(team__isnull=True) | Q(team_id__in=ids)
    ).values_list("metric", "target", "team_id"):
        if team_id is None:
            business[metric] = target
        else:
            own.setdefault(team_id, {})[metric] = target
    return {team_id: {**business, **own.get(team_id, {})} for team_id in ids}


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
def targets_save(
    *, actor: User, typed: Mapping[str, str], team: Team | None = None
) -> dict[str, float]:
    """Set the targets of ``team`` (None: the business's, admins only; a team's: admins
    and its supervisor) from ``typed`` (metric key → text; empty: the default, for a team
    the business's target). Raises ``ValidationFailed`` with a message per metric; nothing
    is written then. Returns the overrides now in force."""
    access.require_team_settings(actor, team)
    errors: dict[str, list[str]] = {}
    wanted: dict[str, float] = {}
    inherited = in_force(None) if team is not None else {}
    for metric in settable():
        value, error = _parse(metric, typed.get(metric.key, ""))
        if error:
            errors[metric.key] = [error]
        elif value is None:
            continue
        elif team is None and value != metric.target:
            wanted[metric.key] = value
        elif team is not None and value != inherited.get(metric.key):
            wanted[metric.key] = value  # a team's value equal to the business's: inherit
    if errors:
        raise ValidationFailed(
            _("Target belum disimpan: periksa %(n)d isian.") % {"n": len(errors)}, fields=errors
        )
    rows = MetricTarget.objects.filter(team=team) if team else MetricTarget.objects
    if team is None:
        rows = rows.filter(team__isnull=True)
    list(rows.select_for_update().order_by("pk"))
    before: dict[str, Any] = overrides(team)
    rows.exclude(metric__in=wanted).delete()
    for key, value in wanted.items():
        updated = rows.filter(metric=key).update(target=value)
        if not updated:
            MetricTarget.objects.create(metric=key, team=team, target=value)
    name = (
        said_in_default_language(gettext_lazy("target metrik"))
        if team is None
        else said_in_default_language(gettext_lazy("target metrik · %(team)s"), team=team.name)
    )
    audit.settings_changed(
        actor=actor,
        what="metric_targets",
        name=name,
        object_id=team.pk if team else None,
        before=before,
        after=wanted,
    )
    return wanted
