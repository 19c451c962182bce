"""Automation rules: conditions, actions through the services, audit, loop protection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sigap.accounts.models import Team, User
from sigap.automations.models import Rule, RuleRun
from sigap.customers.models import Customer
from sigap.notifications.models import Notification
from sigap.sla.models import EscalationLevel
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.sweep import sweep

pytestmark = pytest.mark.django_db


def create(agent: User, customer: Customer, **kw: object) -> Ticket:
    fields: dict[str, object] = {
        "kind": "complaint",
        "channel": "whatsapp",
        "subject": "Kompor baru",
        "description": "Kompor yang saya beli tidak mau menyala dan garansinya ditolak.",
    }
    fields.update(kw)
    return services.ticket_create(actor=agent, customer=customer, **fields)  # type: ignore[arg-type]


def test_a_keyword_rule_raises_priority_tags_and_notes(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    Rule.objects.create(
        name="Garansi ditolak",
        trigger="ticket_created",
        conditions={"keywords": ["garansi", "klaim"]},
        actions=[
            {"type": "set_priority", "value": 1},
            {"type": "add_tag", "value": "garansi"},
            {"type": "add_note", "value": "Hubungi {nama_depan} segera: {nomor_tiket}"},
            {"type": "set_team", "value": team.pk},
            {"type": "notify_supervisor"},
        ],
    )
    ticket = create(agent, customer, priority=3)
    assert ticket.priority == 1
    assert ticket.team == team
    assert list(ticket.tags.values_list("name", flat=True)) == ["garansi"]
    note = ticket.messages.get(kind="note")
    assert note.body == f"Hubungi Budi segera: {ticket.reference}"
    assert ticket.resolution_due_at == ticket.created_at + timedelta(hours=4)  # P1 targets
    run = RuleRun.objects.get()
    assert run.applied == ["set_priority", "add_tag", "add_note", "set_team", "notify_supervisor"]
    audit = ticket.events.get(kind="automation")
    assert audit.data["rule"] == "Garansi ditolak" and audit.actor.username == "sigap-otomasi"
    assert Notification.objects.filter(user=supervisor).exists()


def test_conditions_must_all_match(agent: User, customer: Customer) -> None:
    Rule.objects.create(
        name="Email saja",
        trigger="ticket_created",
        conditions={"channels": ["email"], "keywords": ["garansi"]},
        actions=[{"type": "add_tag", "value": "x"}],
    )
    ticket = create(agent, customer)  # whatsapp
    assert not ticket.tags.exists() and not RuleRun.objects.exists()


def test_rules_cannot_trigger_rules(agent: User, customer: Customer) -> None:
    # a reply by a rule must not fire "message received" rules, nor itself again
    Rule.objects.create(
        name="Balas otomatis",
        trigger="ticket_created",
        actions=[{"type": "send_reply", "value": "Terima kasih, {nama_depan}."}],
    )
    Rule.objects.create(
        name="Tiap pesan",
        trigger="message_received",
        actions=[{"type": "add_tag", "value": "pesan"}],
    )
    ticket = create(agent, customer)
    assert ticket.messages.filter(kind="reply").count() == 1
    assert list(RuleRun.objects.values_list("rule_name", flat=True)) == ["Balas otomatis"]
    services.message_add(actor=None, ticket=ticket, kind="inbound", body="Halo lagi")
    assert RuleRun.objects.filter(rule_name="Tiap pesan").count() == 1


def test_stop_after_and_order(agent: User, customer: Customer) -> None:
    Rule.objects.create(
        name="B", position=2, trigger="ticket_created", actions=[{"type": "add_tag", "value": "b"}]
    )
    Rule.objects.create(
        name="A",
        position=1,
        trigger="ticket_created",
        stop_after=True,
        actions=[{"type": "add_tag", "value": "a"}],
    )
    ticket = create(agent, customer)
    assert list(ticket.tags.values_list("name", flat=True)) == ["a"]


def test_a_broken_action_is_logged_and_does_not_block(agent: User, customer: Customer) -> None:
    Rule.objects.create(
        name="Rusak",
        trigger="ticket_created",
        actions=[
            {"type": "set_team", "value": 99999},
            {"type": "nope"},
            {"type": "add_tag", "value": "tetap"},
        ],
    )
    ticket = create(agent, customer)
    assert list(ticket.tags.values_list("name", flat=True)) == ["tetap"]
    applied = RuleRun.objects.get().applied
    assert applied[0].startswith("set_team: gagal") and applied[1] == "nope: tidak dikenal"


def test_sla_breach_rules_run_from_the_sweep(agent: User, team: Team, customer: Customer) -> None:
    Rule.objects.create(
        name="Lewat tenggat",
        trigger="sla_breached",
        actions=[{"type": "add_tag", "value": "terlambat"}],
    )
    ticket = create(agent, customer, team=team)
    assert ticket.resolution_due_at is not None
    sweep(ticket.resolution_due_at + timedelta(minutes=1))
    assert list(ticket.tags.values_list("name", flat=True)) == ["terlambat"]


def test_an_edited_rule_applies_at_once(agent: User, customer: Customer) -> None:
    rule = Rule.objects.create(
        name="R",
        trigger="ticket_created",
        active=False,
        actions=[{"type": "add_tag", "value": "r"}],
    )
    assert not create(agent, customer).tags.exists()
    rule.active = True
    rule.save()
    assert create(agent, customer).tags.filter(name="r").exists()


def test_an_update_rule_fires_on_a_change_and_not_on_its_own(
    agent: User, supervisor: User, customer: Customer
) -> None:
    Rule.objects.create(
        name="P1 ke supervisor",
        trigger="ticket_updated",
        conditions={"priorities": [1]},
        actions=[{"type": "add_tag", "value": "kritis"}, {"type": "notify_supervisor"}],
    )
    ticket = create(agent, customer, priority=3)
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"priority": 1}
    )
    assert list(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == ["kritis"]
    assert RuleRun.objects.count() == 1  # its own add_tag update did not fire it again


def test_assign_canned_and_webhook_actions(
    agent: User, supervisor: User, customer: Customer, django_capture_on_commit_callbacks: object
) -> None:
    from sigap.tickets.models import CannedResponse
    from sigap.webhooks.models import Webhook, WebhookDelivery

    template = CannedResponse.objects.get(title="Konfirmasi masalah")
    hook = Webhook.objects.create(name="Pusat data", url="http://127.0.0.1:9/x", events=["none"])
    Rule.objects.create(
        name="VIP",
        trigger="ticket_created",
        actions=[
            {"type": "assign", "value": supervisor.pk},
            {"type": "send_canned", "value": template.pk},
            {"type": "call_webhook", "value": hook.pk},
        ],
    )
    ticket = create(agent, customer)
    assert ticket.assignee == supervisor
    reply = ticket.messages.get(kind="reply")
    assert reply.body.startswith("Halo Kak Budi,") and ticket.reference in reply.body
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.event == "automation" and delivery.payload["rule"] == "VIP"


def test_escalation_can_reassign_to_the_supervisor(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    EscalationLevel.objects.filter(level=1).update(reassign=True)
    ticket = create(agent, customer, team=team, assignee=agent)
    assert ticket.resolution_due_at is not None
    sweep(ticket.resolution_due_at + timedelta(minutes=1))
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.assignee == supervisor
    moved = ticket.events.get(kind="assigned")
    assert (moved.old_value, moved.new_value) == (agent.pk, supervisor.pk)
