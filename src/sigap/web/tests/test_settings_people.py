"""The People settings pages: who may see and change whom, the invitation by email (a
real SMTP server on loopback) through to signing in, skills and capacity with precise
errors, and deactivation with hand-over of the open tickets."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from sigap.accounts import invitations
from sigap.accounts.models import Invitation, Role, SecurityEvent, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Status, Ticket, TimelineEvent
from sigap.triage.models import AgentProfile

pytestmark = pytest.mark.django_db

PASSWORD = "Kata-Sandi-Kuat-2026"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on loopback, and Sigap's mail sent to it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.SITE_URL = "https://cs.belanjaku.test"
    settings.SIGAP_BUSINESS_NAME = "Belanjaku"
    yield inbox
    controller.stop()


def link_in(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(r"https://cs\.belanjaku\.test(/undangan/[^/\s]+/)", body.get_content())
    assert found is not None, body.get_content()
    return found.group(1)


def invite(c: Client, email: str = "dewi@belanjaku.test", **extra: Any) -> Any:
    data = {"email": email, "first_name": "Dewi", "last_name": "", "role": "agent"} | extra
    return c.post("/settings/people/", data)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/settings/people/", "/settings/people/{pk}/"])
def test_agents_cannot_open_people(url: str, agent: User) -> None:
    response = logged(agent).get(url.format(pk=agent.pk))
    assert response.status_code == 403
    assert "hanya untuk supervisor dan admin" in response.content.decode()


def test_a_supervisor_sees_only_their_teams_members(
    supervisor: User, team: Team, agent: User, other_team: Team, outsider_agent: User
) -> None:
    html = logged(supervisor).get("/settings/people/").content.decode()
    assert 'data-person="rina.agen"' in html
    assert 'data-person="budi.agen"' not in html
    assert outsider_agent.username not in html
    assert 'id="form-invite"' in html  # agents into their teams: test_settings_invitations


def test_a_supervisor_cannot_change_a_members_role(
    supervisor: User, team: Team, agent: User
) -> None:
    response = logged(supervisor).post(
        f"/settings/people/{agent.pk}/",
        {"action": "person", "first_name": "Rina", "role": "admin", "teams": [team.pk]},
    )
    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.role == Role.AGENT


def test_a_supervisor_cannot_deactivate(supervisor: User, team: Team, agent: User) -> None:
    response = logged(supervisor).post(
        f"/settings/people/{agent.pk}/", {"action": "deactivate", "to_user": ""}
    )
    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.is_active


def test_a_supervisor_sets_their_members_skills_and_capacity(
    supervisor: User, team: Team, agent: User
) -> None:
    response = logged(supervisor).post(
        f"/settings/people/{agent.pk}/",
        {
            "action": "skills",
            "categories": ["service"],
            "languages": ["id", "en"],
            "channels": ["whatsapp"],
            "capacity_whatsapp": "4",
            "capacity_*": "20",
        },
    )
    assert response.status_code == 302
    profile = AgentProfile.objects.get(user=agent)
    assert (profile.categories, profile.languages, profile.channels) == (
        ["service"],
        ["en", "id"],
        ["whatsapp"],
    )
    assert profile.capacity == {"whatsapp": 4, "*": 20}
    event = SecurityEvent.objects.get(kind="settings_changed")
    assert (event.actor_id, event.user_id) == (supervisor.pk, agent.pk)
    assert event.data["before"]["capacity"] == {}
    assert event.data["after"]["capacity"] == {"whatsapp": 4, "*": 20}


def test_a_supervisor_cannot_set_another_teams_members_skills(
    supervisor: User, team: Team, other_team: Team, outsider_agent: User
) -> None:
    response = logged(supervisor).post(
        f"/settings/people/{outsider_agent.pk}/",
        {"action": "skills", "capacity_whatsapp": "4"},
    )
    assert response.status_code == 403
    assert not AgentProfile.objects.filter(user=outsider_agent).exists()


def test_an_admin_changes_role_and_teams_with_an_audit_record(
    admin: User, team: Team, other_team: Team, agent: User
) -> None:
    response = logged(admin).post(
        f"/settings/people/{agent.pk}/",
        {
            "action": "person",
            "first_name": "Rina",
            "last_name": "Wati",
            "role": "supervisor",
            "teams": [other_team.pk],
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.role, agent.last_name, agent.is_staff) == ("supervisor", "Wati", True)
    assert list(agent.teams.all()) == [other_team]
    event = SecurityEvent.objects.get(kind="settings_changed")
    assert event.actor_id == admin.pk
    assert event.data["before"] == {"last_name": "", "role": "agent", "teams": [team.pk]}
    assert event.data["after"] == {
        "last_name": "Wati",
        "role": "supervisor",
        "teams": [other_team.pk],
    }


def test_an_admin_cannot_change_their_own_role(admin: User) -> None:
    response = logged(admin).post(
        f"/settings/people/{admin.pk}/", {"action": "person", "role": "agent"}
    )
    assert response.status_code == 422
    assert "tidak dapat mengubah peran Anda sendiri" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


# --- invitation ------------------------------------------------------------------------------


def test_an_invitation_end_to_end_through_real_smtp(
    admin: User, team: Team, smtp: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(logged(admin), teams=[team.pk])
    assert response.status_code == 302
    dewi = User.objects.get(email="dewi@belanjaku.test")
    assert (dewi.is_active, dewi.has_usable_password(), dewi.role) == (False, False, "agent")
    assert list(dewi.teams.all()) == [team]
    assert SecurityEvent.objects.filter(kind="invited", user_id=dewi.pk).count() == 1

    [mail] = smtp.messages
    assert mail["To"] == "dewi@belanjaku.test"
    assert mail["Subject"] == "Undangan ke Sigap Belanjaku"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Nama pengguna Anda: dewi@belanjaku.test" in text
    assert "hanya dapat dipakai sekali" in text
    link = link_in(mail)

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert "Selamat datang, Dewi" in page.content.decode()
    # opening the page spends nothing
    assert Invitation.objects.get(user=dewi).accepted_at is None

    mismatch = visitor.post(link, {"password": PASSWORD, "password_again": PASSWORD + "x"})
    assert mismatch.status_code == 422
    assert "Kedua kata sandi tidak sama." in mismatch.content.decode()
    dewi.refresh_from_db()
    assert not dewi.is_active

    accepted = visitor.post(link, {"password": PASSWORD, "password_again": PASSWORD})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/masuk/"
    dewi.refresh_from_db()
    assert dewi.is_active and dewi.email_verified_at is not None

    signed_in = visitor.post("/masuk/", {"username": "dewi@belanjaku.test", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert visitor.get("/inbox/").status_code == 200

    again = Client().get(link)
    assert again.status_code == 410
    assert "sudah dipakai" in again.content.decode()
    reuse = Client().post(link, {"password": "Lain-Lagi-2026!", "password_again": "x"})
    assert reuse.status_code == 410
    dewi.refresh_from_db()
    assert dewi.check_password(PASSWORD)


def test_a_weak_password_is_refused_with_the_validators_words(
    admin: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 10},
        }
    ]
    settings.SITE_URL = "https://cs.belanjaku.test"
    with django_capture_on_commit_callbacks(execute=True):
        invite(logged(admin))
    link = re.search(r"/undangan/[^/\s]+/", mailoutbox[0].body).group(0)  # type: ignore[union-attr]
    response = Client().post(link, {"password": "pendek", "password_again": "pendek"})
    assert response.status_code == 422
    assert "Harus mengandung setidaknya 10 karakter." in response.content.decode()
    assert not User.objects.get(email="dewi@belanjaku.test").is_active


def test_an_expired_link_is_refused(
    admin: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(logged(admin))
    link = re.search(r"/undangan/[^/\s]+/", mailoutbox[0].body).group(0)  # type: ignore[union-attr]
    later = timezone.now() + timedelta(days=invitations.INVITATION_DAYS, minutes=1)
    with time_machine.travel(later):
        response = Client().post(link, {"password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 410
    assert "sudah kedaluwarsa" in response.content.decode()
    assert not User.objects.get(email="dewi@belanjaku.test").is_active


def test_a_new_invitation_replaces_the_old_link(
    admin: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    c = logged(admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(c)
    dewi = User.objects.get(email="dewi@belanjaku.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(f"/settings/people/{dewi.pk}/", {"action": "resend"}).status_code == 302
    first, second = (
        re.search(r"/undangan/[^/\s]+/", m.body).group(0)  # type: ignore[union-attr]
        for m in mailoutbox
    )
    old = Client().get(first)
    assert old.status_code == 410
    assert "sudah diganti" in old.content.decode()
    assert Client().get(second).status_code == 200


def test_an_unknown_link_is_not_found(db: None) -> None:
    response = Client().get("/undangan/bukan-tautan/")
    assert response.status_code == 404
    assert "tidak dikenal" in response.content.decode()


def test_a_duplicate_email_is_refused_and_nothing_is_made(
    admin: User, agent: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    agent.email = "Rina@Belanjaku.test"
    agent.save()
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(logged(admin), email="rina@belanjaku.TEST")
    assert response.status_code == 422
    assert (
        "Alamat email rina@belanjaku.TEST sudah dipakai akun rina.agen."
        in response.content.decode()
    )
    assert User.objects.count() == users
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_an_invalid_email_is_refused(admin: User, mailoutbox: list[Any]) -> None:
    response = invite(logged(admin), email="bukan email")
    assert response.status_code == 422
    assert "Alamat email tidak valid." in response.content.decode()
    assert not User.objects.filter(username="bukan email").exists()


def test_a_pending_invitation_is_accepted_by_single_sign_on(admin: User) -> None:
    invitation = invitations.staff_invite(actor=admin, email="eko@belanjaku.test", role="agent")
    eko = invitation.user
    assert invitations.invitation_accept_by_sso(user=eko)
    eko.refresh_from_db()
    assert eko.is_active and not eko.has_usable_password()
    assert not invitations.invitation_accept_by_sso(user=eko)  # once


def test_the_first_sso_sign_in_of_an_invited_address_accepts_the_invitation(
    admin: User,
) -> None:
    from sigap.accounts import sso

    cfg = sso.SsoConfig(
        issuer="https://sso.belanjaku.test",
        client_id="sigap",
        client_secret="x",
        scopes=("openid", "email"),
        provider_name="Belanjaku SSO",
        allowed_domains=frozenset({"belanjaku.test"}),
        auto_provision=False,
        default_role=Role.AGENT,
        default_team="",
    )
    identity = sso.SsoIdentity("sub-1", "eko@belanjaku.test", "Eko", "")
    with pytest.raises(sso.SsoRefused, match="Belum ada akun staf"):
        sso.sso_user_resolve(cfg=cfg, identity=identity)
    eko = invitations.staff_invite(actor=admin, email="eko@belanjaku.test", role="agent").user
    user, made = sso.sso_user_resolve(cfg=cfg, identity=identity)
    assert (user.pk, made, user.is_active) == (eko.pk, False, True)
    assert Invitation.objects.get(user=eko).accepted_at is not None
    # switched off later by an admin: SSO does not switch it on again
    User.objects.filter(pk=eko.pk).update(is_active=False)
    with pytest.raises(sso.SsoRefused, match="sudah dinonaktifkan"):
        sso.sso_user_resolve(cfg=cfg, identity=identity)


# --- skills and capacity: bad input -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [("-1", "“-1”"), ("tiga", "“tiga”"), ("101", "“101”"), ("2.5", "“2.5”")],
)
def test_an_invalid_capacity_is_refused_and_nothing_is_saved(
    admin: User, agent: User, value: str, shown: str
) -> None:
    AgentProfile.objects.create(user=agent, categories=["service"], capacity={"*": 10})
    response = logged(admin).post(
        f"/settings/people/{agent.pk}/",
        {
            "action": "skills",
            "categories": ["mechanical"],
            "capacity_email": "5",
            "capacity_livechat": value,
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f"Kapasitas Live chat harus bilangan bulat 0 sampai 100, bukan {shown}." in html
    profile = AgentProfile.objects.get(user=agent)
    assert (profile.categories, profile.capacity) == (["service"], {"*": 10})
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_unknown_skill_is_refused(admin: User, agent: User) -> None:
    response = logged(admin).post(
        f"/settings/people/{agent.pk}/", {"action": "skills", "languages": ["id", "xx"]}
    )
    assert response.status_code == 422  # the form refuses a choice it does not list
    assert not AgentProfile.objects.filter(user=agent).exists()


# --- deactivation with hand-over -----------------------------------------------------------


@pytest.fixture
def colleague(team: Team) -> User:
    user = user_create(username="budi.agen", password="x", role=Role.AGENT, first_name="Budi")
    team.members.add(user)
    return user


def test_deactivation_hands_open_tickets_to_a_colleague(
    admin: User, agent: User, colleague: User, ticket: Ticket, customer: Any, team: Team
) -> None:
    closed = ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Sudah selesai",
        description="Keluhan lama yang sudah ditutup.",
        team=team,
        assignee=agent,
    )
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    response = logged(admin).post(
        f"/settings/people/{agent.pk}/", {"action": "deactivate", "to_user": str(colleague.pk)}
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_active
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.pk
    assert Ticket.objects.get(pk=closed.pk).assignee_id == agent.pk  # closed: left alone
    event = TimelineEvent.objects.filter(ticket=ticket, kind="assigned").latest("pk")
    assert (event.actor_id, event.field) == (admin.pk, "assignee")
    assert (event.old_value, event.new_value) == (agent.pk, colleague.pk)
    assert event.data == {"reason": "Rina dinonaktifkan; tiketnya diserahkan ke Budi."}
    assert SecurityEvent.objects.filter(kind="deactivated", user_id=agent.pk).exists()


def test_deactivation_hands_open_tickets_back_to_the_team_queue(
    admin: User, agent: User, ticket: Ticket, team: Team
) -> None:
    response = logged(admin).post(
        f"/settings/people/{agent.pk}/", {"action": "deactivate", "to_user": ""}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.team_id) == (None, team.pk)


def test_a_colleague_outside_the_tickets_team_stops_the_whole_deactivation(
    admin: User, agent: User, ticket: Ticket, other_team: Team, outsider_agent: User
) -> None:
    version = Ticket.objects.get(pk=ticket.pk).version
    response = logged(admin).post(
        f"/settings/people/{agent.pk}/",
        {"action": "deactivate", "to_user": str(outsider_agent.pk)},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f"Tiket {ticket.reference} tidak dapat diserahkan:" in html
    agent.refresh_from_db()
    assert agent.is_active
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.assignee_id, after.version) == (agent.pk, version)


def test_an_admin_cannot_deactivate_themself(admin: User) -> None:
    response = logged(admin).post(
        f"/settings/people/{admin.pk}/", {"action": "deactivate", "to_user": ""}
    )
    assert response.status_code == 422
    admin.refresh_from_db()
    assert admin.is_active


# --- query counts ----------------------------------------------------------------------------


def _staff(n: int, team: Team) -> None:
    for i in range(n):
        u = user_create(username=f"agen{i}", password=None, role=Role.AGENT)
        team.members.add(u)
        AgentProfile.objects.create(user=u, capacity={"*": 5})


@pytest.mark.parametrize("n", [2, 12])
def test_the_people_list_reads_a_fixed_number_of_statements(
    admin: User, supervisor: User, team: Team, n: int, django_assert_max_num_queries: Any
) -> None:
    _staff(n, team)
    team_create(name="Lain", slug="lain")
    for user in (admin, supervisor):
        c = logged(user)
        c.get("/settings/people/")
        with django_assert_max_num_queries(9):
            assert c.get("/settings/people/").status_code == 200


def test_the_person_page_reads_a_fixed_number_of_statements(
    admin: User, agent: User, team: Team, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    c.get(f"/settings/people/{agent.pk}/")
    with django_assert_max_num_queries(11):
        assert c.get(f"/settings/people/{agent.pk}/").status_code == 200


def test_the_people_page_in_english(admin: User) -> None:
    c = logged(admin)
    c.cookies["django_language"] = "en"
    html = c.get("/settings/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invite a colleague" in html
    assert "Skills: languages" not in html  # on the person's page only
    assert ">People<" in html


def test_an_admin_switches_a_deactivated_colleague_on_again(
    admin: User, supervisor: User, agent: User, team: Team
) -> None:
    ticket_services.staff_deactivate(actor=admin, user=agent, to_user=None)
    refused = logged(supervisor).post(f"/settings/people/{agent.pk}/", {"action": "reactivate"})
    assert refused.status_code == 403
    agent.refresh_from_db()
    assert not agent.is_active
    done = logged(admin).post(f"/settings/people/{agent.pk}/", {"action": "reactivate"})
    assert done.status_code == 302
    agent.refresh_from_db()
    assert agent.is_active
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert (event.data["before"], event.data["after"]) == (
        {"is_active": False},
        {"is_active": True},
    )


def test_an_invitee_is_not_switched_on_without_accepting(admin: User) -> None:
    eko = invitations.staff_invite(actor=admin, email="eko@belanjaku.test", role="agent").user
    response = logged(admin).post(f"/settings/people/{eko.pk}/", {"action": "reactivate"})
    assert response.status_code == 422
    assert "belum menerima undangannya" in response.content.decode()
    eko.refresh_from_db()
    assert not eko.is_active
