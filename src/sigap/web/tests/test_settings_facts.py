"""The chatbot's required facts on the settings page (``/settings/chatbot-facts/``,
admins): add, change, delete, the "try it" box, refusals named with nothing saved, the
audit, 403 for agents and supervisors, and a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, User
from sigap.kb import bot, index
from sigap.kb.models import Category, RequiredFact

pytestmark = pytest.mark.django_db
LIST = "/settings/chatbot-facts/"
NEW = "/settings/chatbot-facts/new/"
ORDER = {
    "label": "nomor pesanan",
    "name": "order",
    "pattern": r"BLJ-\d{4}-\d{6}",
    "example": "BLJ-2026-104233",
    "active": "on",
}


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_get_403_and_nothing_is_saved(
    who: str, request: pytest.FixtureRequest
) -> None:
    c = logged(request.getfixturevalue(who))
    assert c.get(LIST).status_code == 403
    assert c.get(NEW).status_code == 403
    assert c.post(NEW, ORDER).status_code == 403
    assert not RequiredFact.objects.exists()


def test_an_admin_adds_a_fact_the_bot_uses_then_changes_and_deletes_it(admin: User) -> None:
    shipping = Category.objects.create(name="Pengiriman", slug="pengiriman")
    c = logged(admin)
    response = c.post(NEW, {**ORDER, "categories": [shipping.pk]})
    fact = RequiredFact.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{fact.pk}/"
    assert list(fact.categories.all()) == [shipping]
    (rule,) = bot.config_for(index.generation()).facts
    assert rule.find("pesanan saya BLJ-2026-104233 belum sampai") == "BLJ-2026-104233"
    assert "nomor pesanan" in c.get(LIST).content.decode()

    c.post(f"{LIST}{fact.pk}/", {**ORDER, "label": "nomor order", "active": ""})
    fact.refresh_from_db()
    assert (fact.label, fact.active, list(fact.categories.all())) == ("nomor order", False, [])
    assert bot.config_for(index.generation()).facts == ()
    assert c.post(f"{LIST}{fact.pk}/", {"action": "delete"}).status_code == 302
    assert not RequiredFact.objects.exists()
    details = list(
        SecurityEvent.objects.filter(kind="settings_changed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert len(details) == 3
    assert "dibuat" in details[0] and "label: nomor pesanan → nomor order" in details[1]
    assert "dihapus" in details[2]


def test_the_try_box_shows_what_the_bot_would_take_and_saves_nothing(admin: User) -> None:
    c = logged(admin)
    found = c.post(NEW, {**ORDER, "action": "try", "sample": "ini BLJ-2026-000001 ya"})
    assert found.status_code == 200
    assert "Chatbot mengambil: BLJ-2026-000001" in found.content.decode()
    none = c.post(NEW, {**ORDER, "action": "try", "sample": "tidak ada nomornya"})
    assert "Pola tidak menemukan apa pun dalam pesan ini." in none.content.decode()
    bad = c.post(NEW, {**ORDER, "pattern": "BLJ-(", "action": "try", "sample": "x"})
    assert bad.status_code == 422 and "Regex tidak valid" in bad.content.decode()
    assert not RequiredFact.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"pattern": "BLJ-("}, "Regex tidak valid"),
        ({"pattern": ""}, "Wajib diisi."),
        ({"example": "ABC-1"}, "Pola tidak menemukan apa pun dalam contoh ABC-1"),
        ({"name": "Nomor Pesanan"}, "Kode: huruf kecil, angka"),
        ({"label": ""}, "Nama fakta wajib diisi"),
        ({"name": "taken"}, "Kode taken sudah dipakai fakta lain."),
        # catastrophic backtracking: exponential time on a run of a's ending otherwise
        ({"pattern": r"(a+)+$", "example": "aaa"}, "pengulangan bertingkat"),
        ({"pattern": r"(\d|\d\d)+x", "example": "12x"}, "pengulangan bertingkat"),
    ],
)
def test_a_refused_fact_names_the_fault_and_saves_nothing(
    admin: User, typed: dict[str, str], message: str
) -> None:
    RequiredFact.objects.create(name="taken", label="Lain", pattern=r"\d+")
    response = logged(admin).post(NEW, {**ORDER, **typed})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(RequiredFact.objects.values_list("name", flat=True)) == ["taken"]
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_a_slow_pattern_saved_behind_the_pages_back_finds_nothing_in_bounded_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A pattern that the page would refuse, written into the table directly (the admin,
    an import, an older version): the bot's search of a hostile message stops at its time
    limit and finds nothing, instead of holding the worker; a sound message still works."""
    RequiredFact.objects.create(name="slow", label="Lambat", pattern=r"(a+)+$")
    (rule,) = bot.config_for(index.generation()).facts
    assert rule.find("a" * 5000 + "!") == ""
    assert "ran out of time" in caplog.text
    assert rule.find("aaaa") == "aaaa"


def test_the_pages_read_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    shipping = Category.objects.create(name="Pengiriman", slug="pengiriman")
    for n in range(3):
        fact = RequiredFact.objects.create(name=f"f{n}", label=f"F{n}", pattern=r"\d+")
        fact.categories.add(shipping)
    c = logged(admin)
    c.get(LIST)
    with django_assert_max_num_queries(6):
        assert c.get(LIST).status_code == 200
    with django_assert_max_num_queries(7):
        assert c.get(f"{LIST}{fact.pk}/").status_code == 200
