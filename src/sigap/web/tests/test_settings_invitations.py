"""Invitations beyond the admin's: a supervisor invites agents into the teams they lead
(and nothing else), and the list of invitations not accepted yet with "send again" and
"withdraw" (the withdrawn link stops working), each audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sigap.accounts import invitations
from sigap.accounts.models import Invitation, Role, SecurityEvent, Team, User
from sigap.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db

PASSWORD = "Kata-Sandi-Kuat-2026"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def invite(c: Client, email: str = "dewi@belanjaku.test", **extra: Any) -> Any:
    data = {"email": email, "first_name": "Dewi", "last_name": "", "role": "agent"} | extra
    return c.post("/settings/people/", data)


def link(mail: Any) -> str:
    found = re.search(r"/undangan/[^/\s]+/", mail.body)
    assert found is not None, mail.body
    return found.group(0)


# --- a supervisor invites ----------------------------------------------------------------


def test_a_supervisor_invites_an_agent_into_their_team(
    supervisor: User, team: Team, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    c = logged(supervisor)
    html = c.get("/settings/people/").content.decode()
    assert 'id="form-invite"' in html
    assert 'value="admin"' not in html and 'value="supervisor"' not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(c, teams=[team.pk])
    assert response.status_code == 302
    dewi = User.objects.get(email="dewi@belanjaku.test")
    assert (dewi.role, dewi.is_active) == (Role.AGENT, False)
    assert list(dewi.teams.all()) == [team]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["dewi@belanjaku.test"]
    event = SecurityEvent.objects.filter(kind="invited").latest("pk")
    assert event.actor_name == supervisor.username


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"role": "admin"}, "admin bukan salah satu dari pilihan"),
        ({"role": "supervisor"}, "supervisor bukan salah satu dari pilihan"),
        ({}, "Bidang ini tidak boleh kosong"),  # no team at all
        ({"teams": ["other"]}, "bukan salah satu dari pilihan"),
    ],
)
def test_a_supervisor_cannot_invite_beyond_their_teams_agents(
    supervisor: User,
    team: Team,
    other_team: Team,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    extra: dict[str, Any],
    error: str,
) -> None:
    if extra.get("teams") == ["other"]:
        extra = {"teams": [other_team.pk]}
    elif "role" in extra:
        extra = extra | {"teams": [team.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(logged(supervisor), **extra)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not User.objects.filter(email="dewi@belanjaku.test").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("role", "teams", "message"),
    [
        (Role.ADMIN, "ours", "hanya dapat mengundang agen"),
        (Role.SUPERVISOR, "ours", "hanya dapat mengundang agen"),
        (Role.AGENT, "none", "Pilih tim yang Anda pimpin"),
        (Role.AGENT, "theirs", "ke tim yang Anda pimpin"),
        (Role.AGENT, "both", "ke tim yang Anda pimpin"),
    ],
)
def test_the_service_refuses_a_supervisors_invitation_beyond_their_teams(
    supervisor: User,
    team: Team,
    other_team: Team,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    role: str,
    teams: str,
    message: str,
) -> None:
    chosen = {"ours": [team], "theirs": [other_team], "both": [team, other_team], "none": []}
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied) as exc:
        invitations.staff_invite(
            actor=supervisor, email="dewi@belanjaku.test", role=role, teams=chosen[teams]
        )
    assert message in exc.value.message
    assert not User.objects.filter(email="dewi@belanjaku.test").exists()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_an_agent_cannot_invite(agent: User, team: Team, mailoutbox: list[Any]) -> None:
    response = invite(logged(agent), teams=[team.pk])
    assert response.status_code == 403
    assert not User.objects.filter(email="dewi@belanjaku.test").exists()
    assert mailoutbox == []


# --- the list, send again, withdraw ------------------------------------------------------------


def test_the_list_shows_waiting_invitations_and_not_accepted_ones(
    admin: User, team: Team, other_team: Team
) -> None:
    invitations.staff_invite(actor=admin, email="dewi@belanjaku.test", role="agent", teams=[team])
    invitations.staff_invite(actor=admin, email="eko@belanjaku.test", role="supervisor")
    done = invitations.staff_invite(actor=admin, email="fajar@belanjaku.test", role="agent")
    Invitation.objects.filter(pk=done.pk).update(accepted_at=done.created_at)
    html = logged(admin).get("/settings/people/invitations/").content.decode()
    assert 'data-invitation="dewi@belanjaku.test"' in html
    assert 'data-invitation="eko@belanjaku.test"' in html
    assert "fajar@belanjaku.test" not in html


def test_a_supervisor_lists_only_their_teams_agents_invitations(
    admin: User, supervisor: User, team: Team, other_team: Team
) -> None:
    invitations.staff_invite(actor=admin, email="dewi@belanjaku.test", role="agent", teams=[team])
    invitations.staff_invite(
        actor=admin, email="eko@belanjaku.test", role="agent", teams=[other_team]
    )
    invitations.staff_invite(
        actor=admin, email="sari@belanjaku.test", role="supervisor", teams=[team]
    )
    html = logged(supervisor).get("/settings/people/invitations/").content.decode()
    assert 'data-invitation="dewi@belanjaku.test"' in html
    assert "eko@belanjaku.test" not in html
    assert "sari@belanjaku.test" not in html


def test_withdrawing_an_invitation_stops_its_link_and_is_audited(
    admin: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    c = logged(admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(c)
    dewi = User.objects.get(email="dewi@belanjaku.test")
    response = c.post("/settings/people/invitations/", {"user": dewi.pk, "action": "revoke"})
    assert response.status_code == 302
    old = Client().post(link(mailoutbox[0]), {"password": PASSWORD, "password_again": PASSWORD})
    assert old.status_code == 410
    assert "sudah dibatalkan" in old.content.decode()
    dewi.refresh_from_db()
    assert not dewi.is_active
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "invitation"
    assert (event.data["before"], event.data["after"]) == (
        {"invitation": "pending"},
        {"invitation": "revoked"},
    )
    html = c.get("/settings/people/invitations/").content.decode()
    assert "Dibatalkan" in html
    # withdrawing twice says so and records nothing more
    again = c.post("/settings/people/invitations/", {"user": dewi.pk, "action": "revoke"})
    assert "tidak sedang berlaku" in c.get(again.url).content.decode()
    assert SecurityEvent.objects.filter(kind="settings_changed").count() == 1


def test_a_withdrawn_invitation_can_be_sent_again_and_accepted(
    admin: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    c = logged(admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(c)
    dewi = User.objects.get(email="dewi@belanjaku.test")
    invitations.invitation_revoke(actor=admin, user=dewi)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post("/settings/people/invitations/", {"user": dewi.pk, "action": "resend"})
    assert response.status_code == 302
    first, second = (link(m) for m in mailoutbox)
    assert "sudah diganti" in Client().get(first).content.decode()
    accepted = Client().post(second, {"password": PASSWORD, "password_again": PASSWORD})
    assert accepted.status_code == 302
    dewi.refresh_from_db()
    assert dewi.is_active
    listed = c.get("/settings/people/invitations/").content.decode()
    assert 'data-invitation="dewi@belanjaku.test"' not in listed


def test_a_supervisor_resends_and_withdraws_only_their_teams_agents(
    admin: User,
    supervisor: User,
    team: Team,
    other_team: Team,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ours = invitations.staff_invite(
        actor=admin, email="dewi@belanjaku.test", role="agent", teams=[team]
    ).user
    theirs = invitations.staff_invite(
        actor=admin, email="eko@belanjaku.test", role="agent", teams=[other_team]
    ).user
    c = logged(supervisor)
    for action in ("resend", "revoke"):
        refused = c.post("/settings/people/invitations/", {"user": theirs.pk, "action": action})
        assert refused.status_code == 403
    assert Invitation.objects.filter(user=theirs).count() == 1
    assert Invitation.objects.get(user=theirs).revoked_at is None
    with django_capture_on_commit_callbacks(execute=True):
        c.post("/settings/people/invitations/", {"user": ours.pk, "action": "resend"})
    assert [m.to for m in mailoutbox] == [["dewi@belanjaku.test"]]
    c.post("/settings/people/invitations/", {"user": ours.pk, "action": "revoke"})
    assert not invitations.pending(ours)


def test_agents_cannot_open_the_invitations(agent: User) -> None:
    assert logged(agent).get("/settings/people/invitations/").status_code == 403


@pytest.mark.parametrize("n", [2, 10])
def test_the_invitations_list_reads_a_fixed_number_of_statements(
    admin: User, supervisor: User, team: Team, n: int, django_assert_max_num_queries: Any
) -> None:
    for i in range(n):
        invitations.staff_invite(
            actor=admin, email=f"agen{i}@belanjaku.test", role="agent", teams=[team]
        )
    for user in (admin, supervisor):
        c = logged(user)
        c.get("/settings/people/invitations/")
        with django_assert_max_num_queries(8):
            assert c.get("/settings/people/invitations/").status_code == 200
