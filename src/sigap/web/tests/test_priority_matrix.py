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


def test_an_admin_sets_one_customer_kinds_exceptions_and_empties_one_again(admin: User) -> None:
    c = logged(admin)
    page = f"{URL}?jenis=internal"
    common = list(PriorityRule.objects.filter(customer_kind="").values_list())
    html = c.get(page).content.decode()
    assert "sama dengan umum (P3)" in html  # the common matrix's value, inherited
    empty = dict.fromkeys(grid(), "")
    response = c.post(page, {**empty, "sederhana_regular": "1"})
    assert response.status_code == 302 and response["Location"] == page
    assert list(
        PriorityRule.objects.filter(customer_kind="internal").values_list(
            "severity", "tier", "priority"
        )
    ) == [("sederhana", "regular", 1)]
    assert priority.priority_for("sederhana", "regular", "internal")[0] == 1
    assert priority.priority_for("sederhana", "regular", "external")[0] == 3
    assert list(PriorityRule.objects.filter(customer_kind="").values_list()) == common
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert "matriks prioritas · internal" in event.detail
    # emptied: the common matrix applies again
    assert c.post(page, empty).status_code == 302
    assert not PriorityRule.objects.filter(customer_kind="internal").exists()
    assert priority.priority_for("sederhana", "regular", "internal")[0] == 3


def test_a_wrong_kind_cell_saves_nothing_and_an_unknown_kind_is_404(admin: User) -> None:
    c = logged(admin)
    empty = dict.fromkeys(grid(), "")
    response = c.post(f"{URL}?jenis=external", {**empty, "penting_gold": "1", "none_gold": "P9"})
    assert response.status_code == 422
    assert "Pilih P1, P2, P3 atau P4." in response.content.decode()
    assert not PriorityRule.objects.exclude(customer_kind="").exists()
    assert c.get(f"{URL}?jenis=alien").status_code == 404


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_set_a_kinds_exceptions(who: str, request: pytest.FixtureRequest) -> None:
    c = logged(request.getfixturevalue(who))
    assert c.post(f"{URL}?jenis=internal", {"penting_gold": "1"}).status_code == 403
    assert not PriorityRule.objects.exclude(customer_kind="").exists()


def test_a_kinds_page_reads_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    c.get(f"{URL}?jenis=internal")
    with django_assert_max_num_queries(5):
        assert c.get(f"{URL}?jenis=internal").status_code == 200
