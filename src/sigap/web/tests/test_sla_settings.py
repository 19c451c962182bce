"""The service-level settings pages (/settings/sla/): who may open what, the policy form
with targets in hours and minutes, the preview against the engine's due time, calendars
with split shifts and special periods, holidays, and query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.sla.models import BusinessCalendar, Holiday, SlaPolicy, SlaTarget, SpecialPeriod
from sigap.tickets import services as ticket_services

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # Monday 16:30 WIB


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def admin(db: None) -> User:
    return user_create(username="ani.admin", password="rahasia-admin", role="admin")


@pytest.fixture
def team_policy(team: Team) -> SlaPolicy:
    policy = SlaPolicy.objects.create(
        name="Pengiriman WhatsApp",
        position=5,
        team=team,
        channels=["whatsapp"],
        calendar=BusinessCalendar.objects.get(name="Jam kantor (WIB)"),
    )
    for p in (1, 2, 3, 4):
        SlaTarget.objects.create(
            policy=policy,
            priority=p,
            first_response_minutes=60,
            next_response_minutes=120,
            resolution_minutes=600,
        )
    return policy


@pytest.fixture
def other_policy(other_team: Team) -> SlaPolicy:
    return SlaPolicy.objects.create(
        name="Pembayaran",
        position=6,
        team=other_team,
        calendar=BusinessCalendar.objects.get(name="24 jam"),
    )


def _policy_post(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Pengiriman WhatsApp",
        "calendar": BusinessCalendar.objects.get(name="Jam kantor (WIB)").pk,
        "channels": ["whatsapp"],
        "active": "on",
    }
    for p in (1, 2, 3, 4):
        data.update(
            {
                f"p{p}_first_response_h": "0",
                f"p{p}_first_response_m": "45",
                f"p{p}_next_response_h": "2",
                f"p{p}_next_response_m": "0",
                f"p{p}_resolution_h": "10",
                f"p{p}_resolution_m": "0",
            }
        )
    data.update(extra)
    return data


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/settings/sla/",
        "/settings/sla/new/",
        "/settings/sla/calendars/",
        "/settings/sla/holidays/",
    ],
)
def test_an_agent_gets_a_403(agent: User, url: str) -> None:
    assert client_for(agent).get(url).status_code == 403


def test_an_agent_may_not_post_either(agent: User, team_policy: SlaPolicy) -> None:
    c = client_for(agent)
    r = c.post(f"/settings/sla/{team_policy.pk}/", _policy_post(team=team_policy.team_id))
    assert r.status_code == 403
    r = c.post(f"/settings/sla/{team_policy.pk}/active/", {"active": "0"})
    assert r.status_code == 403
    assert SlaPolicy.objects.get(pk=team_policy.pk).active
    assert SlaTarget.objects.get(policy=team_policy, priority=2).first_response_minutes == 60


def test_a_supervisor_may_not_open_or_change_another_teams_policy(
    supervisor: User, team_policy: SlaPolicy, other_policy: SlaPolicy
) -> None:
    c = client_for(supervisor)
    assert c.get(f"/settings/sla/{other_policy.pk}/").status_code == 403
    r = c.post(
        f"/settings/sla/{other_policy.pk}/", _policy_post(name="Diambil", team=team_policy.team_id)
    )
    assert r.status_code == 403
    assert c.post(f"/settings/sla/{other_policy.pk}/active/", {"active": "0"}).status_code == 403
    assert c.post(f"/settings/sla/{other_policy.pk}/move/", {"direction": "up"}).status_code == 403
    global_ = SlaPolicy.objects.get(name="Chat dan pesan")
    assert c.get(f"/settings/sla/{global_.pk}/").status_code == 403
    other_policy.refresh_from_db()
    assert (other_policy.name, other_policy.active, other_policy.position) == (
        "Pembayaran",
        True,
        6,
    )
    assert not SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).exists()


def test_a_supervisor_may_not_open_calendars_or_holidays(supervisor: User, team: Team) -> None:
    c = client_for(supervisor)
    office = BusinessCalendar.objects.get(name="Jam kantor (WIB)")
    assert c.get("/settings/sla/calendars/").status_code == 403
    assert c.get(f"/settings/sla/calendars/{office.pk}/").status_code == 403
    assert c.post("/settings/sla/holidays/", {"form": "import", "year": 2028}).status_code == 403
    assert not Holiday.objects.filter(date__year=2028).exists()


def test_a_supervisor_lists_only_their_teams_policies(
    supervisor: User, team_policy: SlaPolicy, other_policy: SlaPolicy
) -> None:
    page = client_for(supervisor).get("/settings/sla/").content.decode()
    assert re.findall(r'data-policy="(\d+)"', page) == [str(team_policy.pk)]
    assert "Pembayaran" not in page  # nor in the preview's teams


def test_an_admin_opens_every_page(admin: User, team_policy: SlaPolicy) -> None:
    c = client_for(admin)
    office = BusinessCalendar.objects.get(name="Jam kantor (WIB)")
    for url in (
        "/settings/sla/",
        "/settings/sla/new/",
        f"/settings/sla/{team_policy.pk}/",
        "/settings/sla/calendars/",
        f"/settings/sla/calendars/{office.pk}/",
        f"/settings/sla/calendars/{office.pk}/special/",
        "/settings/sla/holidays/?year=2026",
    ):
        assert c.get(url).status_code == 200, url
    assert "Chat dan pesan" in c.get("/settings/sla/").content.decode()


# --- the policy form --------------------------------------------------------------------------


def test_a_supervisor_changes_their_teams_targets_in_hours_and_minutes(
    supervisor: User, team_policy: SlaPolicy
) -> None:
    c = client_for(supervisor)
    data = _policy_post(team=team_policy.team_id, p2_first_response_h="1", p2_first_response_m="30")
    r = c.post(f"/settings/sla/{team_policy.pk}/", data)
    assert r.status_code == 302
    target = SlaTarget.objects.get(policy=team_policy, priority=2)
    assert (target.first_response_minutes, target.resolution_minutes) == (90, 600)
    event = SecurityEvent.objects.get(kind=SecurityKind.SETTINGS_CHANGED)
    assert event.actor_name == "sari.spv"
    assert event.data["before"]["targets"]["P2"] == [60, 120, 600]
    assert event.data["after"]["targets"]["P2"] == [90, 120, 600]
    page = c.get(f"/settings/sla/{team_policy.pk}/").content.decode()
    assert re.search(r'name="p2_first_response_h" value="1"', page)
    assert re.search(r'name="p2_first_response_m" value="30"', page)


def test_a_negative_target_is_shown_on_its_box_and_nothing_saved(
    supervisor: User, team_policy: SlaPolicy
) -> None:
    r = client_for(supervisor).post(
        f"/settings/sla/{team_policy.pk}/",
        _policy_post(team=team_policy.team_id, name="Baru", p3_resolution_h="-2"),
    )
    assert r.status_code == 422
    page = r.content.decode()
    # on the P3 resolution boxes' cell, not only above the form
    cell = re.search(r'name="p3_resolution_h".*?</td>', page, re.S)
    assert cell is not None
    assert "P3: target penyelesaian tidak boleh negatif." in cell.group(0)
    team_policy.refresh_from_db()
    assert team_policy.name == "Pengiriman WhatsApp"
    assert SlaTarget.objects.get(policy=team_policy, priority=3).resolution_minutes == 600


def test_a_supervisor_cannot_move_their_policy_to_all_teams(
    supervisor: User, team_policy: SlaPolicy
) -> None:
    r = client_for(supervisor).post(f"/settings/sla/{team_policy.pk}/", _policy_post(team=""))
    assert r.status_code == 422  # the team is required for a supervisor
    team_policy.refresh_from_db()
    assert team_policy.team_id is not None


def test_an_admin_creates_a_policy_from_lists(admin: User, team: Team) -> None:
    r = client_for(admin).post(
        "/settings/sla/new/",
        _policy_post(
            name="Emas sikap",
            loyalty_tiers=["gold", "platinum"],
            categories=["attitudinal"],
            priorities=["2"],
            team=team.pk,
        ),
    )
    assert r.status_code == 302
    policy = SlaPolicy.objects.get(name="Emas sikap")
    assert (policy.loyalty_tiers, policy.categories, policy.priorities, policy.team_id) == (
        ["gold", "platinum"],
        ["attitudinal"],
        [2],
        team.pk,
    )
    assert policy.targets.count() == 4


def test_enable_disable_and_order_from_the_list(supervisor: User, team_policy: SlaPolicy) -> None:
    c = client_for(supervisor)
    assert c.post(f"/settings/sla/{team_policy.pk}/active/", {"active": "0"}).status_code == 302
    assert not SlaPolicy.objects.get(pk=team_policy.pk).active
    assert c.post(f"/settings/sla/{team_policy.pk}/move/", {"direction": "up"}).status_code == 302
    first = SlaPolicy.objects.order_by("position", "id").first()
    assert first is not None
    assert first.pk == team_policy.pk


# --- the preview ------------------------------------------------------------------------------


def _shown(page: str, attr: str) -> str:
    match = re.search(rf"<dd {attr}>([^<]+)</dd>", page)
    assert match, attr
    return match.group(1)


def test_the_preview_shows_what_a_new_ticket_gets(
    supervisor: User, agent: User, team: Team, team_policy: SlaPolicy, customer: Customer
) -> None:
    # Monday 16:30 WIB; office hours to 17:00: P2 for gold, 60 minutes: 30 today, 30 on Tuesday
    with time_machine.travel(NOW, tick=False):
        page = (
            client_for(supervisor)
            .get(
                f"/settings/sla/{team_policy.pk}/",
                {"tier": "gold", "channel": "whatsapp", "priority": "", "team": team.pk},
            )
            .content.decode()
        )
        ticket = ticket_services.ticket_create(
            actor=agent,
            customer=customer,  # gold
            kind="complaint",
            channel="whatsapp",
            subject="Paket belum sampai",
            description="Sudah seminggu.",
            team=team,
        )
    assert ticket.sla_policy_id == team_policy.pk
    assert ticket.first_response_due_at == datetime(2026, 3, 3, 1, 30, tzinfo=UTC)
    assert _shown(page, "data-preview-first") == "Selasa, 3 Maret 2026 08:30 WIB"
    assert ticket.resolution_due_at == datetime(2026, 3, 4, 1, 30, tzinfo=UTC)
    assert _shown(page, "data-preview-resolution") == "Rabu, 4 Maret 2026 08:30 WIB"
    assert _shown(page, "data-preview-policy") == "Pengiriman WhatsApp"


def test_the_preview_follows_a_saved_change(
    supervisor: User, team: Team, team_policy: SlaPolicy
) -> None:
    c = client_for(supervisor)
    with time_machine.travel(NOW, tick=False):
        before = _shown(
            c.get(f"/settings/sla/{team_policy.pk}/").content.decode(), "data-preview-first"
        )
        c.post(
            f"/settings/sla/{team_policy.pk}/",
            _policy_post(team=team.pk, p2_first_response_h="0", p2_first_response_m="20"),
        )
        after = _shown(
            c.get(f"/settings/sla/{team_policy.pk}/").content.decode(), "data-preview-first"
        )
    assert before == "Selasa, 3 Maret 2026 08:30 WIB"  # P2 for gold: 60 minutes
    assert after == "Senin, 2 Maret 2026 16:50 WIB"  # 20 minutes


# --- calendars, special periods, holidays -----------------------------------------------------


def _hours(**extra: str) -> dict[str, str]:
    data = {"d0_0_start": "08:00", "d0_0_end": "12:00", "d0_1_start": "13:00", "d0_1_end": "17:00"}
    data.update(extra)
    return data


def test_an_admin_makes_a_calendar_with_a_split_shift(admin: User) -> None:
    r = client_for(admin).post(
        "/settings/sla/calendars/new/",
        {"name": "Toko", "time_zone": "Asia/Makassar", "national_holidays": "on", **_hours()},
    )
    assert r.status_code == 302
    cal = BusinessCalendar.objects.get(name="Toko")
    assert [(p.start.hour, p.end.hour) for p in cal.periods.order_by("start")] == [
        (8, 12),
        (13, 17),
    ]


def test_overlapping_hours_are_refused_with_a_precise_message(admin: User) -> None:
    r = client_for(admin).post(
        "/settings/sla/calendars/new/",
        {"name": "Toko", "time_zone": "Asia/Jakarta", **_hours(d0_1_start="11:30")},
    )
    assert r.status_code == 422
    assert "Senin: 08:00–12:00 bertumpuk dengan 11:30–17:00." in r.content.decode()
    assert not BusinessCalendar.objects.filter(name="Toko").exists()


def test_an_overlap_in_an_existing_calendar_changes_nothing_of_it(admin: User) -> None:
    c = client_for(admin)
    c.post(
        "/settings/sla/calendars/new/",
        {"name": "Toko", "time_zone": "Asia/Jakarta", "national_holidays": "on", **_hours()},
    )
    cal = BusinessCalendar.objects.get(name="Toko")
    events = SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).count()
    r = c.post(
        f"/settings/sla/calendars/{cal.pk}/",
        {
            "name": "Toko baru",  # a valid change on the same form
            "time_zone": "Asia/Makassar",
            **_hours(d0_1_start="11:30", d2_0_start="09:00", d2_0_end="15:00"),
        },
    )
    assert r.status_code == 422
    assert "Senin: 08:00–12:00 bertumpuk dengan 11:30–17:00." in r.content.decode()
    cal.refresh_from_db()
    assert (cal.name, cal.time_zone, cal.national_holidays) == ("Toko", "Asia/Jakarta", True)
    assert [(p.weekday, p.start.hour, p.end.hour) for p in cal.periods.order_by("start")] == [
        (0, 8, 12),
        (0, 13, 17),
    ]
    assert SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).count() == events


def test_a_half_filled_shift_is_refused(admin: User) -> None:
    r = client_for(admin).post(
        "/settings/sla/calendars/new/",
        {"name": "Toko", "time_zone": "Asia/Jakarta", "d1_0_start": "08:00"},
    )
    assert r.status_code == 422
    assert "Selasa: isi jam mulai dan jam selesai." in r.content.decode()
    assert not BusinessCalendar.objects.filter(name="Toko").exists()


def test_an_admin_adds_ramadan_hours(admin: User) -> None:
    office = BusinessCalendar.objects.get(name="Jam kantor (WIB)")
    r = client_for(admin).post(
        f"/settings/sla/calendars/{office.pk}/special/",
        {
            "name": "Ramadan 1448 H",
            "start_date": "2027-02-08",
            "end_date": "2027-03-09",
            "d0_0_start": "08:00",
            "d0_0_end": "15:00",
        },
    )
    assert r.status_code == 302
    special = SpecialPeriod.objects.get(calendar=office)
    assert special.hours.count() == 1
    r = client_for(admin).post(
        f"/settings/sla/calendars/{office.pk}/special/{special.pk}/",
        {"name": "Ramadan", "start_date": "2027-03-09", "end_date": "2027-02-08"},
    )
    assert r.status_code == 422
    assert "Tanggal selesai 08-02-2027 sebelum tanggal mulai 09-03-2027." in r.content.decode()


def test_an_admin_adds_a_company_day_and_imports_a_year(admin: User) -> None:
    c = client_for(admin)
    r = c.post(
        "/settings/sla/holidays/",
        {
            "form": "add",
            "date": "2026-07-07",
            "name": "Ulang tahun toko",
            "kind": "company",
            "calendar": "",
        },
    )
    assert r.status_code == 302
    assert Holiday.objects.get(name="Ulang tahun toko").kind == "company"
    r = c.post("/settings/sla/holidays/", {"form": "import", "year": "2028"})
    assert r.status_code == 302
    assert Holiday.objects.filter(date__year=2028, kind="national").count() > 10
    page = c.get("/settings/sla/holidays/?year=2028").content.decode()
    assert "Hari Kemerdekaan Republik Indonesia" in page


# --- query counts -----------------------------------------------------------------------------


def _more_policies(team: Team, n: int) -> None:
    cal = BusinessCalendar.objects.get(name="Jam kantor (WIB)")
    for i in range(n):
        p = SlaPolicy.objects.create(name=f"Tambahan {i}", position=50 + i, team=team, calendar=cal)
        SlaTarget.objects.create(
            policy=p,
            priority=3,
            first_response_minutes=60,
            next_response_minutes=60,
            resolution_minutes=600,
        )


def test_the_list_and_the_policy_page_keep_their_query_count(
    admin: User, team: Team, team_policy: SlaPolicy, django_assert_max_num_queries: Any
) -> None:
    c = client_for(admin)
    c.get("/settings/sla/")  # warm the session and the policy book
    _more_policies(team, 15)
    c.get("/settings/sla/")
    with django_assert_max_num_queries(8):  # 6 measured, flat in the number of policies
        assert c.get("/settings/sla/").status_code == 200
    with django_assert_max_num_queries(11):  # 9 measured
        assert c.get(f"/settings/sla/{team_policy.pk}/").status_code == 200


def test_the_calendar_and_holiday_pages_keep_their_query_count(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = client_for(admin)
    office = BusinessCalendar.objects.get(name="Jam kantor (WIB)")
    for i in range(5):
        sp = SpecialPeriod.objects.create(
            calendar=office,
            name=f"Khusus {i}",
            start_date=datetime(2027, 1 + i, 1, tzinfo=UTC).date(),
            end_date=datetime(2027, 1 + i, 10, tzinfo=UTC).date(),
        )
        sp.hours.create(weekday=0, start="08:00", end="12:00")
    c.get("/settings/sla/calendars/")
    with django_assert_max_num_queries(7):  # 5 measured
        assert c.get("/settings/sla/calendars/").status_code == 200
    with django_assert_max_num_queries(10):  # 8 measured, flat in the number of periods
        assert c.get(f"/settings/sla/calendars/{office.pk}/").status_code == 200
    with django_assert_max_num_queries(9):  # 7 measured
        assert c.get("/settings/sla/holidays/?year=2026").status_code == 200


def test_deleting_a_policy(
    supervisor: User, team_policy: SlaPolicy, other_policy: SlaPolicy
) -> None:
    c = client_for(supervisor)
    assert c.post(f"/settings/sla/{other_policy.pk}/delete/").status_code == 403
    assert SlaPolicy.objects.filter(pk=other_policy.pk).exists()
    assert c.post(f"/settings/sla/{team_policy.pk}/delete/").status_code == 302
    assert not SlaPolicy.objects.filter(pk=team_policy.pk).exists()
    event = SecurityEvent.objects.get(kind=SecurityKind.SETTINGS_CHANGED)
    assert event.detail == "kebijakan SLA “Pengiriman WhatsApp” dihapus"
    assert event.data["after"] is None
    assert event.data["before"]["targets"]["P1"] == [60, 120, 600]


def test_the_policy_page_reads_in_english(supervisor: User, team_policy: SlaPolicy) -> None:
    from django.conf import settings

    c = client_for(supervisor)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        page = c.get(f"/settings/sla/{team_policy.pk}/").content.decode()
        r = c.post(
            f"/settings/sla/{team_policy.pk}/",
            _policy_post(team=team_policy.team_id, p1_first_response_m="-5"),
        )
    assert "Due-time preview" in page
    assert "A ticket from a Gold customer on WhatsApp (P2) created now" in page
    assert "Conditions (the tickets this policy covers)" in page
    assert "Pratinjau tenggat" not in page
    assert "P1: the first response target cannot be negative." in r.content.decode()


def test_a_supervisors_list_previews_a_ticket_of_their_team(
    supervisor: User, team: Team, team_policy: SlaPolicy
) -> None:
    page = client_for(supervisor).get("/settings/sla/").content.decode()
    assert _shown(page, "data-preview-policy") == "Pengiriman WhatsApp"
    assert re.search(rf'<option value="{team.pk}" selected>', page)
