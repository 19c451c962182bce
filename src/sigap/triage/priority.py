"""The configurable priority matrix: severity by loyalty tier (and customer kind) -> P1-P4,
with the reason in words. Defaults (migration): the severity's base priority, one step up
for Gold and Platinum customers (DOMAIN.md §5: loyal customers get priority service)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.core.locale import said_in_default_language
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


def priority_value(severity: str, tier: str, customer_kind: str = "") -> int:
    """The priority alone (every new ticket's; its reason in words costs more to write
    than the lookup)."""
    matrix = _matrix.get()
    value = matrix.get((severity, tier, customer_kind)) or matrix.get((severity, tier, ""))
    if value is None:  # an empty matrix: the built-in defaults
        value = {(s, t, k): p for s, t, k, p in default_rows()}[(severity, tier, "")]
    return value


def priority_for(severity: str, tier: str, customer_kind: str = "") -> tuple[int, str]:
    """The priority and why, in Indonesian."""
    value = priority_value(severity, tier, customer_kind)
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


# --- the settings page ---------------------------------------------------------------------

SEVERITIES = ["penting", "kompleks", "sederhana", ""]  # the matrix's rows, most urgent first


def matrix_cells(kind: str = "") -> dict[tuple[str, str], int | None]:
    """The matrix for every kind of customer (``kind`` empty), by (severity, tier): the
    stored rows, the built-in defaults where none is stored. For one customer kind: its
    own rows only (None: the common matrix applies)."""
    matrix = _matrix.get()
    if kind:
        return {(s, t): matrix.get((s, t, kind)) for s, t, _k, _p in default_rows()}
    return {(s, t): matrix.get((s, t, ""), p) for s, t, _k, p in default_rows()}


@transaction.atomic
def matrix_save(*, actor: User, cells: Mapping[tuple[str, str], str], kind: str = "") -> None:
    """Set the matrix for every kind of customer (``kind`` empty): each (severity, tier)
    to P1-P4; or one customer kind's exceptions, where an empty cell means "as the common
    matrix" (its row is removed). Every cell is checked before anything is written. New
    triage uses it; tickets already prioritised keep their priority."""
    access.require_global_settings(actor)
    if kind and kind not in CustomerKind.values:
        raise ValidationFailed(
            _("Jenis pelanggan tidak dikenal."), fields={"kind": [_("Tidak dikenal.")]}
        )
    errors: dict[str, list[str]] = {}
    wanted: dict[tuple[str, str], int | None] = {}
    for severity, tier, _kind, _default in default_rows():
        raw = str(cells.get((severity, tier), "")).strip().upper().removeprefix("P")
        if kind and raw == "":
            wanted[(severity, tier)] = None
        elif raw not in ("1", "2", "3", "4"):
            errors[f"{severity or 'none'}_{tier}"] = [_("Pilih P1, P2, P3 atau P4.")]
        else:
            wanted[(severity, tier)] = int(raw)
    if errors:
        raise ValidationFailed(
            _("Matriks prioritas belum disimpan: %(n)d isian tidak valid.") % {"n": len(errors)},
            fields=errors,
        )
    from sigap.triage.models import PriorityRule

    def label(s: str, t: str) -> str:
        return f"{s or '-'}×{t}"

    before = {label(s, t): p for (s, t), p in matrix_cells(kind).items()}
    for (severity, tier), priority in wanted.items():
        if priority is None:
            PriorityRule.objects.filter(severity=severity, tier=tier, customer_kind=kind).delete()
        else:
            PriorityRule.objects.update_or_create(
                severity=severity, tier=tier, customer_kind=kind, defaults={"priority": priority}
            )
    audit.settings_changed(
        actor=actor,
        what="priority_matrix",
        name=(
            said_in_default_language(gettext_lazy("matriks prioritas · %(kind)s"), kind=kind)
            if kind
            else said_in_default_language(gettext_lazy("matriks prioritas"))
        ),
        before=before,
        after={label(s, t): p for (s, t), p in wanted.items()},
    )
