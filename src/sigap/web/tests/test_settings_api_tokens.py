"""API tokens on the settings page (``/settings/api-tokens/``, admins): made for a staff
account with the raw value shown once, refused with a precise message and nothing made,
revoked at once; audited; agents and supervisors get 403; a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts import services
from sigap.accounts.models import ApiToken, SecurityEvent, User

pytestmark = pytest.mark.django_db
URL = "/settings/api-tokens/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_get_403_and_nothing_is_made_or_revoked(
    who: str, request: pytest.FixtureRequest, admin: User
) -> None:
    services.token_create(user=admin, name="lama")
    token = ApiToken.objects.get()
    c = logged(request.getfixturevalue(who))
    assert c.get(URL).status_code == 403
    assert c.post(URL, {"name": "crm", "user": admin.pk}).status_code == 403
    assert c.post(f"{URL}{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_admin_makes_a_token_shown_once_that_works_then_revokes_it(
    admin: User, agent: User
) -> None:
    c = logged(admin)
    response = c.post(URL, {"name": "CRM gudang", "user": agent.pk})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    token = ApiToken.objects.get()
    raw = html.split('<code id="raw-token">')[1].split("</code>")[0]
    assert raw.startswith(token.prefix) and token.digest not in html
    assert (token.user, token.name) == (agent, "CRM gudang")
    assert services.token_authenticate(raw) == agent
    assert raw not in c.get(URL).content.decode()  # never shown again
    event = SecurityEvent.objects.filter(kind="settings_changed").latest("pk")
    assert event.data["what"] == "api_token" and event.data["action"] == "created"
    assert event.actor_id == admin.pk

    assert c.post(f"{URL}{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.token_authenticate(raw) is None
    assert SecurityEvent.objects.filter(kind="settings_changed").count() == 2
    # revoking again changes nothing and says so
    c.post(f"{URL}{token.pk}/revoke/")
    assert SecurityEvent.objects.filter(kind="settings_changed").count() == 2


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"name": " "}, "name", "Nama token wajib diisi"),
        ({"name": "x" * 101}, "name", "Nama terlalu panjang: 101 karakter, paling banyak 100."),
        ({"name": "crm", "user": ""}, "user", "Pilih akun staf yang aktif."),
        ({"name": "crm", "user": "customer"}, "user", "Pilih akun staf yang aktif."),
    ],
)
def test_a_refused_token_names_the_fault_and_makes_nothing(
    admin: User, customer_user: User, typed: dict[str, str], field: str, message: str
) -> None:
    data = {"user": str(admin.pk), **typed}
    if data["user"] == "customer":
        data["user"] = str(customer_user.pk)
    response = logged(admin).post(URL, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not SecurityEvent.objects.filter(kind__in=["settings_changed", "token_created"]).exists()


def test_the_page_reads_a_fixed_number_of_statements(
    admin: User, agent: User, supervisor: User, django_assert_max_num_queries: Any
) -> None:
    for user in (admin, agent, supervisor, agent):
        services.token_create(user=user, name="x")
    c = logged(admin)
    c.get(URL)
    with django_assert_max_num_queries(6):
        assert c.get(URL).status_code == 200
