"""The reports' metric targets on the settings page (``/settings/targets/``, admins):
overrides saved and used by the KPI report, an empty value back to the default, each
wrong value named with nothing saved, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, Team, User
from sigap.metrics import reports
from sigap.metrics.models import MetricTarget

pytestmark = pytest.mark.django_db
URL = "/settings/targets/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_admin_sets_targets_that_the_reports_use(admin: User) -> None:
    c = logged(admin)
    html = c.get(URL).content.decode()
    assert 'data-metric="csat"' in html and 'data-metric="volume"' not in html
    response = c.post(URL, {"csat": "85", "frt": "30,5", "sla": "90"})  # 90: the default
    assert response.status_code == 302
    assert dict(MetricTarget.objects.values_list("metric", "target")) == {
        "csat": 85,
        "frt": 30.5,
    }
    goal = reports.targets()
    assert (goal["csat"], goal["frt"], goal["sla"]) == (85, 30.5, 90)
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "metric_targets"
    assert event.data["after"] == {"csat": 85.0, "frt": 30.5}
    assert 'value="30.5"' in c.get(URL).content.decode()
    # emptied: back to the default
    assert c.post(URL, {"csat": "85", "frt": ""}).status_code == 302
    assert dict(MetricTarget.objects.values_list("metric", "target")) == {"csat": 85}
    assert reports.targets()["frt"] == 60


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"csat": "120"}, "Target harus antara 0 dan 100."),
        ({"nps": "-150"}, "Target harus antara -100 dan 100."),
        ({"frt": "0"}, "Target harus lebih dari 0"),
        ({"backlog": "-3"}, "Target harus 0 atau lebih."),
        ({"aht": "sepuluh"}, "Isi angka, misalnya 90 atau 12,5."),
        ({"aht": "nan"}, "Isi angka, misalnya 90 atau 12,5."),
    ],
)
def test_a_wrong_target_is_named_and_nothing_is_saved(
    admin: User, typed: dict[str, str], message: str
) -> None:
    MetricTarget.objects.create(metric="sla", target=80)
    response = logged(admin).post(URL, {"csat": "85", **typed})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'data-metric="{next(iter(typed))}" class="has-error"' in html
    assert dict(MetricTarget.objects.values_list("metric", "target")) == {"sla": 80}
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_set_the_business_targets(who: str, request: pytest.FixtureRequest) -> None:
    c = logged(request.getfixturevalue(who))
    assert c.post(URL, {"csat": "50"}).status_code == 403
    assert not MetricTarget.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_agent_opens_no_targets_page(agent: User, team: Team) -> None:
    c = logged(agent)
    assert c.get(URL).status_code == 403
    assert c.get(f"{URL}team/{team.pk}/").status_code == 403
    assert c.post(f"{URL}team/{team.pk}/", {"csat": "50"}).status_code == 403
    assert not MetricTarget.objects.exists()


def test_a_supervisor_sees_only_their_teams_and_no_business_form(
    supervisor: User, team: Team, other_team: Team
) -> None:
    html = logged(supervisor).get(URL).content.decode()
    assert 'id="form-targets"' not in html
    assert f'href="{URL}team/{team.pk}/"' in html
    assert f"team/{other_team.pk}/" not in html


def test_a_supervisor_sets_their_teams_targets_which_override_the_business(
    admin: User, supervisor: User, team: Team, other_team: Team
) -> None:
    logged(admin).post(URL, {"csat": "85", "frt": "30"})
    c = logged(supervisor)
    page = f"{URL}team/{team.pk}/"
    html = c.get(page).content.decode()
    assert "Target usaha" in html and 'name="csat"' in html
    # 30 equals the business's first response target: inherited, not stored
    response = c.post(page, {"csat": "70", "frt": "30", "sla": ""})
    assert response.status_code == 302
    assert dict(MetricTarget.objects.filter(team=team).values_list("metric", "target")) == {
        "csat": 70
    }
    assert (reports.targets(team.pk)["csat"], reports.targets(team.pk)["frt"]) == (70, 30)
    assert reports.targets(other_team.pk)["csat"] == 85  # the business's
    assert reports.targets()["csat"] == 85
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.actor_id == supervisor.pk
    assert f"“target metrik · {team.name}”" in event.detail
    assert event.data["object_id"] == team.pk
    assert event.data["after"] == {"csat": 70.0}
    # the business's targets stay as they were
    assert dict(MetricTarget.objects.filter(team__isnull=True).values_list("metric", "target")) == {
        "csat": 85,
        "frt": 30,
    }


def test_a_supervisor_cannot_change_another_teams_targets(
    supervisor: User, other_team: Team
) -> None:
    c = logged(supervisor)
    page = f"{URL}team/{other_team.pk}/"
    assert c.get(page).status_code == 403
    assert c.post(page, {"csat": "10"}).status_code == 403
    assert not MetricTarget.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_admin_sets_any_teams_targets_and_a_wrong_one_saves_none(
    admin: User, other_team: Team
) -> None:
    c = logged(admin)
    page = f"{URL}team/{other_team.pk}/"
    response = c.post(page, {"csat": "75", "sla": "101"})
    assert response.status_code == 422
    assert "Target harus antara 0 dan 100." in response.content.decode()
    assert not MetricTarget.objects.exists()
    assert c.post(page, {"csat": "75"}).status_code == 302
    assert MetricTarget.objects.get().team == other_team
    assert c.get(f"{URL}team/999999/").status_code == 404


def test_the_team_table_and_a_teams_report_judge_against_the_teams_own_target(
    admin: User, team: Team, other_team: Team
) -> None:
    from sigap.metrics import compute as m
    from sigap.metrics import targets

    targets.targets_save(actor=admin, typed={"csat": "90"})
    targets.targets_save(actor=admin, typed={"csat": "70"}, team=team)
    row = {"fcr": None, "frt": None, "aht": None, "sla": None, "small": []}
    judged = reports.judge_teams(
        [{**row, "team_id": team.pk, "csat": 80.0}, {**row, "team_id": other_team.pk, "csat": 80.0}]
    )
    assert [r["verdict"]["csat"] for r in judged] == ["met", "missed"]
    assert judged[0]["verdict"]["fcr"] == "none"
    small = reports.judge_teams([{**row, "team_id": team.pk, "csat": 10.0, "small": ["csat"]}])
    assert small[0]["verdict"]["csat"] == "none"  # too small a sample is never judged
    period = m.Filter(date(2026, 11, 1), date(2026, 11, 30), team_id=team.pk)
    csat_row = next(r for r in reports.kpi_rows(period) if r["metric"] == "csat")
    assert csat_row["target"] == 70
    business = m.Filter(date(2026, 11, 1), date(2026, 11, 30))
    assert next(r for r in reports.kpi_rows(business) if r["metric"] == "csat")["target"] == 90


def test_the_targets_page_reads_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    c.post(URL, {"csat": "85", "frt": "30", "aht": "8"})
    c.get(URL)
    with django_assert_max_num_queries(6):
        assert c.get(URL).status_code == 200


def test_a_teams_targets_page_reads_a_fixed_number_of_statements(
    supervisor: User, team: Team, django_assert_max_num_queries: Any
) -> None:
    c = logged(supervisor)
    page = f"{URL}team/{team.pk}/"
    c.post(page, {"csat": "85", "frt": "30", "aht": "8"})
    c.get(page)
    with django_assert_max_num_queries(8):
        assert c.get(page).status_code == 200
    with django_assert_max_num_queries(7):
        assert c.get(URL).status_code == 200
