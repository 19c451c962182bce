"""A colleague's PBX extensions on their settings page (admins, and the supervisor of a
team they are in): set with the skills, a wrong or taken extension named with nothing
saved (the skills either), the phone connector finding the agent by it, audited."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, Team, User
from sigap.connectors.phone import services as phone
from sigap.connectors.phone.models import AgentExtension
from sigap.triage.models import AgentProfile

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def skills(**extra: str) -> dict[str, str]:
    return {"action": "skills", "languages": "id", "capacity_whatsapp": "4"} | extra


def test_a_supervisor_sets_their_members_extensions(
    supervisor: User, team: Team, agent: User
) -> None:
    AgentExtension.objects.create(user=agent, extension="199")
    c = logged(supervisor)
    assert 'value="199"' in c.get(f"/settings/people/{agent.pk}/").content.decode()
    response = c.post(f"/settings/people/{agent.pk}/", skills(extensions="201, 202;201"))
    assert response.status_code == 302
    assert sorted(
        AgentExtension.objects.filter(user=agent).values_list("extension", flat=True)
    ) == [
        "201",
        "202",
    ]
    assert phone._agent_for("202") == agent
    assert phone._agent_for("199") is None
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "phone extensions"
    assert (event.data["before"], event.data["after"]) == (
        {"extensions": ["199"]},
        {"extensions": ["201", "202"]},
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("201, 2 0 2", "Ekstensi 2 0 2 tidak valid"),
        ("300", "Ekstensi 300 sudah dipakai"),
    ],
)
def test_a_wrong_or_taken_extension_saves_nothing(
    admin: User, agent: User, outsider_agent: User, typed: str, message: str
) -> None:
    AgentExtension.objects.create(user=outsider_agent, extension="300")
    response = logged(admin).post(f"/settings/people/{agent.pk}/", skills(extensions=typed))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AgentExtension.objects.filter(user=agent).exists()
    assert not AgentProfile.objects.filter(user=agent).exists()  # the skills neither
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_a_supervisor_cannot_set_another_teams_extensions(
    supervisor: User, team: Team, other_team: Team, outsider_agent: User
) -> None:
    response = logged(supervisor).post(
        f"/settings/people/{outsider_agent.pk}/", skills(extensions="401")
    )
    assert response.status_code == 403
    assert not AgentExtension.objects.exists()


def test_a_post_without_the_field_leaves_the_extensions(admin: User, agent: User) -> None:
    AgentExtension.objects.create(user=agent, extension="199")
    assert logged(admin).post(f"/settings/people/{agent.pk}/", skills()).status_code == 302
    assert AgentExtension.objects.filter(user=agent, extension="199").exists()
