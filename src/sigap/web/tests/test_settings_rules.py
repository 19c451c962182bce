"""The rule builders' pages (/settings/automations/, /settings/routing/, the time rules):
from the form to the stored rule to the engine applying it, the dry run, precise messages
with nothing saved, who may open and change what, and the query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User
from sigap.automations import services as automation_services
from sigap.automations.models import Rule
from sigap.customers.models import Customer
from sigap.sla.models import BusinessCalendar, SlaPolicy
from sigap.tickets import automations as time_rules
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Status, Ticket
from sigap.triage import routing
from sigap.triage.models import RoutingRule

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


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


def _automation_post(team: Team, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Garansi ditolak",
        "trigger": "ticket_created",
        "keywords": "garansi ditolak, klaim garansi",
        "active": "on",
        "action-TOTAL_FORMS": "3",
        "action-INITIAL_FORMS": "0",
        "action-0-type": "add_tag",
        "action-0-tag": "garansi",
        "action-1-type": "set_team",
        "action-1-team": str(team.pk),
        "action-2-type": "",
    }
    data.update(extra)
    return data


# --- automations --------------------------------------------------------------------------


def test_a_rule_built_on_the_page_is_applied_by_the_engine_to_a_new_ticket(
    supervisor: User, team: Team, agent: User, customer: Customer
) -> None:
    response = client_for(supervisor).post("/settings/automations/new/", _automation_post(team))
    assert response.status_code == 302 and response["Location"] == "/settings/automations/"
    rule = Rule.objects.get()
    assert rule.conditions == {"keywords": ["garansi ditolak", "klaim garansi"]}
    assert rule.actions == [
        {"type": "add_tag", "value": "garansi"},
        {"type": "set_team", "value": team.pk},
    ]
    ticket = _ticket(agent, customer, "Kompor", "Klaim garansi saya ditolak toko.")
    ticket.refresh_from_db()
    assert ticket.team_id == team.pk
    assert list(ticket.tags.values_list("name", flat=True)) == ["garansi"]
    untouched = _ticket(agent, customer, "Tagihan", "Tagihan dobel.")
    assert not untouched.tags.exists()


def test_the_builder_shows_a_stored_rule_back_in_its_inputs(admin: User, team: Team) -> None:
    rule = automation_services.rule_create(
        actor=admin,
        name="Email emas",
        trigger="ticket_created",
        conditions={"channels": ["email"], "tiers": ["gold"], "keywords": ["refund"]},
        actions=[{"type": "set_priority", "value": 1}],
    )
    page = client_for(admin).get(f"/settings/automations/{rule.pk}/").content.decode()
    assert re.search(r'name="channels" value="email"[^>]*checked', page)
    assert not re.search(r'name="channels" value="phone"[^>]*checked', page)
    assert re.search(r'name="tiers" value="gold"[^>]*checked', page)
    form = page[page.index('id="form-automation"') :]
    assert "refund</textarea>" in form
    assert '<option value="set_priority" selected>' in form
    assert '<option value="1" selected>P1' in form


def test_the_dry_run_lists_the_matching_recent_tickets_and_saves_nothing(
    supervisor: User, team: Team, agent: User, customer: Customer
) -> None:
    hits = [
        _ticket(agent, customer, "Garansi", "Klaim garansi ditolak."),
        _ticket(agent, customer, "Garansi ditolak", "Toko menolak."),
    ]
    miss = _ticket(agent, customer, "Tagihan", "Tagihan dobel.")
    response = client_for(supervisor).post(
        "/settings/automations/new/", _automation_post(team, dry_run="1")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Pada 3 tiket terakhir, aturan ini akan cocok dengan 2 tiket." in page
    for t in hits:
        assert f'data-dry-ticket="{t.pk}"' in page
    assert f'data-dry-ticket="{miss.pk}"' not in page
    assert not Rule.objects.exists()


def test_an_action_without_a_target_is_shown_on_its_row_and_nothing_is_saved(
    supervisor: User, team: Team
) -> None:
    data = _automation_post(team)
    data["action-1-team"] = ""
    response = client_for(supervisor).post("/settings/automations/new/", data)
    assert response.status_code == 422
    page = response.content.decode()
    row = page[page.index('data-action-row="1"') : page.index('data-action-row="2"')]
    assert "Tindakan “Alihkan ke tim” perlu sasaran." in row
    assert not Rule.objects.exists()
    assert not SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).exists()


def test_an_invalid_edit_of_a_stored_rule_leaves_it_as_it_was(admin: User, team: Team) -> None:
    c = client_for(admin)
    assert c.post("/settings/automations/new/", _automation_post(team)).status_code == 302
    rule = Rule.objects.get()
    stored = (rule.name, rule.conditions, rule.actions, rule.active)
    events = SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).count()
    data = _automation_post(team, name="Nama baru", keywords="baru")
    data["action-1-team"] = ""
    response = c.post(f"/settings/automations/{rule.pk}/", data)
    assert response.status_code == 422
    assert "Tindakan “Alihkan ke tim” perlu sasaran." in response.content.decode()
    rule.refresh_from_db()
    assert (rule.name, rule.conditions, rule.actions, rule.active) == stored
    assert SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).count() == events


def test_an_empty_keyword_is_named_on_the_keyword_input(admin: User, team: Team) -> None:
    data = _automation_post(team, keywords="garansi,,klaim")
    response = client_for(admin).post("/settings/automations/new/", data)
    assert response.status_code == 422
    assert "Kata kunci tidak boleh kosong." in response.content.decode()
    assert not Rule.objects.exists()


def test_toggling_and_moving_from_the_list(admin: User, team: Team) -> None:
    make = automation_services.rule_create
    one = make(
        actor=admin,
        name="Satu",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "notify_supervisor"}],
    )
    two = make(
        actor=admin,
        name="Dua",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "notify_supervisor"}],
    )
    c = client_for(admin)
    assert c.post(f"/settings/automations/{one.pk}/change/", {"active": "0"}).status_code == 302
    assert c.post(f"/settings/automations/{two.pk}/change/", {"move": "up"}).status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert not one.active and two.position < one.position
    page = c.get("/settings/automations/").content.decode()
    assert page.index("Dua") < page.index("Satu")


def test_agents_cannot_open_the_automation_settings(agent: User, team: Team) -> None:
    c = client_for(agent)
    assert c.get("/settings/automations/").status_code == 403
    assert c.post("/settings/automations/new/", _automation_post(team)).status_code == 403
    assert not Rule.objects.exists()


def test_a_supervisor_sees_and_changes_only_their_teams_rules(
    admin: User, supervisor: User, team: Team, other_team: Team
) -> None:
    ours = automation_services.rule_create(
        actor=admin,
        name="Rule kami",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "set_team", "value": team.pk}],
    )
    theirs = automation_services.rule_create(
        actor=admin,
        name="Rule mereka",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "set_team", "value": other_team.pk}],
    )
    c = client_for(supervisor)
    listing = c.get("/settings/automations/").content.decode()
    assert "Rule kami" in listing and "Rule mereka" not in listing
    row = listing[listing.index(f'data-rule="{ours.pk}"') :]
    assert "<td>Pengiriman</td>" in row[: row.index("</tr>")]
    assert c.get(f"/settings/automations/{ours.pk}/").status_code == 200
    assert c.get(f"/settings/automations/{theirs.pk}/").status_code == 403
    assert c.post(f"/settings/automations/{theirs.pk}/change/", {"delete": "1"}).status_code == 403
    assert c.post(f"/settings/automations/{theirs.pk}/", _automation_post(team)).status_code == 403
    # nor send a new rule to another team
    response = c.post("/settings/automations/new/", _automation_post(other_team))
    assert response.status_code in (403, 422)
    assert Rule.objects.count() == 2
    theirs.refresh_from_db()
    assert theirs.name == "Rule mereka"


def test_the_automation_pages_read_in_a_fixed_number_of_queries(
    admin: User, team: Team, agent: User, customer: Customer, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        automation_services.rule_create(
            actor=admin,
            name=f"Aturan {n}",
            trigger="ticket_created",
            conditions={"keywords": [f"kata{n}"]},
            actions=[{"type": "set_team", "value": team.pk}, {"type": "add_tag", "value": "x"}],
        )
        _ticket(agent, customer, f"Kata{n}", "isi")
    c = client_for(admin)
    with django_assert_max_num_queries(13):  # 11 for the signed-in page itself
        assert c.get("/settings/automations/").status_code == 200
    with django_assert_max_num_queries(16):
        assert c.get(f"/settings/automations/{Rule.objects.first().pk}/").status_code == 200  # type: ignore[union-attr]
    with django_assert_max_num_queries(22):
        response = c.post(
            "/settings/automations/new/", _automation_post(team, dry_run="1", keywords="kata")
        )
    assert "cocok dengan 6 tiket" in response.content.decode()


def test_the_builder_speaks_english_when_asked(admin: User) -> None:
    c = client_for(admin)
    c.cookies["django_language"] = "en"
    page = c.get("/settings/automations/new/").content.decode()
    assert "Dry run on the last 200 tickets" in page
    assert "Conditions (every one filled in must match)" in page
    assert "Uji coba" not in page


# --- routing ------------------------------------------------------------------------------


def _routing_post(team: Team, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Paket ke Pengiriman",
        "team": str(team.pk),
        "keywords": "paket\nkurir",
        "channels": ["whatsapp", "email"],
        "active": "on",
    }
    data.update(extra)
    return data


def test_a_routing_rule_built_on_the_page_routes_the_next_new_ticket(
    supervisor: User, team: Team, agent: User, customer: Customer
) -> None:
    response = client_for(supervisor).post("/settings/routing/new/", _routing_post(team))
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.keywords, rule.channels, rule.team_id) == (
        ["paket", "kurir"],
        ["whatsapp", "email"],
        team.pk,
    )
    ticket = _ticket(agent, customer, "Paket belum sampai", "Kurir tidak datang.")
    ticket = Ticket.objects.select_related("customer", "team").get(pk=ticket.pk)
    ticket.team = None
    assert routing.decide(ticket).team == team
    event = SecurityEvent.objects.get(kind=SecurityKind.SETTINGS_CHANGED)
    assert event.detail == "aturan perutean “Paket ke Pengiriman” dibuat"
    assert event.data["after"]["team"] == team.pk and event.actor_id == supervisor.pk


def test_the_routing_dry_run_equals_what_the_router_decides(
    admin: User, team: Team, agent: User, customer: Customer
) -> None:
    tickets = [
        _ticket(agent, customer, "Paket hilang", "Di mana paket saya?"),
        _ticket(agent, customer, "Kurir kasar", "Kurirnya marah.", channel="phone"),
        _ticket(agent, customer, "Tagihan", "Dobel."),
    ]
    page = (
        client_for(admin)
        .post("/settings/routing/new/", _routing_post(team, dry_run="1"))
        .content.decode()
    )
    assert "Pada 3 tiket terakhir, aturan ini akan cocok dengan 1 tiket." in page
    assert RoutingRule.objects.count() == 0
    RoutingRule.objects.create(
        name="x", team=team, keywords=["paket", "kurir"], channels=["whatsapp", "email"]
    )
    decided = []
    for t in tickets:
        fresh = Ticket.objects.select_related("customer").get(pk=t.pk)
        fresh.team = None
        fresh.team_id = None
        if routing.decide(fresh, at=fresh.created_at).team == team:
            decided.append(t.pk)
    shown = [t.pk for t in tickets if f'data-dry-ticket="{t.pk}"' in page]
    assert shown == decided == [tickets[0].pk]


def test_the_routing_dry_run_names_the_rule_above_that_takes_a_ticket_first(
    admin: User, team: Team, other_team: Team, agent: User, customer: Customer
) -> None:
    ticket = _ticket(agent, customer, "Paket hilang", "Di mana paket saya?")
    RoutingRule.objects.create(name="Semua WhatsApp", team=other_team, channels=["whatsapp"])
    page = (
        client_for(admin)
        .post("/settings/routing/new/", _routing_post(team, dry_run="1"))
        .content.decode()
    )
    row = page[page.index(f'data-dry-ticket="{ticket.pk}"') :]
    assert "aturan “Semua WhatsApp” di atasnya berlaku lebih dulu" in row[: row.index("</tr>")]


def test_a_bad_routing_rule_gets_precise_messages_and_is_not_saved(admin: User, team: Team) -> None:
    response = client_for(admin).post(
        "/settings/routing/new/",
        _routing_post(team, keywords="paket,,kurir", hour_from="18", hour_to="9"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Kata kunci tidak boleh kosong." in page
    assert "“Sampai jam” harus sesudah “dari jam”." in page
    assert not RoutingRule.objects.exists()


def test_a_supervisor_cannot_route_into_or_change_another_team(
    supervisor: User, team: Team, other_team: Team, agent: User
) -> None:
    theirs = RoutingRule.objects.create(name="Mereka", team=other_team, keywords=["bayar"])
    c = client_for(supervisor)
    assert "Mereka" not in c.get("/settings/routing/").content.decode()
    assert c.get(f"/settings/routing/{theirs.pk}/").status_code == 403
    assert c.post(f"/settings/routing/{theirs.pk}/change/", {"active": "0"}).status_code == 403
    response = c.post("/settings/routing/new/", _routing_post(other_team))
    assert response.status_code in (403, 422)  # not even offered in the team list
    assert RoutingRule.objects.count() == 1
    theirs.refresh_from_db()
    assert theirs.active
    assert client_for(agent).get("/settings/routing/").status_code == 403


def test_the_time_rules_page_reads_in_a_fixed_number_of_queries(
    admin: User, team: Team, other_team: Team, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        _policy(team if n % 2 else other_team, f"Kebijakan {n}")
    c = client_for(admin)
    with django_assert_max_num_queries(13):  # 11 for the signed-in page itself
        page = c.get("/settings/automations/time/").content.decode()
    assert page.count("data-policy=") >= 6


def test_the_routing_list_reads_in_a_fixed_number_of_queries(
    admin: User, team: Team, other_team: Team, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        RoutingRule.objects.create(name=f"R{n}", team=team if n % 2 else other_team)
    c = client_for(admin)
    with django_assert_max_num_queries(13):  # 11 for the signed-in page itself
        assert c.get("/settings/routing/").status_code == 200


# --- time rules per SLA policy ---------------------------------------------------------------


def _policy(team: Team | None, name: str) -> SlaPolicy:
    calendar = BusinessCalendar.objects.first() or BusinessCalendar.objects.create(name="K")
    return SlaPolicy.objects.create(name=name, team=team, calendar=calendar, position=1)


def test_a_policys_reminder_time_replaces_the_servers_default(
    supervisor: User, team: Team, agent: User, customer: Customer, settings: Any
) -> None:
    settings.SIGAP_REMIND_AFTER_HOURS = 48
    policy = _policy(team, "Tim pengiriman")
    response = client_for(supervisor).post(
        "/settings/automations/time/",
        {
            "policy": policy.pk,
            f"p{policy.pk}-remind_after_hours": "4",
            f"p{policy.pk}-auto_close_days": "",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.remind_after_hours, policy.auto_close_days) == (4, None)
    event = SecurityEvent.objects.get(kind=SecurityKind.SETTINGS_CHANGED)
    assert event.data["before"] == {"remind_after_hours": None, "auto_close_days": None}
    assert event.data["after"] == {"remind_after_hours": 4, "auto_close_days": None}

    ours = _ticket(agent, customer, "A", "a")
    other = _ticket(agent, customer, "B", "b")
    five_hours_ago = timezone.now() - timedelta(hours=5)
    Ticket.objects.filter(pk=ours.pk).update(
        sla_policy_id=policy.pk, status=Status.WAITING_CUSTOMER, sla_paused_at=five_hours_ago
    )
    Ticket.objects.filter(pk=other.pk).update(
        sla_policy_id=None, status=Status.WAITING_CUSTOMER, sla_paused_at=five_hours_ago
    )
    assert time_rules.run().reminded == 1
    assert Ticket.objects.get(pk=ours.pk).customer_reminded_at is not None
    assert Ticket.objects.get(pk=other.pk).customer_reminded_at is None  # 48 h default


def test_time_rules_are_validated_and_kept_to_the_supervisors_teams(
    supervisor: User, team: Team, other_team: Team
) -> None:
    ours, theirs = _policy(team, "Kami"), _policy(other_team, "Mereka")
    c = client_for(supervisor)
    page = c.get("/settings/automations/time/").content.decode()
    assert "Kami" in page and "Mereka" not in page
    bad = c.post(
        "/settings/automations/time/",
        {"policy": ours.pk, f"p{ours.pk}-remind_after_hours": "0"},
    )
    assert bad.status_code == 422
    assert "Pengingat antara 1 dan 720 jam." in bad.content.decode()
    denied = c.post(
        "/settings/automations/time/",
        {"policy": theirs.pk, f"p{theirs.pk}-auto_close_days": "2"},
    )
    assert denied.status_code == 403
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert theirs.auto_close_days is None and ours.remind_after_hours is None
    assert not SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).exists()
