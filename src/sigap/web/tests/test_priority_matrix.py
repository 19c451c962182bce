"""The priority matrix on the settings page (``/settings/priority/``, admins): the shipped
matrix shown, a change used by triage for the next ticket, a wrong cell named with
nothing saved, a customer-kind row left alone, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, User
from sigap.customers.models import LoyaltyTier
from sigap.triage import priority
from sigap.triage.models import PriorityRule

pytestmark = pytest.mark.django_db
URL = "/settings/priority/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def grid(**changes: str) -> dict[str, str]:
    data = {f"{s or 'none'}_{t}": str(p) for (s, t), p in priority.matrix_cells().items()}
    return data | changes


def test_the_shipped_matrix_is_shown(admin: User) -> None:
    html = logged(admin).get(URL).content.decode()
    assert 'name="penting_gold"' in html and 'name="none_regular"' in html
    assert priority.matrix_cells()[("sederhana", "gold")] == 2  # one step up for Gold


def test_an_admin_changes_a_cell_and_triage_uses_it(admin: User) -> None:
    assert priority.priority_for("sederhana", "regular")[0] == 3
    PriorityRule.objects.create(
        severity="sederhana", tier="regular", customer_kind="intermediary", priority=2
    )
    response = logged(admin).post(URL, grid(sederhana_regular="4"))
    assert response.status_code == 302
    assert priority.priority_for("sederhana", "regular")[0] == 4
    # the row for one kind of customer is left as it was
    assert priority.priority_for("sederhana", "regular", "intermediary")[0] == 2
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "priority_matrix"
    assert (event.data["before"], event.data["after"]) == (
        {"sederhana×regular": 3},
        {"sederhana×regular": 4},
    )


def test_a_wrong_cell_is_named_and_nothing_is_saved(admin: User) -> None:
    before = priority.matrix_cells()
    rules = PriorityRule.objects.count()
    response = logged(admin).post(URL, grid(penting_gold="7", kompleks_silver="1"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Pilih P1, P2, P3 atau P4." in html
    assert "1 isian tidak valid" in html
    assert priority.matrix_cells() == before
    assert PriorityRule.objects.count() == rules
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_open_or_change_the_matrix(who: str, request: pytest.FixtureRequest) -> None:
    before = priority.matrix_cells()
    c = logged(request.getfixturevalue(who))
    assert c.get(URL).status_code == 403
    assert c.post(URL, grid(penting_regular="4")).status_code == 403
    assert priority.matrix_cells() == before
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_the_matrix_page_reads_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    c.get(URL)
    with django_assert_max_num_queries(6):
        assert c.get(URL).status_code == 200
    assert len(LoyaltyTier.values) * len(priority.SEVERITIES) == len(priority.matrix_cells())
