"""The security audit log: sign-ins, failures, lockouts, token and role changes, team
members and admin changes are recorded with who and from where; rows cannot be changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client

from sigap.accounts.models import SecurityEvent, Team, User
from sigap.accounts.services import token_create, token_revoke, user_create

pytestmark = pytest.mark.django_db


def since(mark: int) -> Any:
    """The events recorded after ``mark`` (the log cannot be emptied between steps)."""
    return SecurityEvent.objects.filter(id__gt=mark).order_by("id")


def mark() -> int:
    last = SecurityEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return int(last or 0)


def test_sign_in_failure_lockout_and_sign_out_are_recorded(db: None) -> None:
    user_create(username="andi", password="benar-2026", role="agent")
    start = mark()
    client = Client(REMOTE_ADDR="10.4.4.4")
    client.post("/masuk/", {"username": "andi", "password": "salah"})
    client.post("/masuk/", {"username": "andi", "password": "benar-2026"})
    client.post("/keluar/")
    events = list(since(start))
    assert [e.kind for e in events] == ["sign_in_failed", "sign_in", "sign_out"]
    failed, signed_in, _ = events
    assert (failed.user_name, failed.ip) == ("andi", "10.4.4.4")
    assert (signed_in.actor_name, signed_in.user_name, signed_in.ip) == ("andi", "andi", "10.4.4.4")
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR="10.5.5.5").post("/masuk/", {"username": "andi", "password": f"x{n}"})
    assert SecurityEvent.objects.filter(kind="locked_out", user_name="andi").exists()


def test_tokens_roles_deactivation_and_teams_are_recorded_with_the_actor(
    admin: User, agent: User, team: Team
) -> None:
    start = mark()
    raw = token_create(user=agent, name="integrasi")
    token_revoke(user=agent, prefix=raw[:12])
    staff = Client(REMOTE_ADDR="10.6.6.6")
    staff.force_login(admin)
    response = staff.post(
        f"/admin/accounts/user/{agent.pk}/change/",
        {
            "username": agent.username,
            "first_name": agent.first_name,
            "last_name": agent.last_name,
            "email": agent.email,
            "role": "supervisor",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    team.members.remove(agent)
    recorded = {e.kind: e for e in since(start)}
    assert {"token_created", "token_revoked", "role_changed", "deactivated", "team_changed"} <= set(
        recorded
    )
    assert "settings_changed" in recorded
    role = recorded["role_changed"]
    assert (role.actor_name, role.user_name, role.ip) == (
        admin.username,
        agent.username,
        "10.6.6.6",
    )
    assert role.detail == "agent → supervisor"
    assert "integrasi" in recorded["token_created"].detail


def test_a_recorded_event_cannot_be_changed_or_deleted(agent: User) -> None:
    token_create(user=agent)
    event = SecurityEvent.objects.get(kind="token_created")
    with pytest.raises(PermissionError):
        SecurityEvent.objects.filter(pk=event.pk).update(detail="tidak terjadi apa-apa")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(  # past the ORM: the database itself refuses
            "UPDATE accounts_securityevent SET detail = %s WHERE id = %s",
            ["tidak terjadi apa-apa", event.pk],
        )
    event.refresh_from_db()
    assert event.detail != "tidak terjadi apa-apa"
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.filter(pk=event.pk).delete()
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def _raw_update(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_only_a_pseudonymisation_gets_past_the_trigger(agent: User) -> None:
    """The one sanctioned UPDATE (an erased customer, UU PDP) sets ``pseudonymised_at``
    and may change only names, detail and data; anything else is still refused."""
    token_create(user=agent)
    event = SecurityEvent.objects.get(kind="token_created")
    later = "2999-01-01 00:00:00"
    refused = [
        ("UPDATE accounts_securityevent SET user_name = %s WHERE id = %s", ["x", event.pk]),
        (  # the mark, but the kind too
            "UPDATE accounts_securityevent SET pseudonymised_at = %s, kind = %s WHERE id = %s",
            [later, "sign_in", event.pk],
        ),
        (  # the mark, but another person
            "UPDATE accounts_securityevent SET pseudonymised_at = %s, user_id = %s WHERE id = %s",
            [later, agent.pk + 1, event.pk],
        ),
        (  # the mark, but another address
            "UPDATE accounts_securityevent SET pseudonymised_at = %s, ip = %s WHERE id = %s",
            [later, "10.0.0.9", event.pk],
        ),
    ]
    for sql, params in refused:
        with pytest.raises(DatabaseError, match="append-only"):
            _raw_update(sql, params)
    _raw_update(
        "UPDATE accounts_securityevent SET pseudonymised_at = %s, user_name = %s WHERE id = %s",
        [later, "erased-1", event.pk],
    )
    event.refresh_from_db()
    assert event.user_name == "erased-1" and event.user_id == agent.pk
    with pytest.raises(DatabaseError, match="append-only"):  # not back in time, nor unmarked
        _raw_update(
            "UPDATE accounts_securityevent SET pseudonymised_at = NULL, user_name = %s "
            "WHERE id = %s",
            [agent.username, event.pk],
        )
    assert SecurityEvent.objects.get(pk=event.pk).user_name == "erased-1"


def test_admins_read_filter_and_export_it_and_nobody_else_does(
    admin: User, supervisor: User, agent: User
) -> None:
    token_create(user=agent, name="integrasi")
    Client().post("/masuk/", {"username": agent.username, "password": "salah"})
    staff = Client()
    staff.force_login(admin)
    page = staff.get("/keamanan/log/", {"kind": "token_created"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "integrasi" in html and "Gagal masuk" not in html.split("<table", 1)[-1]
    csv = staff.get("/keamanan/log/", {"kind": "sign_in_failed", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert body.splitlines()[0] == "waktu,jenis,pelaku,akun,alamat IP,rincian"
    assert agent.username in body and "integrasi" not in body
    assert SecurityEvent.objects.filter(kind="export").exists()  # the export is recorded
    for user in (supervisor, agent):
        other = Client()
        other.force_login(user)
        assert other.get("/keamanan/log/").status_code in (403, 404)


def test_it_is_read_only_in_the_admin(admin: User, agent: User, settings: Any) -> None:
    token_create(user=agent)
    event = SecurityEvent.objects.get(kind="token_created")
    staff = Client()
    staff.force_login(admin)
    assert staff.get("/admin/accounts/securityevent/").status_code == 200
    assert staff.get("/admin/accounts/securityevent/add/").status_code == 403
    staff.post(f"/admin/accounts/securityevent/{event.pk}/delete/", {"post": "yes"})
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_report_exports_and_workspace_settings_are_recorded(supervisor: User, team: Team) -> None:
    from sigap.metrics.models import Report

    report = Report.objects.create(
        kind="kpi",
        title="KPI Maret",
        period_start="2026-03-01",
        period_end="2026-03-31",
        content={"title": "KPI Maret", "sections": []},
    )
    c = Client(REMOTE_ADDR="10.8.8.8")
    c.force_login(supervisor)
    assert c.get(f"/laporan/{report.pk}/unduh.csv").status_code == 200
    exported = SecurityEvent.objects.get(kind="export")
    assert (exported.actor_name, exported.ip) == (supervisor.username, "10.8.8.8")
    assert "KPI Maret" in exported.detail
    c.post(
        "/settings/canned/",
        {"title": "Salam", "purpose": "thanks", "team": team.pk, "body": "Terima kasih"},
    )
    changed = SecurityEvent.objects.get(kind="settings_changed")
    assert "Salam" in changed.detail and changed.actor_name == supervisor.username
