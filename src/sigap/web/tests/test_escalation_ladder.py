"""The escalation ladder's settings page (``/settings/sla/escalation/``, admins only):
levels edited in order as a whole, precise messages per level with nothing saved, the
escalation sweep climbing the saved ladder, the change audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, User
from sigap.sla.models import EscalationLevel
from sigap.tickets import escalation

pytestmark = pytest.mark.django_db
URL = "/settings/sla/escalation/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def ladder() -> list[tuple[Any, ...]]:
    return list(
        EscalationLevel.objects.order_by("level").values_list(
            "level", "name", "after_minutes", "audience", "user_id", "reassign", "active"
        )
    )


def post(rows: list[dict[str, Any]], initial: int | None = None) -> dict[str, Any]:
    """The formset's POST: ``rows`` in order (``initial`` of them are existing levels)."""
    data: dict[str, Any] = {
        "level-TOTAL_FORMS": len(rows),
        "level-INITIAL_FORMS": len(rows) if initial is None else initial,
        "level-MIN_NUM_FORMS": 0,
        "level-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"level-{i}-{key}"] = "on"
            elif value is not False and value is not None:
                data[f"level-{i}-{key}"] = value
    return data


def row(name: str, minutes: int, audience: str = "team_supervisor", **extra: Any) -> dict[str, Any]:
    return {"name": name, "after_minutes": minutes, "audience": audience, "active": True} | extra


def test_the_shipped_ladder_is_shown_in_order(admin: User) -> None:
    html = logged(admin).get(URL).content.decode()
    assert (
        html.index('data-level="1"') < html.index('data-level="2"') < html.index('data-level="3"')
    )  # two levels and a blank row
    assert ladder()[0][2] == 0 and ladder()[1][2] == 240


def test_an_admin_saves_three_levels_and_the_sweep_climbs_them(admin: User, agent: User) -> None:
    before = ladder()
    rows = [
        row("Supervisor tim", 0),
        row("Supervisor lain", 60, "supervisors"),
        row("Manajer", 240, "user", user=admin.pk, reassign=True),
    ]
    response = logged(admin).post(URL, post(rows, initial=2))
    assert response.status_code == 302, response.content.decode()
    assert ladder() == [
        (1, "Supervisor tim", 0, "team_supervisor", None, False, True),
        (2, "Supervisor lain", 60, "supervisors", None, False, True),
        (3, "Manajer", 240, "user", admin.pk, True, True),
    ]
    assert [s.level for s in escalation.chain()] == [1, 2, 3]
    assert escalation.next_step(2).name == "Manajer"  # type: ignore[union-attr]
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "escalation_ladder"
    assert len(event.data["before"]["levels"]) == len(before)
    assert len(event.data["after"]["levels"]) == 3


def test_a_level_is_removed_and_the_rest_renumbered(admin: User) -> None:
    rows = [row("Supervisor tim", 0, DELETE=True), row("Manajemen", 0, "management")]
    assert logged(admin).post(URL, post(rows)).status_code == 302
    assert ladder() == [(1, "Manajemen", 0, "management", None, False, True)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([row("Satu", 30)], "Tingkat 1 selalu pada saat tenggat terlampaui"),
        ([row("Satu", 0), row("Dua", 0)], "Harus lebih lama dari tingkat 1 (0 menit)"),
        ([row("Satu", 0), row("Dua", 120, "user")], "Pilih petugas aktif"),
        (
            [row("Satu", 0), row("Dua", 60, "management", reassign=True)],
            "Tiket hanya dapat dialihkan bila eskalasi ditujukan ke satu orang",
        ),
        ([row("Satu", 0), row("Dua", 99_999_999)], "0 sampai 43200"),
    ],
)
def test_a_wrong_ladder_is_refused_precisely_and_nothing_is_saved(
    admin: User, rows: list[dict[str, Any]], message: str
) -> None:
    before = ladder()
    response = logged(admin).post(URL, post(rows))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ladder() == before
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_inactive_colleague_cannot_receive_escalations(admin: User, agent: User) -> None:
    agent.is_active = False
    agent.save()
    before = ladder()
    rows = [row("Satu", 0, "user", user=agent.pk)]
    response = logged(admin).post(URL, post(rows))
    assert response.status_code == 422
    assert ladder() == before


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_open_or_change_the_ladder(
    who: str, request: pytest.FixtureRequest, team: Any
) -> None:
    before = ladder()
    c = logged(request.getfixturevalue(who))
    assert c.get(URL).status_code == 403
    assert c.post(URL, post([row("Satu", 0)])).status_code == 403
    assert ladder() == before
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_the_ladder_page_reads_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    rows = [row(f"Tingkat {i}", i * 30) for i in range(8)]
    assert c.post(URL, post(rows, initial=2)).status_code == 302
    c.get(URL)
    with django_assert_max_num_queries(8):
        assert c.get(URL).status_code == 200


def test_the_ladder_page_in_english(admin: User) -> None:
    c = logged(admin)
    c.cookies["django_language"] = "en"
    html = c.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Escalation ladder" in html
