"""Tags on the settings page (``/settings/tags/``, admins): counts, rename, merge,
delete, the refusals with nothing changed, the audit, 403 for agents and supervisors, and
a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Tag, Ticket
from sigap.tickets.services._common import _tag_objects

pytestmark = pytest.mark.django_db
URL = "/settings/tags/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def tagged(ticket: Ticket, agent: User, customer: Customer) -> list[Ticket]:
    other = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Dua",
        description="Tiket kedua.",
    )
    Tag.objects.all().delete()  # the shared ticket's own tags: a world of three here
    ticket.tags.add(*_tag_objects(["ongkir", "telat"]))
    other.tags.add(*_tag_objects(["ongkos-kirim", "telat"]))
    return [ticket, other]


def names(ticket: Ticket) -> list[str]:
    return sorted(ticket.tags.values_list("name", flat=True))


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_get_403_and_nothing_changes(
    who: str, request: pytest.FixtureRequest, tagged: list[Ticket]
) -> None:
    c = logged(request.getfixturevalue(who))
    tag = Tag.objects.get(name="telat")
    assert c.get(URL).status_code == 403
    assert c.post(URL, {"tag": tag.pk, "action": "delete"}).status_code == 403
    assert Tag.objects.count() == 3
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_the_list_shows_each_tags_tickets(admin: User, tagged: list[Ticket]) -> None:
    html = logged(admin).get(URL).content.decode()
    row = html.split('data-tag="telat"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in row


def test_rename_merge_and_delete_are_applied_and_audited(admin: User, tagged: list[Ticket]) -> None:
    c = logged(admin)
    first, second = tagged
    ongkir = Tag.objects.get(name="ongkir")
    assert (
        c.post(URL, {"tag": ongkir.pk, "action": "rename", "name": "Biaya-Kirim"}).status_code
        == 302
    )
    assert names(first) == ["biaya-kirim", "telat"]
    ongkos = Tag.objects.get(name="ongkos-kirim")
    into = Tag.objects.get(name="biaya-kirim")
    assert c.post(URL, {"tag": ongkos.pk, "action": "merge", "into": into.pk}).status_code == 302
    assert names(second) == ["biaya-kirim", "telat"]
    assert not Tag.objects.filter(name="ongkos-kirim").exists()
    telat = Tag.objects.get(name="telat")
    assert c.post(URL, {"tag": telat.pk, "action": "delete"}).status_code == 302
    assert names(first) == names(second) == ["biaya-kirim"]
    details = list(
        SecurityEvent.objects.filter(kind="settings_changed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert len(details) == 3
    assert "name: ongkir → biaya-kirim" in details[0]
    assert "merged_into: None → biaya-kirim" in details[1]
    assert "tag “telat” dihapus" in details[2] and "tickets: 2" in details[2]


@pytest.mark.parametrize(
    ("action", "extra", "message"),
    [
        ("rename", {"name": "telat"}, "Label telat sudah ada. Untuk menyatukan keduanya"),
        ("rename", {"name": "ongkos kirim"}, "Nama label hanya huruf, angka"),
        ("rename", {"name": "  "}, "Nama label wajib diisi."),
        ("merge", {"into": ""}, "Pilih label lain sebagai tujuan penggabungan."),
        ("merge", {"into": "self"}, "Pilih label lain sebagai tujuan penggabungan."),
    ],
)
def test_a_refused_change_names_the_fault_and_changes_nothing(
    admin: User, tagged: list[Ticket], action: str, extra: dict[str, str], message: str
) -> None:
    tag = Tag.objects.get(name="ongkir")
    if extra.get("into") == "self":
        extra = {"into": str(tag.pk)}
    response = logged(admin).post(URL, {"tag": tag.pk, "action": action, **extra})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["ongkir", "ongkos-kirim", "telat"]
    assert names(tagged[0]) == ["ongkir", "telat"]
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_the_page_reads_a_fixed_number_of_statements(
    admin: User, tagged: list[Ticket], django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    c.get(URL)
    with django_assert_max_num_queries(5):
        assert c.get(URL).status_code == 200
