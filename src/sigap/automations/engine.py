"""Running the automation rules of a trigger on a ticket.

Called by the services inside the transaction of the change that triggered it, so a rule's
actions commit or roll back with it. Loop protection: while rules run, nothing they do
fires rules again (the depth guard), so no rule can trigger itself, or another, endlessly.
Every rule that fires leaves a ``RuleRun`` (the audit) and a timeline entry. Actions are
done as the system user "Otomasi Sigap" through the ordinary services, with their checks.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.models import Team, User
from sigap.accounts.system import system_user
from sigap.core.errors import SigapError
from sigap.core.locale import said_in_default_language
from sigap.core.memo import SharedMemo
from sigap.notifications.models import NotificationKind
from sigap.notifications.services import notify_many
from sigap.tickets import canned, events, services
from sigap.tickets.escalation import escalation_recipients
from sigap.tickets.events import ticket_payload
from sigap.tickets.models import CannedResponse, EventKind, Message, MessageKind, Ticket
from sigap.webhooks.outbox import record_for

log = logging.getLogger(__name__)
_guard = threading.local()


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    stop_after: bool


def _load() -> dict[str, list[CompiledRule]]:
    from sigap.automations.models import Rule

    rules: dict[str, list[CompiledRule]] = {}
    for r in Rule.objects.filter(active=True).order_by("position", "id"):
        rules.setdefault(r.trigger, []).append(
            CompiledRule(
                r.pk, r.name, dict(r.conditions or {}), list(r.actions or []), r.stop_after
            )
        )
    return rules


_rules: SharedMemo[dict[str, list[CompiledRule]]] = SharedMemo("automation-rules", _load)
invalidate = _rules.invalidate


def has_rules(trigger: str) -> bool:
    return bool(_rules.get().get(trigger))


def matches(
    rule: CompiledRule, ticket: Ticket, text: str, facts: dict[str, Any] | None = None
) -> bool:
    c = rule.conditions
    checks: list[tuple[str, Any]] = [
        ("channels", ticket.channel),
        ("kinds", ticket.kind),
        ("priorities", ticket.priority),
        ("severities", ticket.severity),
        ("categories", ticket.category),
        ("teams", ticket.team_id),
    ]
    for key, value in checks:
        if c.get(key) and value not in c[key]:
            return False
    if c.get("tiers") and ticket.customer.loyalty_tier not in c["tiers"]:
        return False
    if c.get("keywords"):
        haystack = f"{ticket.subject}\n{text}".casefold()
        if not any(str(k).casefold() in haystack for k in c["keywords"]):
            return False
    return _facts_match(c, facts or {})


def _facts_match(c: dict[str, Any], facts: dict[str, Any]) -> bool:
    """Conditions on what the trigger carries besides the ticket (a survey's score)."""
    if c.get("survey_kinds") and facts.get("survey_kind") not in c["survey_kinds"]:
        return False
    score = facts.get("score")
    if "score_at_most" in c and (score is None or score > int(c["score_at_most"])):
        return False
    return not ("score_at_least" in c and (score is None or score < int(c["score_at_least"])))


DRY_RUN_TICKETS = 200
SURVEY_KEYS = ("survey_kinds", "score_at_most", "score_at_least")


@dataclass(frozen=True)
class DryRun:
    looked_at: int
    matched: list[Ticket]
    skipped: tuple[str, ...]  # conditions the old tickets cannot answer (a survey's score)
    taken: dict[int, str] = field(default_factory=dict)  # ticket -> an earlier rule's name

    @property
    def rows(self) -> list[tuple[Ticket, str]]:
        return [(t, self.taken.get(t.pk, "")) for t in self.matched]


def dry_run(
    trigger: str,
    conditions: dict[str, Any],
    *,
    limit: int = DRY_RUN_TICKETS,
    place: tuple[int, int] | None = None,
) -> DryRun:
    """Which of the last ``limit`` tickets a rule with these conditions would have matched,
    judged by ``matches`` itself, with the text its trigger gives it: the description for
    "ticket created", the customer's latest message for "message received", none otherwise
    (so keywords look at the subject only, as when those triggers fire). A survey's score is
    not kept on the ticket: those conditions are left out and named in ``skipped``.
    ``taken``: the matches an active "stop after" rule above it (``place``: the rule's
    position and id; a new rule comes last) would have stopped before it."""
    from sigap.automations.models import Rule

    skipped = tuple(k for k in SURVEY_KEYS if k in conditions)

    def ticket_only(c: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in c.items() if k not in SURVEY_KEYS}

    rule = CompiledRule(0, "", ticket_only(conditions), [], False)
    stoppers = [
        CompiledRule(r.pk, r.name, ticket_only(dict(r.conditions or {})), [], True)
        for r in Rule.objects.filter(trigger=trigger, active=True, stop_after=True).order_by(
            "position", "id"
        )
        if place is None or (r.position, r.pk) < place
    ]
    tickets = list(
        Ticket.objects.select_related("customer", "team").order_by("-created_at", "-pk")[:limit]
    )
    texts: dict[int, str] = {}
    if trigger == "ticket_created":
        texts = {t.pk: t.description for t in tickets}
    elif trigger == "message_received":
        rows = (
            Message.objects.filter(ticket__in=[t.pk for t in tickets], kind=MessageKind.INBOUND)
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body")
        )
        texts = dict(rows)  # the latest of each ticket's messages comes last
    matched = [t for t in tickets if matches(rule, t, texts.get(t.pk, ""))]
    taken = {}
    for t in matched:
        stopper = next((r for r in stoppers if matches(r, t, texts.get(t.pk, ""))), None)
        if stopper is not None:
            taken[t.pk] = stopper.name
    return DryRun(len(tickets), matched, skipped, taken)


def fire(
    trigger: str, ticket: Ticket, *, text: str = "", facts: dict[str, Any] | None = None
) -> list[str]:
    """Apply every matching rule of ``trigger``; returns the names of those that fired."""
    rules = _rules.get().get(trigger)
    if not rules or getattr(_guard, "running", False):
        return []
    _guard.running = True
    fired: list[str] = []
    try:
        for rule in rules:
            ticket = Ticket.objects.select_related("customer", "team").get(pk=ticket.pk)
            if not matches(rule, ticket, text, facts):
                continue
            applied = [_apply(action, ticket.pk, rule) for action in rule.actions]
            _audit(rule, ticket, trigger, applied)
            fired.append(rule.name)
            if rule.stop_after:
                break
    finally:
        _guard.running = False
    return fired


def _audit(rule: CompiledRule, ticket: Ticket, trigger: str, applied: list[str]) -> None:
    from sigap.automations.models import RuleRun

    RuleRun.objects.create(
        rule_id=rule.id, rule_name=rule.name, ticket=ticket, trigger=trigger, applied=applied
    )
    events.sla_event(
        ticket,
        EventKind.AUTOMATION,
        actor=system_user(),
        data={"rule": rule.name, "trigger": trigger, "applied": applied},
    )


def _apply(action: dict[str, Any], ticket_id: int, rule: CompiledRule) -> str:

    kind: str = str(action.get("type", ""))
    value: Any = action.get("value")
    actor = system_user()
    ticket = Ticket.objects.select_related("customer", "team").get(pk=ticket_id)
    reason = said_in_default_language(gettext_lazy("Otomasi: %(rule)s"), rule=rule.name)
    try:
        if kind == "set_priority":
            services.ticket_update(
                actor=actor,
                ticket=ticket,
                version=ticket.version,
                changes={"priority": int(value)},
                reason=reason,
            )
        elif kind == "set_team":
            services.ticket_transfer(
                actor=actor, ticket=ticket, team=Team.objects.get(pk=int(value)), reason=reason
            )
        elif kind == "add_tag":
            names = list(ticket.tags.values_list("name", flat=True))
            if str(value) not in names:
                services.ticket_update(
                    actor=actor,
                    ticket=ticket,
                    version=ticket.version,
                    changes={"tags": [*names, str(value)]},
                    reason=reason,
                )
        elif kind == "assign":
            assignee = User.objects.get(pk=int(value), is_active=True)
            services.ticket_update(
                actor=actor,
                ticket=ticket,
                version=ticket.version,
                changes={"assignee": assignee},
                reason=reason,
            )
        elif kind == "send_canned":
            template = CannedResponse.objects.get(pk=int(value), active=True)
            services.message_add(
                actor=actor,
                ticket=ticket,
                kind="reply",
                body=canned.fill(template.body, canned.placeholder_values(ticket, actor)),
            )
        elif kind == "call_webhook":
            record_for(
                int(value), "automation", {"rule": rule.name, "ticket": ticket_payload(ticket)}
            )
        elif kind in ("add_note", "send_reply"):
            body = canned.fill(str(value), canned.placeholder_values(ticket, actor))
            services.message_add(
                actor=actor,
                ticket=ticket,
                kind="note" if kind == "add_note" else "reply",
                body=body,
            )
        elif kind == "notify_supervisor":
            notify_many(
                [
                    (u, ticket.pk, NotificationKind.ESCALATED, f"{rule.name}: {ticket.reference}")
                    for u in escalation_recipients(ticket, max(ticket.escalation_level, 1))
                ]
            )
        else:
            return _("%(action)s: tidak dikenal") % {"action": kind}
    except (SigapError, ObjectDoesNotExist, ValueError, TypeError) as exc:
        # A rule that cannot apply (bad value, a refused change) must not block the ticket.
        message = getattr(exc, "message", str(exc))
        log.warning("automation %r action %s failed on %s: %s", rule.name, kind, ticket_id, message)
        return _("%(action)s: gagal (%(why)s)") % {"action": kind, "why": message}
    return kind
