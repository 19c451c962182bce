"""The automation rules' services behind the settings builder: validation with precise
messages and nothing saved, who may change which rule, the audit record, ordering, and the
dry run judged by the engine's own matching."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User
from sigap.automations import engine, services
from sigap.automations.models import Rule
from sigap.core.errors import PermissionDenied, ValidationFailed
from sigap.customers.models import Customer
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db

KEYWORD_RULE: dict[str, Any] = {
    "name": "Gas bocor",
    "trigger": "ticket_created",
    "conditions": {"keywords": ["gas bocor", "bau gas"]},
}


def _actions(team: Team) -> list[dict[str, Any]]:
    return [{"type": "add_tag", "value": "gas"}, {"type": "set_team", "value": str(team.pk)}]


def _ticket(agent: User, customer: Customer, subject: str, description: str, **kw: Any) -> Ticket:
    return ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel=kw.pop("channel", "whatsapp"),
        subject=subject,
        description=description,
        **kw,
    )


def test_a_rule_is_stored_cleaned_and_applied_to_the_next_ticket(
    supervisor: User, team: Team, agent: User, customer: Customer
) -> None:
    rule = services.rule_create(actor=supervisor, **KEYWORD_RULE, actions=_actions(team))
    assert rule.actions == [
        {"type": "add_tag", "value": "gas"},
        {"type": "set_team", "value": team.pk},
    ]
    assert rule.position == 10 and rule.active
    ticket = _ticket(agent, customer, "Kompor", "Ada bau gas di dapur sejak pagi.")
    ticket.refresh_from_db()
    assert ticket.team_id == team.pk
    assert "gas" in ticket.tags.values_list("name", flat=True)  # (safety triage adds its own)


@pytest.mark.parametrize(
    ("conditions", "actions", "field", "message"),
    [
        (
            {"colour": ["red"]},
            [{"type": "notify_supervisor"}],
            "conditions",
            "Syarat tidak dikenal: “colour”.",
        ),
        (
            {"keywords": ["gas", " "]},
            [{"type": "notify_supervisor"}],
            "keywords",
            "Kata kunci tidak boleh kosong.",
        ),
        ({}, [{"type": "add_tag"}], "actions.0", "Tindakan “Tambah label” perlu sasaran."),
        (
            {},
            [{"type": "notify_supervisor"}, {"type": "set_team", "value": ""}],
            "actions.1",
            "Tindakan “Alihkan ke tim” perlu sasaran.",
        ),
        (
            {},
            [{"type": "set_team", "value": 999999}],
            "actions.0",
            "Sasaran tindakan “Alihkan ke tim” tidak ada.",
        ),
        ({}, [{"type": "explode"}], "actions.0", "Tindakan tidak dikenal: “explode”."),
        ({}, [], "actions", "Pilih paling sedikit satu tindakan."),
        (
            {"channels": ["fax"]},
            [{"type": "notify_supervisor"}],
            "channels",
            "Nilai tidak dikenal: fax.",
        ),
        (
            {"score_at_most": 2},
            [{"type": "notify_supervisor"}],
            "score_at_most",
            "Syarat survei hanya berlaku untuk pemicu “Survei dijawab”.",
        ),
        (
            {},
            [{"type": "add_tag", "value": "dua kata"}],
            "actions.0",
            "Label hanya boleh huruf, angka, tanda - dan _, tanpa spasi.",
        ),
    ],
)
def test_an_invalid_rule_is_refused_with_a_precise_message_and_nothing_saved(
    admin: User, conditions: dict[str, Any], actions: list[Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.rule_create(
            actor=admin,
            name="Salah",
            trigger="ticket_created",
            conditions=conditions,
            actions=actions,
        )
    assert caught.value.fields[field] == [message]
    assert not Rule.objects.exists()
    assert not SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).exists()


def test_an_update_that_fails_leaves_the_rule_as_it_was(admin: User, team: Team) -> None:
    rule = services.rule_create(actor=admin, **KEYWORD_RULE, actions=_actions(team))
    with pytest.raises(ValidationFailed):
        services.rule_update(
            actor=admin,
            rule=rule,
            name="Baru",
            trigger="ticket_created",
            conditions={"keywords": [""]},
            actions=_actions(team),
            stop_after=True,
            active=False,
        )
    rule.refresh_from_db()
    assert (rule.name, rule.active, rule.stop_after) == ("Gas bocor", True, False)
    assert rule.conditions == {"keywords": ["gas bocor", "bau gas"]}


def test_every_change_is_in_the_audit_log_with_before_and_after(admin: User, team: Team) -> None:
    rule = services.rule_create(actor=admin, **KEYWORD_RULE, actions=_actions(team))
    services.rule_update(
        actor=admin,
        rule=rule,
        name="Gas bocor",
        trigger="ticket_created",
        conditions={"keywords": ["gas"]},
        actions=_actions(team),
        stop_after=False,
        active=True,
    )
    services.rule_set_active(actor=admin, rule=rule, active=False)
    services.rule_delete(actor=admin, rule=rule)
    events = list(SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).order_by("pk"))
    assert [e.detail for e in events] == [
        "aturan otomasi “Gas bocor” dibuat",
        "aturan otomasi “Gas bocor” diubah",
        "aturan otomasi “Gas bocor” dinonaktifkan",
        "aturan otomasi “Gas bocor” dihapus",
    ]
    assert all(e.actor_id == admin.pk for e in events)
    created, changed, off, deleted = (e.data for e in events)
    assert (
        created["before"] is None and created["after"]["conditions"] == KEYWORD_RULE["conditions"]
    )
    assert changed["before"]["conditions"] == {"keywords": ["gas bocor", "bau gas"]}
    assert changed["after"]["conditions"] == {"keywords": ["gas"]}
    assert (off["before"]["active"], off["after"]["active"]) == (True, False)
    assert deleted["after"] is None and deleted["id"] == created["id"]


# --- who may change what ----------------------------------------------------------------


def test_a_supervisor_may_only_build_rules_for_their_own_teams(
    supervisor: User, team: Team, other_team: Team, agent: User, outsider_agent: User
) -> None:
    with pytest.raises(PermissionDenied):  # no team: a rule for everyone is the admin's
        services.rule_create(
            actor=supervisor, **KEYWORD_RULE, actions=[{"type": "add_tag", "value": "gas"}]
        )
    with pytest.raises(PermissionDenied):
        services.rule_create(actor=supervisor, **KEYWORD_RULE, actions=_actions(other_team))
    with pytest.raises(PermissionDenied):  # assigning to another team's agent
        services.rule_create(
            actor=supervisor,
            **KEYWORD_RULE,
            actions=[*_actions(team), {"type": "assign", "value": outsider_agent.pk}],
        )
    rule = services.rule_create(
        actor=supervisor,
        **KEYWORD_RULE,
        actions=[*_actions(team), {"type": "assign", "value": agent.pk}],
    )
    assert rule.pk and Rule.objects.count() == 1


def test_a_supervisor_cannot_touch_another_teams_rule_nor_take_it_over(
    admin: User, supervisor: User, team: Team, other_team: Team
) -> None:
    theirs = services.rule_create(actor=admin, **KEYWORD_RULE, actions=_actions(other_team))
    for attempt in (
        lambda: services.rule_set_active(actor=supervisor, rule=theirs, active=False),
        lambda: services.rule_delete(actor=supervisor, rule=theirs),
        lambda: services.rule_move(actor=supervisor, rule=theirs, up=True),
        lambda: services.rule_update(
            actor=supervisor,
            rule=theirs,
            name="Punya saya",
            trigger="ticket_created",
            conditions={},
            actions=_actions(team),
            stop_after=False,
            active=True,
        ),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    theirs.refresh_from_db()
    assert theirs.active and theirs.name == "Gas bocor"
    assert theirs.actions[1]["value"] == other_team.pk


def test_agents_may_change_no_rule(agent: User, team: Team) -> None:
    with pytest.raises(PermissionDenied):
        services.rule_create(actor=agent, **KEYWORD_RULE, actions=_actions(team))
    assert not Rule.objects.exists()


# --- ordering -----------------------------------------------------------------------------


def test_moving_a_rule_changes_the_order_the_engine_runs_them_in(
    admin: User, team: Team, agent: User, customer: Customer
) -> None:
    first = services.rule_create(
        actor=admin,
        name="Satu",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "add_tag", "value": "satu"}],
        stop_after=True,
    )
    second = services.rule_create(
        actor=admin,
        name="Dua",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "add_tag", "value": "dua"}],
        stop_after=True,
    )
    before = _ticket(agent, customer, "Sebelum", "Tidak penting.")  # the engine loads its rules
    assert set(before.tags.values_list("name", flat=True)) & {"satu", "dua"} == {"satu"}
    services.rule_move(actor=admin, rule=second, up=True)
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == [
        "Dua",
        "Satu",
    ]
    ticket = _ticket(agent, customer, "Apa saja", "Tidak penting.")
    assert set(ticket.tags.values_list("name", flat=True)) & {"satu", "dua"} == {"dua"}
    assert services.rule_move(actor=admin, rule=second, up=True).position == 10  # top already
    first.refresh_from_db()
    assert first.position == 20


# --- the dry run ----------------------------------------------------------------------------


def test_the_dry_run_lists_exactly_the_tickets_the_engine_would_fire_on(
    admin: User, team: Team, agent: User, customer: Customer
) -> None:
    tickets = [
        _ticket(agent, customer, "Bau gas", "Di dapur."),  # subject
        _ticket(agent, customer, "Kompor", "Ada GAS BOCOR di rumah."),  # description, any case
        _ticket(agent, customer, "Kompor", "Tidak menyala.", channel="email"),
        _ticket(agent, customer, "Tagihan", "Tagihan bulan ini dobel."),
        _ticket(agent, customer, "Gas bocor", "Lewat email.", channel="email"),
    ]
    conditions = {"keywords": ["gas bocor", "bau gas"], "channels": ["whatsapp"]}

    result = engine.dry_run("ticket_created", conditions)

    assert result.looked_at == 5
    assert [t.pk for t in result.matched] == [tickets[1].pk, tickets[0].pk]  # newest first
    # the engine itself, firing the same rule on each ticket (rolled back each time):
    rule = Rule.objects.create(
        name="Uji",
        trigger="ticket_created",
        conditions=conditions,
        actions=[{"type": "add_tag", "value": "uji"}],
    )
    fired = []
    for ticket in tickets:
        with transaction.atomic():
            if engine.fire("ticket_created", ticket, text=ticket.description):
                fired.append(ticket.pk)
            transaction.set_rollback(True)
    assert sorted(fired) == sorted(t.pk for t in result.matched)
    assert rule.pk


def test_the_dry_run_looks_at_the_last_200_tickets_in_a_fixed_number_of_queries(
    agent: User, customer: Customer, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        _ticket(agent, customer, f"Gas {n}", "bau gas")
    with django_assert_max_num_queries(3):  # stop rules, tickets, their messages
        result = engine.dry_run("message_received", {"keywords": ["gas"]})
    assert len(result.matched) == 3  # the subject; the customer's messages: none here
    assert engine.dry_run("ticket_created", {"keywords": ["gas"]}, limit=2).looked_at == 2


def test_the_dry_run_names_the_survey_conditions_it_cannot_judge(admin: User) -> None:
    result = engine.dry_run("survey_answered", {"score_at_most": 2})
    assert result.skipped == ("score_at_most",)


def test_the_emergency_admin_checks_a_rule_as_the_builder_does(admin: User) -> None:
    from django.test import Client

    admin.is_staff = admin.is_superuser = True
    admin.save()
    c = Client()
    c.force_login(admin)
    response = c.post(
        "/admin/automations/rule/add/",
        {
            "name": "Dari admin",
            "position": "1",
            "active": "on",
            "trigger": "ticket_created",
            "conditions": '{"keywords": [""]}',
            "actions": '[{"type": "add_tag"}]',
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "keywords: Kata kunci tidak boleh kosong." in page
    assert "actions.0: Tindakan “Tambah label” perlu sasaran." in page
    assert not Rule.objects.exists()


def test_the_dry_run_names_the_matches_an_earlier_stop_rule_would_stop_first(
    admin: User, agent: User, customer: Customer
) -> None:
    both = _ticket(agent, customer, "Garansi VIP", "Klaim garansi.")
    only = _ticket(agent, customer, "Garansi", "Klaim garansi.")
    stop = services.rule_create(
        actor=admin,
        name="VIP dulu",
        trigger="ticket_created",
        conditions={"keywords": ["vip"]},
        actions=[{"type": "notify_supervisor"}],
        stop_after=True,
    )
    conditions = {"keywords": ["garansi"]}
    result = engine.dry_run("ticket_created", conditions)  # a new rule: judged last
    assert [t.pk for t in result.matched] == [only.pk, both.pk]
    assert result.taken == {both.pk: "VIP dulu"}
    assert result.rows == [(only, ""), (both, "VIP dulu")]
    # a rule above the stop rule is not stopped by it
    assert engine.dry_run("ticket_created", conditions, place=(stop.position - 1, 0)).taken == {}
