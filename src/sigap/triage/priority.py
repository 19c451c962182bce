"""The configurable priority matrix: severity by loyalty tier (and customer kind) -> P1-P4,
with the reason in words. Defaults (migration): the severity's base priority, one step up
for Gold and Platinum customers (DOMAIN.md §5: loyal customers get priority service)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from sigap.core.memo import SharedMemo
from sigap.customers.models import CustomerKind, LoyaltyTier
from sigap.tickets.models import Severity

BASE = {"penting": 1, "kompleks": 2, "sederhana": 3, "": 3}
LOYAL = ("gold", "platinum")


def default_rows() -> list[tuple[str, str, str, int]]:
    rows = []
    for severity, base in BASE.items():
        for tier in LoyaltyTier.values:
            rows.append((severity, tier, "", max(1, base - 1) if tier in LOYAL else base))
    return rows


def _load() -> dict[tuple[str, str, str], int]:
    from sigap.triage.models import PriorityRule

    return {(r.severity, r.tier, r.customer_kind): r.priority for r in PriorityRule.objects.all()}


_matrix: SharedMemo[dict[tuple[str, str, str], int]] = SharedMemo("priority-matrix", _load)


def connect() -> None:
    from sigap.triage.models import PriorityRule

    post_save.connect(_matrix.invalidate, sender=PriorityRule, dispatch_uid="priority-save")
    post_delete.connect(_matrix.invalidate, sender=PriorityRule, dispatch_uid="priority-del")


def priority_for(severity: str, tier: str, customer_kind: str = "") -> tuple[int, str]:
    """The priority and why, in Indonesian."""
    matrix = _matrix.get()
    value = matrix.get((severity, tier, customer_kind)) or matrix.get((severity, tier, ""))
    if value is None:  # an empty matrix: the built-in defaults
        value = {(s, t, k): p for s, t, k, p in default_rows()}[(severity, tier, "")]
    severity_text = (
        str(dict(Severity.choices).get(severity, severity)) if severity else _("belum dinilai")
    )
    tier_text = str(dict(LoyaltyTier.choices).get(tier, tier))
    kind = (
        f", {dict(CustomerKind.choices).get(customer_kind, customer_kind)}" if customer_kind else ""
    )
    return value, _("Tingkat %(severity)s × pelanggan %(tier)s%(kind)s → P%(value)s") % {
        "severity": severity_text.lower(),
        "tier": tier_text,
        "kind": kind,
        "value": value,
    }
