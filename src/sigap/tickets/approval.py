"""When a proposal needs a supervisor's approval (DOMAIN.md §6: "for complex problems the
supervisor approves it on behalf of the company").

A rule names the severities that need approval and/or a compensation amount from which a
proposal needs it, whatever the severity. The ticket's team's rule applies; a team without
its own follows the default row (``ApprovalRule`` without a team), and without that row the
built-in ``DEFAULT_RULE``: *kompleks*, or a compensation of Rp 250.000 and more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sigap.accounts.models import User
from sigap.core.money import format_rupiah
from sigap.tickets.access import decidable_tickets_q
from sigap.tickets.models import (
    ApprovalRule,
    CompensationType,
    Proposal,
    ProposalStatus,
    Severity,
    Ticket,
)

DEFAULT_AMOUNT = 250_000


@dataclass(frozen=True)
class Rule:
    severities: frozenset[str]
    amount_threshold: int | None
    source: str  # "team", "default" (the row without a team) or "builtin"


DEFAULT_RULE = Rule(frozenset({Severity.KOMPLEKS.value}), DEFAULT_AMOUNT, "builtin")

SEVERITIES = frozenset(s.value for s in Severity if s.value)


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
    """Why a proposal needs approval under ``rule`` (empty: it does not), in the default
    language: it is stored with the proposal."""
    out = []
    with translation.override(settings.LANGUAGE_CODE):
        if severity and severity in rule.severities:
            out.append(
                _("tingkat keluhan %(severity)s")
                % {"severity": str(Severity(severity).label).lower()}
            )
        if rule.amount_threshold is not None and amount >= rule.amount_threshold:
            out.append(
                _("nilai kompensasi ≥ %(amount)s")
                % {"amount": format_rupiah(rule.amount_threshold)}
            )
    return out


def approval_reasons(ticket: Ticket, amount: int) -> list[str]:
    return reasons(rule_for(ticket.team_id), severity=ticket.severity, amount=amount)


def describe(rule: Rule) -> str:
    """The rule in words, for the settings page (in the reader's language; ``reasons``,
    which is stored with the proposal, stays Indonesian)."""
    parts = [
        _("tingkat %(severity)s") % {"severity": Severity(s).label.lower()}
        for s in sorted(rule.severities)
        if s in Severity
    ]
    if rule.amount_threshold is not None:
        parts.append(
            _("kompensasi ≥ %(amount)s") % {"amount": format_rupiah(rule.amount_threshold)}
        )
    if not parts:
        return _("tidak perlu persetujuan")
    return _("perlu persetujuan bila %(conditions)s") % {"conditions": _(" atau ").join(parts)}


# --- the approvals queue (reads) --------------------------------------------------------------

FULFIL_WITHIN = timedelta(days=2)  # an accepted compensation not given by then is overdue


def _past_compensation(aggregate: Any) -> Coalesce:
    """Per proposal row: ``aggregate`` over the compensation its customer accepted on their
    other tickets (one correlated subquery, so the queue stays one query)."""
    past = (
        Proposal.objects.filter(
            ticket__customer_id=OuterRef("ticket__customer_id"),
            status=ProposalStatus.ACCEPTED,
        )
        .exclude(compensation_type=CompensationType.NONE)
        .exclude(ticket_id=OuterRef("ticket_id"))
        .order_by()
        .values("ticket__customer_id")
        .annotate(v=aggregate)
        .values("v")[:1]
    )
    return Coalesce(Subquery(past), Value(0))


def review_queue(user: User, status: str = ProposalStatus.PENDING_APPROVAL) -> QuerySet[Proposal]:
    """The proposals in ``status`` that ``user`` may decide (filtered in the query), with
    what the decision needs: the ticket, its customer (tier) and the customer's history
    (other tickets, compensation accepted before), the proposer and the reviewer."""
    others = (
        Ticket.objects.filter(customer_id=OuterRef("ticket__customer_id"))
        .exclude(pk=OuterRef("ticket_id"))
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        Proposal.objects.filter(decidable_tickets_q(user, "ticket__"), status=status)
        .select_related(
            "ticket",
            "ticket__customer",
            "ticket__team",
            "ticket__assignee",
            "created_by",
            "reviewed_by",
        )
        .annotate(
            previous_tickets=Coalesce(Subquery(others), Value(0)),
            past_compensation_count=_past_compensation(Count("pk")),
            past_compensation_total=_past_compensation(Sum("compensation_amount")),
        )
        .order_by("created_at", "id")
    )


def unfulfilled(user: User) -> QuerySet[Proposal]:
    """Accepted compensation not (yet) given, on the tickets ``user`` may decide, oldest
    first; ``overdue`` when accepted more than ``FULFIL_WITHIN`` ago."""
    late = timezone.now() - FULFIL_WITHIN
    return (
        Proposal.objects.filter(
            decidable_tickets_q(user, "ticket__"), status=ProposalStatus.ACCEPTED
        )
        .exclude(compensation_type=CompensationType.NONE)
        .exclude(compensation_given=True)
        .select_related(
            "ticket", "ticket__customer", "ticket__team", "ticket__assignee", "created_by"
        )
        .annotate(
            overdue=Case(
                When(answered_at__lt=late, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("answered_at", "id")
    )
