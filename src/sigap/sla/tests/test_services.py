"""The service-level services: validation with precise messages and nothing saved
half-way, who may change what, the audit record of each change, and the engine's view of
special periods (Ramadan hours) and the category condition."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User
from sigap.accounts.services import user_create
from sigap.core.errors import PermissionDenied, ValidationFailed
from sigap.sla import book, services
from sigap.sla.models import (
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    SlaTarget,
    SpecialHours,
    SpecialPeriod,
    WorkingPeriod,
)
from sigap.sla.services import PeriodIn, TargetIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: None) -> User:
    return user_create(username="ani.admin", password="rahasia-admin", role="admin")


@pytest.fixture
def office() -> BusinessCalendar:
    return BusinessCalendar.objects.get(name="Jam kantor (WIB)")


def _targets(first: int = 30, resolution: int = 480) -> list[TargetIn]:
    return [TargetIn(2, first, 60, resolution)]


def _settings_events() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).order_by("pk"))


# --- policies ---------------------------------------------------------------------------------


def test_a_supervisor_creates_a_policy_for_their_team_and_it_is_audited(
    supervisor: User, team: Team, office: BusinessCalendar
) -> None:
    policy = services.policy_save(
        actor=supervisor,
        policy=None,
        name="Pengiriman emas",
        calendar=office,
        team=team,
        channels=["whatsapp"],
        priorities=[2],
        loyalty_tiers=["gold"],
        categories=["service"],
        targets=_targets(),
    )
    assert (policy.channels, policy.loyalty_tiers, policy.categories) == (
        ["whatsapp"],
        ["gold"],
        ["service"],
    )
    assert list(policy.targets.values_list("priority", "first_response_minutes")) == [(2, 30)]
    (event,) = _settings_events()
    assert event.actor_name == "sari.spv"
    assert event.detail == "kebijakan SLA “Pengiriman emas” dibuat"
    assert event.data["before"] is None
    assert event.data["after"]["targets"] == {"P2": [30, 60, 480]}


def test_a_change_records_before_and_after(
    admin: User, team: Team, office: BusinessCalendar
) -> None:
    policy = services.policy_save(
        actor=admin, policy=None, name="A", calendar=office, team=team, targets=_targets()
    )
    services.policy_save(
        actor=admin, policy=policy, name="A", calendar=office, team=team, targets=_targets(45)
    )
    last = _settings_events()[-1]
    assert last.detail == "kebijakan SLA “A” diubah"
    assert last.data["before"]["targets"] == {"P2": [30, 60, 480]}
    assert last.data["after"]["targets"] == {"P2": [45, 60, 480]}


def test_saving_without_a_change_records_nothing(
    admin: User, team: Team, office: BusinessCalendar
) -> None:
    policy = services.policy_save(
        actor=admin, policy=None, name="A", calendar=office, team=team, targets=_targets()
    )
    services.policy_save(
        actor=admin, policy=policy, name="A", calendar=office, team=team, targets=_targets()
    )
    assert len(_settings_events()) == 1


@pytest.mark.parametrize(
    ("targets", "field", "message"),
    [
        (
            [TargetIn(2, -30, 60, 480)],
            "target-2-first_response",
            "P2: target respons pertama tidak boleh negatif.",
        ),
        (
            [TargetIn(3, 30, 0, 480)],
            "target-3-next_response",
            "P3: target respons berikutnya harus lebih dari 0 menit.",
        ),
        (
            [TargetIn(2, 600, 60, 480)],
            "target-2-resolution",
            "P2: penyelesaian tidak boleh lebih cepat dari respons pertama.",
        ),
        ([], "targets", "Isi target untuk sedikitnya satu prioritas."),
    ],
)
def test_bad_targets_are_refused_with_a_precise_message_and_nothing_saved(
    admin: User,
    office: BusinessCalendar,
    targets: list[TargetIn],
    field: str,
    message: str,
) -> None:
    before = (SlaPolicy.objects.count(), SlaTarget.objects.count(), SecurityEvent.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        services.policy_save(
            actor=admin, policy=None, name="Baru", calendar=office, team=None, targets=targets
        )
    assert caught.value.fields[field] == [message]
    after = (SlaPolicy.objects.count(), SlaTarget.objects.count(), SecurityEvent.objects.count())
    assert after == before


def test_a_priority_condition_without_its_target_is_refused(
    admin: User, office: BusinessCalendar
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.policy_save(
            actor=admin,
            policy=None,
            name="Baru",
            calendar=office,
            team=None,
            priorities=[1, 2],
            targets=_targets(),
        )
    assert caught.value.fields["priorities"] == [
        "Prioritas P1 dipilih sebagai syarat tetapi tidak punya target."
    ]


def test_an_edit_refused_half_way_keeps_the_old_targets(
    admin: User, team: Team, office: BusinessCalendar
) -> None:
    policy = services.policy_save(
        actor=admin,
        policy=None,
        name="A",
        calendar=office,
        team=team,
        targets=[TargetIn(1, 10, 20, 60), TargetIn(2, 30, 60, 480)],
    )
    with pytest.raises(ValidationFailed):
        services.policy_save(
            actor=admin,
            policy=policy,
            name="A diubah",
            calendar=office,
            team=team,
            targets=[TargetIn(1, 15, 20, 60), TargetIn(2, -1, 60, 480)],
        )
    policy.refresh_from_db()
    assert policy.name == "A"
    assert sorted(policy.targets.values_list("priority", "first_response_minutes")) == [
        (1, 10),
        (2, 30),
    ]


def test_a_supervisor_may_not_touch_another_teams_or_a_global_policy(
    supervisor: User, team: Team, other_team: Team, office: BusinessCalendar
) -> None:
    theirs = SlaPolicy.objects.create(name="Lain", team=other_team, calendar=office)
    global_ = SlaPolicy.objects.get(name="Chat dan pesan")
    for policy in (theirs, global_):
        with pytest.raises(PermissionDenied):
            services.policy_save(
                actor=supervisor,
                policy=policy,
                name="Diambil",
                calendar=office,
                team=team,
                targets=_targets(),
            )
        with pytest.raises(PermissionDenied):
            services.policy_set_active(actor=supervisor, policy=policy, active=False)
    with pytest.raises(PermissionDenied):  # nor create one for another team
        services.policy_save(
            actor=supervisor,
            policy=None,
            name="Baru",
            calendar=office,
            team=other_team,
            targets=_targets(),
        )
    assert SlaPolicy.objects.get(pk=theirs.pk).name == "Lain"
    assert SlaPolicy.objects.get(pk=global_.pk).active
    assert _settings_events() == []


def test_an_agent_may_change_nothing(agent: User, office: BusinessCalendar) -> None:
    policy = SlaPolicy.objects.get(name="Chat dan pesan")
    with pytest.raises(PermissionDenied):
        services.policy_set_active(actor=agent, policy=policy, active=False)
    with pytest.raises(PermissionDenied):
        services.holiday_add(actor=agent, day=date(2026, 5, 4), name="Libur", calendar=None)


def test_disabling_and_ordering(admin: User) -> None:
    chat = SlaPolicy.objects.get(name="Chat dan pesan")
    services.policy_set_active(actor=admin, policy=chat, active=False)
    kw = {"severity": "", "kind": "complaint", "tier": "regular", "team_id": None}
    assert book.current().policy_for(channel="whatsapp", priority=3, **kw).name == (
        "Email, portal dan lainnya"
    )
    services.policy_set_active(actor=admin, policy=chat, active=True)
    catch_all = SlaPolicy.objects.get(name="Email, portal dan lainnya")
    services.policy_move(actor=admin, policy=catch_all, up=True)
    services.policy_move(actor=admin, policy=catch_all, up=True)
    names = list(SlaPolicy.objects.order_by("position", "id").values_list("name", flat=True))
    assert names == [
        "Kritis (P1) — 24 jam",
        "Email, portal dan lainnya",
        "Chat dan pesan",
        "Media sosial dan telepon",
    ]
    assert book.current().policy_for(channel="whatsapp", priority=3, **kw).name == (
        "Email, portal dan lainnya"
    )
    details = [e.detail for e in _settings_events()]
    assert details[:2] == [
        "kebijakan SLA “Chat dan pesan” dinonaktifkan",
        "kebijakan SLA “Chat dan pesan” diaktifkan",
    ]


# --- calendars --------------------------------------------------------------------------------


def test_a_calendar_with_split_shifts(admin: User) -> None:
    cal = services.calendar_save(
        actor=admin,
        calendar=None,
        name="Toko (WITA)",
        time_zone="Asia/Makassar",
        around_the_clock=False,
        national_holidays=True,
        periods=[
            PeriodIn(0, time(8), time(12)),
            PeriodIn(0, time(13), time(17)),
        ],
    )
    assert list(
        WorkingPeriod.objects.filter(calendar=cal).values_list("start", "end").order_by("start")
    ) == [(time(8), time(12)), (time(13), time(17))]
    policy = SlaPolicy.objects.create(name="Toko", position=1, calendar=cal)
    SlaTarget.objects.create(
        policy=policy,
        priority=3,
        first_response_minutes=240,
        next_response_minutes=60,
        resolution_minutes=480,
    )
    # Monday 2026-03-02 11:00 WITA (03:00 UTC): one hour before the break, three after it
    due = book.current().due(start=datetime(2026, 3, 2, 3, 0, tzinfo=UTC), channel="x", priority=3)
    assert due.first_response == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 16:00 WITA
    (event,) = _settings_events()
    assert event.data["after"]["periods"] == ["0 08:00-12:00", "0 13:00-17:00"]


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        (
            [PeriodIn(0, time(8), time(12)), PeriodIn(0, time(11), time(13))],
            "Senin: 08:00–12:00 bertumpuk dengan 11:00–13:00.",
        ),
        (
            [PeriodIn(4, time(17), time(8))],
            "Jumat: jam selesai 08:00 harus setelah jam mulai 17:00.",
        ),
        ([PeriodIn(2, time(9), time(9))], "Rabu: jam selesai 09:00 harus setelah jam mulai 09:00."),
        ([], "Isi jam kerja untuk sedikitnya satu hari, atau pilih 24 jam."),
    ],
)
def test_bad_hours_are_refused_and_the_old_hours_kept(
    admin: User, office: BusinessCalendar, periods: list[PeriodIn], message: str
) -> None:
    had = list(WorkingPeriod.objects.filter(calendar=office).values_list("weekday", "start"))
    with pytest.raises(ValidationFailed) as caught:
        services.calendar_save(
            actor=admin,
            calendar=office,
            name="Diubah",
            time_zone="Asia/Jakarta",
            around_the_clock=False,
            national_holidays=True,
            periods=periods,
        )
    assert caught.value.fields["periods"] == [message]
    office.refresh_from_db()
    assert office.name == "Jam kantor (WIB)"
    assert (
        list(WorkingPeriod.objects.filter(calendar=office).values_list("weekday", "start")) == had
    )
    assert _settings_events() == []


def test_a_supervisor_may_not_change_a_calendar(
    supervisor: User, team: Team, office: BusinessCalendar
) -> None:
    with pytest.raises(PermissionDenied):
        services.calendar_save(
            actor=supervisor,
            calendar=office,
            name="X",
            time_zone="Asia/Jakarta",
            around_the_clock=True,
            national_holidays=False,
            periods=[],
        )


# --- special periods (Ramadan hours) --------------------------------------------------------


def test_ramadan_hours_replace_the_week_in_their_date_range(
    admin: User, office: BusinessCalendar
) -> None:
    services.special_period_save(
        actor=admin,
        calendar=office,
        special=None,
        name="Ramadan 1448 H",
        start_date=date(2027, 2, 8),
        end_date=date(2027, 3, 9),
        hours=[PeriodIn(d, time(8), time(15)) for d in range(5)],
    )
    cal = book.current().calendar_for(SlaPolicy.objects.get(name="Email, portal dan lainnya").pk)
    assert cal is not None
    assert cal.periods_on(date(2027, 2, 8)) == ((8 * 60, 15 * 60),)  # Monday in Ramadan
    assert cal.periods_on(date(2027, 2, 13)) == ()  # Saturday: no hours in Ramadan
    assert cal.periods_on(date(2027, 3, 22)) == ((8 * 60, 17 * 60),)  # a Monday after it
    # Monday 2027-02-08 14:00 WIB + 2 business hours: 15:00 the end of day, on to Tuesday 09:00
    due = cal.add(datetime(2027, 2, 8, 7, 0, tzinfo=UTC), 120)
    assert due == datetime(2027, 2, 9, 2, 0, tzinfo=UTC)
    (event,) = _settings_events()
    assert event.data["after"]["start_date"] == "2027-02-08"


def test_special_periods_must_not_overlap_nor_end_before_they_start(
    admin: User, office: BusinessCalendar
) -> None:
    services.special_period_save(
        actor=admin,
        calendar=office,
        special=None,
        name="Ramadan",
        start_date=date(2027, 2, 8),
        end_date=date(2027, 3, 9),
        hours=[PeriodIn(0, time(8), time(15))],
    )
    with pytest.raises(ValidationFailed) as caught:
        services.special_period_save(
            actor=admin,
            calendar=office,
            special=None,
            name="Stok opname",
            start_date=date(2027, 3, 1),
            end_date=date(2027, 3, 20),
            hours=[PeriodIn(0, time(8), time(12))],
        )
    assert caught.value.fields["start_date"] == [
        "Bertumpuk dengan periode khusus “Ramadan” (08-02-2027 s.d. 09-03-2027)."
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.special_period_save(
            actor=admin,
            calendar=office,
            special=None,
            name="Terbalik",
            start_date=date(2027, 5, 10),
            end_date=date(2027, 5, 1),
            hours=[PeriodIn(0, time(13), time(8))],
        )
    assert caught.value.fields["end_date"] == [
        "Tanggal selesai 01-05-2027 sebelum tanggal mulai 10-05-2027."
    ]
    assert caught.value.fields["hours"] == [
        "Senin: jam selesai 08:00 harus setelah jam mulai 13:00."
    ]
    assert SpecialPeriod.objects.count() == 1
    assert SpecialHours.objects.count() == 1


# --- holidays ---------------------------------------------------------------------------------


def test_company_days_and_national_holidays(admin: User, office: BusinessCalendar) -> None:
    services.holiday_add(
        actor=admin, day=date(2026, 6, 1), name="Ulang tahun toko", calendar=office
    )
    with pytest.raises(ValidationFailed) as caught:
        services.holiday_add(
            actor=admin, day=date(2026, 8, 17), name="Libur sendiri", calendar=None
        )
    assert caught.value.fields["date"] == [
        "17-08-2026 sudah hari libur: Hari Kemerdekaan Republik Indonesia."
    ]
    assert date(2026, 6, 1) in book.current().policies[-1].calendar.holidays
    added = services.holidays_import(actor=admin, years=[2028])
    assert added > 10
    assert Holiday.objects.filter(date=date(2028, 8, 17), kind="national").exists()
    assert services.holidays_import(actor=admin, years=[2028]) == 0  # nothing twice
    details = [e.detail for e in _settings_events()]
    assert details == [
        "hari libur “Ulang tahun toko” ditambahkan",
        f"{added} hari libur nasional 2028 ditambahkan",
    ]
    with pytest.raises(ValidationFailed):
        services.holidays_import(actor=admin, years=[1900])


def test_the_category_condition_is_matched_by_the_engine(
    admin: User, office: BusinessCalendar
) -> None:
    services.policy_save(
        actor=admin,
        policy=None,
        name="Sikap petugas",
        calendar=BusinessCalendar.objects.get(name="24 jam"),
        team=None,
        categories=["attitudinal"],
        targets=[TargetIn(3, 7, 60, 120)],
    )
    policy = SlaPolicy.objects.get(name="Sikap petugas")
    services.policy_move(actor=admin, policy=policy, up=True)
    for _ in range(4):
        services.policy_move(actor=admin, policy=policy, up=True)
    b = book.current()
    kw = {"severity": "", "kind": "complaint", "tier": "regular", "team_id": None}
    assert b.policy_for(channel="email", priority=3, category="attitudinal", **kw).name == (
        "Sikap petugas"
    )
    assert b.policy_for(channel="email", priority=3, category="service", **kw).name == (
        "Email, portal dan lainnya"
    )


def test_an_estimated_holiday_is_corrected_by_hand(admin: User, office: BusinessCalendar) -> None:
    # the decree moves a day: the estimate is deleted and the decreed day added as national
    estimate = Holiday.objects.filter(calendar=None, kind="national", date__year=2027).first()
    assert estimate is not None
    services.holiday_delete(actor=admin, holiday=estimate)
    decreed = services.holiday_add(
        actor=admin, day=date(2027, 12, 30), name=estimate.name, calendar=None, kind="national"
    )
    assert (decreed.kind, decreed.calendar_id) == ("national", None)
    assert date(2027, 12, 30) in book.current().policies[-1].calendar.holidays
    with pytest.raises(ValidationFailed) as caught:
        services.holiday_add(
            actor=admin, day=date(2027, 12, 29), name="X", calendar=office, kind="national"
        )
    assert caught.value.fields["calendar"] == [
        "Libur nasional dan cuti bersama berlaku untuk semua kalender: kosongkan kalender."
    ]
    details = [e.detail for e in _settings_events()]
    assert details == [
        f"hari libur “{estimate.name}” dihapus",
        f"hari libur “{estimate.name}” ditambahkan",
    ]
