"""When a proposal needs a supervisor's approval (DOMAIN.md §6: "for complex problems the
supervisor approves it on behalf of the company").

A rule names the severities that need approval and/or a compensation amount from which a
proposal needs it, whatever the severity. The ticket's team's rule applies; a team without
its own follows the default row (``ApprovalRule`` without a team), and without that row the
built-in ``DEFAULT_RULE``: *kompleks*, or a compensation of Rp 250.000 and more.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from sigap.core.money import format_rupiah
from sigap.tickets.models import ApprovalRule, Severity, Ticket

DEFAULT_AMOUNT = 250_000


@dataclass(frozen=True)
class Rule:
    severities: frozenset[str]
    amount_threshold: int | None
    source: str  # "team", "default" (the row without a team) or "builtin"


DEFAULT_RULE = Rule(frozenset({Severity.KOMPLEKS.value}), DEFAULT_AMOUNT, "builtin")

SEVERITY_CHOICES = [(s.value, s.label) for s in Severity if s.value]


def _rule(row: ApprovalRule, source: str) -> Rule:
    return Rule(frozenset(row.severities or ()), row.amount_threshold, source)


def rule_for(team_id: int | None) -> Rule:
    """The rule that applies to a ticket of ``team_id``: one query."""
    scope = Q(team__isnull=True) | (Q(team_id=team_id) if team_id else Q(pk__in=[]))
    rows = {r.team_id: r for r in ApprovalRule.objects.filter(scope)}
    if team_id and team_id in rows:
        return _rule(rows[team_id], "team")
    if None in rows:
        return _rule(rows[None], "default")
    return DEFAULT_RULE


def reasons(rule: Rule, *, severity: str, amount: int) -> list[str]:
    """Why a proposal needs approval under ``rule`` (empty: it does not)."""
    out = []
    if severity and severity in rule.severities:
        out.append(f"tingkat keluhan {Severity(severity).label.lower()}")
    if rule.amount_threshold is not None and amount >= rule.amount_threshold:
        out.append(f"nilai kompensasi ≥ {format_rupiah(rule.amount_threshold)}")
    return out


def approval_reasons(ticket: Ticket, amount: int) -> list[str]:
    return reasons(rule_for(ticket.team_id), severity=ticket.severity, amount=amount)


def describe(rule: Rule) -> str:
    """The rule in words, for the settings page."""
    parts = [
        f"tingkat {Severity(s).label.lower()}" for s in sorted(rule.severities) if s in Severity
    ]
    if rule.amount_threshold is not None:
        parts.append(f"kompensasi ≥ {format_rupiah(rule.amount_threshold)}")
    if not parts:
        return "tidak perlu persetujuan"
    return "perlu persetujuan bila " + " atau ".join(parts)
