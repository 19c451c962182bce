"""Outgoing webhooks on the settings page (``/settings/webhooks/``, admins): add, change,
new secret, test delivery, delete; refusals named with nothing saved; audited with the
secret never in the record; 403 for agents and supervisors; a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, User
from sigap.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db
LIST = "/settings/webhooks/"
NEW = "/settings/webhooks/new/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_get_403_and_nothing_changes(
    who: str, request: pytest.FixtureRequest
) -> None:
    hook = Webhook.objects.create(name="CRM", url="https://crm.contoh.id/hook")
    c = logged(request.getfixturevalue(who))
    for url in (LIST, NEW, f"{LIST}{hook.pk}/"):
        assert c.get(url).status_code == 403
    assert c.post(NEW, {"name": "X", "url": "https://x.id/"}).status_code == 403
    assert c.post(f"{LIST}{hook.pk}/", {"action": "delete"}).status_code == 403
    assert list(Webhook.objects.values_list("name", flat=True)) == ["CRM"]
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_an_admin_adds_changes_tests_rotates_and_deletes_a_webhook(admin: User) -> None:
    c = logged(admin)
    response = c.post(
        NEW,
        {
            "name": "CRM",
            "url": "https://crm.contoh.id/hook",
            "events": ["status_changed", "customer.created"],
            "active": "on",
        },
    )
    hook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{hook.pk}/"
    assert (hook.events, hook.active) == (["customer.created", "status_changed"], True)
    page = c.get(f"{LIST}{hook.pk}/").content.decode()
    assert hook.secret in page and "customer.created" in page
    assert "CRM" in c.get(LIST).content.decode()

    c.post(f"{LIST}{hook.pk}/", {"name": "CRM 2", "url": hook.url, "active": ""})
    hook.refresh_from_db()
    assert (hook.name, hook.events, hook.active) == ("CRM 2", [], False)
    # a switched-off webhook is not tested
    refused = c.post(f"{LIST}{hook.pk}/", {"action": "test"})
    assert refused.status_code == 422 and "tidak aktif" in refused.content.decode()
    assert not WebhookDelivery.objects.exists()
    c.post(f"{LIST}{hook.pk}/", {"name": "CRM 2", "url": hook.url, "active": "on"})
    assert c.post(f"{LIST}{hook.pk}/", {"action": "test"}).status_code == 302
    assert WebhookDelivery.objects.get().event == "ping"

    old = hook.secret
    c.post(f"{LIST}{hook.pk}/", {"action": "rotate"})
    hook.refresh_from_db()
    assert hook.secret != old
    assert c.post(f"{LIST}{hook.pk}/", {"action": "delete"}).status_code == 302
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()

    details = list(
        SecurityEvent.objects.filter(kind="settings_changed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert len(details) == 5  # added, changed, switched on, new secret, deleted
    assert "dibuat" in details[0] and "diubah" in details[1] and "dihapus" in details[4]
    assert "name: CRM → CRM 2" in details[1] and "active: True → False" in details[1]
    assert not any(old in d or hook.secret in d for d in details)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"name": ""}, "Nama wajib diisi."),
        ({"url": "crm.contoh.id"}, "Alamat harus URL lengkap"),
        ({"url": "ftp://crm.contoh.id/"}, "Alamat harus URL lengkap"),
        ({"events": ["tiket_hilang"]}, "Peristiwa tidak dikenal: tiket_hilang."),
    ],
)
def test_a_refused_webhook_names_the_fault_and_saves_nothing(
    admin: User, typed: dict[str, Any], message: str
) -> None:
    data = {"name": "CRM", "url": "https://crm.contoh.id/hook", "active": "on", **typed}
    response = logged(admin).post(NEW, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Webhook.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_the_pages_read_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        Webhook.objects.create(name=f"H{n}", url=f"https://h{n}.contoh.id/")
    hook = Webhook.objects.first()
    assert hook is not None
    c = logged(admin)
    c.get(LIST)
    with django_assert_max_num_queries(5):
        assert c.get(LIST).status_code == 200
    with django_assert_max_num_queries(6):
        assert c.get(f"{LIST}{hook.pk}/").status_code == 200
