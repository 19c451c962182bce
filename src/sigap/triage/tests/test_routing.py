"""Routing rules pick the team; the team's strategy picks an available agent within
capacity; every decision is in the timeline; an agent going offline hands over chats."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sigap.accounts.models import Role, Team, User
from sigap.accounts.presence import mark_seen
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.triage import routing
from sigap.triage.models import AgentProfile, RoutingRule, TeamRouting

pytestmark = pytest.mark.django_db


def new(customer: Customer, *, channel: str = "email", text: str = "Paket belum sampai") -> Ticket:
    return services.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel=channel,
        subject=text,
        description=text,
    )


@pytest.fixture
def crew(team: Team, agent: User) -> list[User]:
    others = [
        user_create(username=f"agen{i}", password="x", role=Role.AGENT, first_name=f"Agen{i}")
        for i in range(2)
    ]
    team.members.add(*others)
    for u in [agent, *others]:
        mark_seen(u.pk)
    return [agent, *others]


def test_a_rule_sends_the_ticket_to_its_team_and_the_least_loaded_agent_takes_it(
    team: Team, crew: list[User], customer: Customer
) -> None:
    RoutingRule.objects.create(name="Pengiriman", keywords=["paket", "kurir"], team=team)
    busy = crew[0]
    for _ in range(2):
        t = new(customer, text="Pertanyaan lain")
        services.ticket_update(
            actor=busy, ticket=t, version=t.version, changes={"team": team, "assignee": busy}
        )
    ticket = new(customer)
    decision = routing.route(ticket.pk)
    assert decision is not None and decision.team == team
    ticket.refresh_from_db()
    assert ticket.team == team and ticket.assignee in crew[1:]
    reason = ticket.events.get(kind="team_changed").data["reason"]
    assert "aturan 'Pengiriman'" in reason and "beban paling ringan" in reason


def test_round_robin_takes_turns_and_skips_the_unavailable(
    team: Team, crew: list[User], customer: Customer
) -> None:
    TeamRouting.objects.create(team=team, strategy="round_robin")
    AgentProfile.objects.create(user=crew[1], status="away")
    picked = []
    for _ in range(4):
        t = new(customer)
        services.ticket_update(actor=crew[0], ticket=t, version=t.version, changes={"team": team})
        routing.route(t.pk)
        picked.append(Ticket.objects.get(pk=t.pk).assignee)
    assert crew[1] not in picked
    assert picked[0] != picked[1] and picked[0] == picked[2]  # alternating between the two


def test_capacity_per_channel_is_respected(
    team: Team, crew: list[User], customer: Customer
) -> None:
    for u in crew:
        AgentProfile.objects.create(user=u, capacity={"livechat": 1})
    for _ in range(3):
        t = new(customer, channel="livechat")
        services.ticket_update(actor=crew[0], ticket=t, version=t.version, changes={"team": team})
        routing.route(t.pk)
    fourth = new(customer, channel="livechat")
    services.ticket_update(
        actor=crew[0], ticket=fourth, version=fourth.version, changes={"team": team}
    )
    routing.route(fourth.pk)
    assert Ticket.objects.get(pk=fourth.pk).assignee is None  # everyone has a chat already
    loads = sorted(
        Ticket.objects.filter(channel="livechat")
        .values_list("assignee_id", flat=True)
        .exclude(assignee=None)
    )
    assert loads == sorted(u.pk for u in crew)


def test_skills_language_and_time_conditions(
    team: Team, other_team: Team, crew: list[User], customer: Customer
) -> None:
    TeamRouting.objects.create(team=team, strategy="skill")
    AgentProfile.objects.create(user=crew[2], languages=["en"])
    RoutingRule.objects.create(name="Malam", hour_from=20, hour_to=24, team=other_team, position=1)
    RoutingRule.objects.create(name="Semua", team=team, position=2)
    english = new(customer, text="My package has not arrived and I want a refund please")
    at = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    decision = routing.decide(english, at=at)
    assert decision.team == team and decision.assignee == crew[2]
    assert "keahlian" in decision.reason
    night = routing.decide(new(customer), at=at.replace(hour=21))
    assert night.team == other_team
    assert routing.language_of("paket saya belum sampai") == "id"


def test_going_offline_hands_live_chats_over(
    team: Team, crew: list[User], customer: Customer
) -> None:
    chat = new(customer, channel="livechat")
    services.ticket_update(
        actor=crew[0],
        ticket=chat,
        version=chat.version,
        changes={"team": team, "assignee": crew[0]},
    )
    email = new(customer)
    services.ticket_update(
        actor=crew[0],
        ticket=email,
        version=email.version,
        changes={"team": team, "assignee": crew[0]},
    )
    assert routing.set_status(crew[0], "offline") == [chat.pk]
    chat.refresh_from_db()
    assert chat.assignee in crew[1:]
    assert "luring" in chat.events.filter(kind="assigned").last().data["reason"]  # type: ignore[union-attr]
    assert Ticket.objects.get(pk=email.pk).assignee == crew[0]  # email waits for them
    assert routing.pick_agent(team, email)[0] != crew[0]  # offline agents get nothing new


def test_an_agent_sets_their_status_from_the_menu(
    team: Team, crew: list[User], customer: Customer
) -> None:
    from django.test import Client

    c = Client()
    c.force_login(crew[0])
    page = c.get("/inbox/").content.decode()
    assert 'id="agent-status"' in page and 'value="online" selected' in page
    c.post("/agen/status/", {"status": "away", "next": "/inbox/"})
    assert AgentProfile.objects.get(user=crew[0]).status == "away"
    assert 'value="away" selected' in c.get("/inbox/").content.decode()
    bad = c.post("/agen/status/", {"status": "tidur", "next": "https://evil.example/"})
    assert bad["Location"] == "/inbox/"
