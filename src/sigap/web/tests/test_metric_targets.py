"""The reports' metric targets on the settings page (``/settings/targets/``, admins):
overrides saved and used by the KPI report, an empty value back to the default, each
wrong value named with nothing saved, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, User
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
def test_only_admins_open_or_set_targets(who: str, request: pytest.FixtureRequest) -> None:
    c = logged(request.getfixturevalue(who))
    assert c.get(URL).status_code == 403
    assert c.post(URL, {"csat": "50"}).status_code == 403
    assert not MetricTarget.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_the_targets_page_reads_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    c.post(URL, {"csat": "85", "frt": "30", "aht": "8"})
    c.get(URL)
    with django_assert_max_num_queries(6):
        assert c.get(URL).status_code == 200
