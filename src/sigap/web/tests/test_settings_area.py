"""The settings area's foundation: who may open it, who may change which team's or the
global settings (``accounts.access``), its menu, and the audit record of a change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts import access, audit
from sigap.accounts.models import SecurityEvent, Team, User
from sigap.core.errors import PermissionDenied
from sigap.triage import profiles
from sigap.triage.models import TeamRouting

pytestmark = pytest.mark.django_db

SETTINGS_PAGES = ["/settings/", "/settings/teams/", "/settings/canned/", "/settings/categories/"]


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("url", SETTINGS_PAGES)
def test_agents_cannot_open_settings(url: str, agent: User) -> None:
    response = logged(agent).get(url)
    assert response.status_code == 403
    assert "Halaman pengaturan hanya untuk supervisor dan admin." in response.content.decode()


def test_the_hub_lists_the_sections_a_supervisor_may_open(supervisor: User, team: Team) -> None:
    html = logged(supervisor).get("/settings/").content.decode()
    assert 'href="/settings/teams/"' in html
    assert 'href="/settings/canned/"' in html
    assert "Tim Anda: Pengiriman." in html
    assert "data-settings-nav" in html


def test_the_workspace_menu_leads_to_the_hub(supervisor: User) -> None:
    assert 'href="/settings/"' in logged(supervisor).get("/inbox/").content.decode()


def test_the_hub_in_english(admin: User) -> None:
    c = logged(admin)
    c.cookies["django_language"] = "en"
    html = c.get("/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Settings" in html
    assert "Canned responses" in html
    assert "As a supervisor" not in html  # an admin configures everything


@pytest.mark.parametrize(("url", "most"), [("/settings/teams/", 10), ("/settings/canned/", 10)])
def test_the_settings_pages_read_a_fixed_number_of_statements(
    url: str,
    most: int,
    supervisor: User,
    team: Team,
    other_team: Team,
    django_assert_max_num_queries: Any,
) -> None:
    c = logged(supervisor)
    c.get(url)
    with django_assert_max_num_queries(most):
        assert c.get(url).status_code == 200


def test_the_hub_reads_a_fixed_number_of_statements(
    supervisor: User, team: Team, django_assert_max_num_queries: Any
) -> None:
    c = logged(supervisor)
    c.get("/settings/")  # warm the per-process memos
    with django_assert_max_num_queries(6):
        assert c.get("/settings/").status_code == 200


# --- accounts.access: the rules ------------------------------------------------------------


def test_an_admin_may_change_every_team_and_global_settings(admin: User, other_team: Team) -> None:
    access.require_global_settings(admin)
    access.require_team_settings(admin, other_team)
    access.require_team_settings(admin, None)
    assert set(access.settings_teams_for(admin)) == {other_team}


def test_a_supervisor_may_change_only_their_own_teams(
    supervisor: User, team: Team, other_team: Team
) -> None:
    access.require_team_settings(supervisor, team)
    access.require_team_settings(supervisor, team.pk)
    with pytest.raises(PermissionDenied, match="hanya dapat mengatur tim yang Anda pimpin"):
        access.require_team_settings(supervisor, other_team)
    with pytest.raises(PermissionDenied, match="berlaku untuk semua tim: hanya admin"):
        access.require_team_settings(supervisor, None)
    with pytest.raises(PermissionDenied, match="berlaku untuk semua tim: hanya admin"):
        access.require_global_settings(supervisor)
    assert list(access.settings_teams_for(supervisor)) == [team]


def test_agents_and_inactive_admins_may_change_nothing(
    agent: User, admin: User, team: Team
) -> None:
    admin.is_active = False
    for user in (agent, admin):
        assert not access.can_open_settings(user)
        with pytest.raises(PermissionDenied, match="hanya untuk supervisor dan admin"):
            access.require_team_settings(user, team)
        assert list(access.settings_teams_for(user)) == []


# --- audit.settings_changed ---------------------------------------------------------------


def test_a_change_is_recorded_with_who_and_before_and_after(admin: User, team: Team) -> None:
    event = audit.settings_changed(
        actor=admin,
        what="team",
        name="Pengiriman",
        object_id=team.pk,
        before={"name": "Kirim", "members": {3, 1}, "slug": "pengiriman"},
        after={"name": "Pengiriman", "members": {1, 2, 3}, "slug": "pengiriman"},
    )
    assert event is not None
    saved = SecurityEvent.objects.get(pk=event.pk)
    assert saved.kind == "settings_changed"
    assert (saved.actor_id, saved.actor_name) == (admin.pk, "admin")
    assert saved.data == {
        "what": "team",
        "object_id": team.pk,
        "action": "changed",
        "before": {"name": "Kirim", "members": [1, 3]},
        "after": {"name": "Pengiriman", "members": [1, 2, 3]},
    }
    assert saved.detail == (
        "tim “Pengiriman” diubah: name: Kirim → Pengiriman; members: [1, 3] → [1, 2, 3]"
    )


def test_no_change_records_nothing(admin: User) -> None:
    same = {"name": "A"}
    assert (
        audit.settings_changed(actor=admin, what="team", name="A", before=same, after=same) is None
    )
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


# --- the rules on the teams, approval-rule and canned-response pages -----------------------


def _team_form(team: Team, supervisor: User) -> dict[str, Any]:
    return {"name": team.name, "slug": team.slug, "supervisor": supervisor.pk}


def test_a_supervisor_edits_their_own_team_with_before_and_after(
    supervisor: User, team: Team, agent: User
) -> None:
    form = _team_form(team, supervisor) | {"name": "Kirim Cepat", "members": [agent.pk]}
    assert logged(supervisor).post(f"/settings/teams/{team.pk}/", form).status_code == 302
    event = SecurityEvent.objects.get(kind="settings_changed")
    assert event.actor_id == supervisor.pk
    assert (event.data["before"], event.data["after"]) == (
        {"name": "Pengiriman"},
        {"name": "Kirim Cepat"},
    )


def test_a_supervisor_cannot_touch_another_team(
    supervisor: User, team: Team, other_team: Team, other_supervisor: User
) -> None:
    c = logged(supervisor)
    assert c.get(f"/settings/teams/{other_team.pk}/").status_code == 403
    response = c.post(
        f"/settings/teams/{other_team.pk}/",
        _team_form(other_team, other_supervisor) | {"name": "Diambil"},
    )
    assert response.status_code == 403
    assert "hanya dapat mengatur tim yang Anda pimpin" in response.content.decode()
    other_team.refresh_from_db()
    assert other_team.name == "Pembayaran"
    assert "Pembayaran" not in c.get("/settings/teams/").content.decode()


def test_a_supervisor_sets_how_their_teams_tickets_are_assigned(
    supervisor: User, team: Team, agent: User
) -> None:
    c = logged(supervisor)
    page = c.get(f"/settings/teams/{team.pk}/").content.decode()
    assert 'name="strategy"' in page and 'value="least_loaded" selected' in page
    form = _team_form(team, supervisor) | {"members": [agent.pk], "strategy": "round_robin"}
    assert c.post(f"/settings/teams/{team.pk}/", form).status_code == 302
    assert TeamRouting.objects.get(team=team).strategy == "round_robin"
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "team_routing"
    assert (event.data["before"], event.data["after"]) == (
        {"strategy": "least_loaded"},
        {"strategy": "round_robin"},
    )
    # a post without the field (an older form) leaves it as it is
    assert c.post(f"/settings/teams/{team.pk}/", _team_form(team, supervisor)).status_code == 302
    assert TeamRouting.objects.get(team=team).strategy == "round_robin"


def test_an_unknown_assignment_method_is_refused_and_nothing_is_saved(
    admin: User, supervisor: User, team: Team
) -> None:
    form = _team_form(team, supervisor) | {"name": "Lain", "strategy": "acak"}
    response = logged(admin).post(f"/settings/teams/{team.pk}/", form)
    assert response.status_code == 422
    assert "acak bukan salah satu dari pilihan" in response.content.decode()
    team.refresh_from_db()
    assert team.name == "Pengiriman"
    assert not TeamRouting.objects.filter(team=team).exclude(strategy="least_loaded").exists()


def test_a_supervisor_cannot_set_another_teams_assignment_method(
    supervisor: User, team: Team, other_team: Team, other_supervisor: User
) -> None:
    with pytest.raises(PermissionDenied):
        profiles.team_strategy_set(actor=supervisor, team=other_team, strategy="none")
    form = _team_form(other_team, other_supervisor) | {"strategy": "none"}
    assert logged(supervisor).post(f"/settings/teams/{other_team.pk}/", form).status_code == 403
    assert not TeamRouting.objects.filter(team=other_team, strategy="none").exists()


def test_a_supervisor_cannot_make_a_team_or_change_the_default_rule(
    supervisor: User, team: Team
) -> None:
    c = logged(supervisor)
    page = c.get("/settings/teams/").content.decode()
    assert "Tim baru" not in page and 'id="approval-default"' not in page
    made = c.post("/settings/teams/", {"name": "Baru", "slug": "baru"})
    assert made.status_code == 403
    assert not Team.objects.filter(slug="baru").exists()
    rule = c.post("/settings/approval-rule/", {"default-own_rule": "on"})
    assert rule.status_code == 403
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_admin_makes_a_team(admin: User) -> None:
    response = logged(admin).post("/settings/teams/", {"name": "Retur", "slug": "retur"})
    assert response.status_code == 302
    team = Team.objects.get(slug="retur")
    event = SecurityEvent.objects.get(kind="settings_changed")
    assert event.data["action"] == "created"
    assert event.data["after"] == {
        "name": "Retur",
        "slug": "retur",
        "supervisor": None,
        "members": [],
    }
    assert event.data["object_id"] == team.pk


def test_a_supervisor_keeps_canned_responses_to_their_own_teams(
    supervisor: User, team: Team, other_team: Team
) -> None:
    from sigap.tickets.models import CannedResponse

    theirs = CannedResponse.objects.create(title="Milik tim lain", body="x", team=other_team)
    everyone = CannedResponse.objects.create(title="Untuk semua", body="y", team=None)
    c = logged(supervisor)
    for item in (theirs, everyone):
        assert c.get(f"/settings/canned/{item.pk}/").status_code == 403
        edited = c.post(
            f"/settings/canned/{item.pk}/",
            {"title": "Diubah", "purpose": "thanks", "team": team.pk, "body": "z"},
        )
        assert edited.status_code == 403
        item.refresh_from_db()
        assert item.title != "Diubah"
    # a new one for no team, or for another team, is refused by the form
    for chosen in ("", str(other_team.pk)):
        refused = c.post(
            "/settings/canned/", {"title": "Baru", "purpose": "thanks", "team": chosen, "body": "b"}
        )
        assert refused.status_code == 422
    assert not CannedResponse.objects.filter(title="Baru").exists()
    listing = c.get("/settings/canned/").content.decode()
    assert "Untuk semua" in listing  # shown, not linked
    assert f'href="/settings/canned/{everyone.pk}/"' not in listing
