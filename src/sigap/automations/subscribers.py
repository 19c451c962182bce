"""The automation rules' triggers, as ticket hooks: each runs inside the transaction of the
change that fired it, so a rule's actions commit or roll back with it. ``when`` keeps a
Sigap without rules for a trigger from doing any work."""

from __future__ import annotations

from django.utils.translation import npgettext

from sigap.automations import engine
from sigap.automations.models import Rule
from sigap.tickets import hooks
from sigap.tickets.models import MessageKind, Ticket


def _fire(trigger: str, ticket_id: int, text: str = "") -> list[str]:
    return engine.fire(trigger, Ticket(pk=ticket_id), text=text)


def tag_renamed(event: hooks.TagRenamed) -> hooks.Rewritten:
    """The rules whose "add tag" action names the old tag add the new one (one read of
    the rules, one UPDATE; no audit row of their own: the tag's change is the audited
    one)."""
    changed = []
    for rule in Rule.objects.select_for_update().only("pk", "actions").order_by("pk"):
        actions = list(rule.actions or [])
        rewritten = [
            {**a, "value": event.new}
            if isinstance(a, dict) and a.get("type") == "add_tag" and a.get("value") == event.old
            else a
            for a in actions
        ]
        if rewritten != actions:
            rule.actions = rewritten
            changed.append(rule)
    if changed:
        Rule.objects.bulk_update(changed, ["actions"])
        engine.invalidate()  # as a save does (apps.py); bulk_update sends no post_save
    n = len(changed)
    label = npgettext("tags rewritten", "aturan otomasi", "aturan otomasi", n)
    return hooks.Rewritten("automation_rules", label, n)


def connect() -> None:
    hooks.subscribe(
        hooks.TagRenamed, tag_renamed, phase=hooks.INSIDE, name="automations.tag_renamed"
    )
    hooks.subscribe(
        hooks.TicketCreated,
        lambda e: _fire("ticket_created", e.ticket_id, e.text),
        phase=hooks.INSIDE,
        name="automations.ticket_created",
        when=lambda e: engine.has_rules("ticket_created"),
    )
    hooks.subscribe(
        hooks.TicketUpdated,
        lambda e: _fire("ticket_updated", e.ticket_id),
        phase=hooks.INSIDE,
        name="automations.ticket_updated",
        when=lambda e: engine.has_rules("ticket_updated"),
    )
    hooks.subscribe(
        hooks.MessageAdded,
        lambda e: _fire("message_received", e.ticket_id, e.text),
        phase=hooks.INSIDE,
        name="automations.message_received",
        when=lambda e: e.kind == MessageKind.INBOUND and engine.has_rules("message_received"),
    )
    hooks.subscribe(
        hooks.SlaAlert,
        lambda e: _fire(_SLA_TRIGGERS[e.kind], e.ticket_id),
        phase=hooks.INSIDE,
        name="automations.sla",
        when=lambda e: engine.has_rules(_SLA_TRIGGERS[e.kind]),
    )


_SLA_TRIGGERS = {"warning": "sla_warning", "breach": "sla_breached"}
