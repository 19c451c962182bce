"""Tags on the settings page (``/settings/tags/``, admins): counts, rename, merge,
delete, the refusals with nothing changed, the audit, 403 for agents and supervisors, and
a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import SecurityEvent, User
from sigap.automations.models import Rule
from sigap.customers.models import Customer
from sigap.tickets import services, tag_settings
from sigap.tickets.models import CannedResponse, EventKind, Tag, Ticket, TimelineEvent
from sigap.tickets.services._common import _tag_objects
from sigap.web.models import SavedView

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


@pytest.fixture
def naming(agent: User, supervisor: User) -> dict[str, Any]:
    """What names "ongkos-kirim" (and, to be left alone, "ongkos-kirim-laut")."""

    def rule(name: str, tag: str) -> Rule:
        return Rule.objects.create(
            name=name,
            trigger="ticket_created",
            conditions={"keywords": ["ongkir"]},
            actions=[{"type": "set_priority", "value": 2}, {"type": "add_tag", "value": tag}],
        )

    return {
        "rule": rule("Ongkir", "ongkos-kirim"),
        "other_rule": rule("Laut", "ongkos-kirim-laut"),
        "view": SavedView.objects.create(
            owner=agent, name="Ongkir", query="status=open&tag=ongkos-kirim&tag=telat"
        ),
        "other_view": SavedView.objects.create(
            owner=supervisor, name="Laut", query="tag=ongkos-kirim-laut"
        ),
        "macro": CannedResponse.objects.create(
            title="Ongkir", body="Halo", add_tags="ongkos-kirim, vip"
        ),
    }


def _tag_events(ticket: Ticket) -> list[dict[str, Any]]:
    return list(
        TimelineEvent.objects.filter(ticket=ticket, kind=EventKind.TAGS_CHANGED)
        .order_by("pk")
        .values("old_value", "new_value", "data", "actor_id")
    )


def test_a_merge_rewrites_what_named_the_tag_and_tells_each_ticket(
    admin: User, tagged: list[Ticket], naming: dict[str, Any]
) -> None:
    first, second = tagged
    ongkos, into = Tag.objects.get(name="ongkos-kirim"), Tag.objects.get(name="ongkir")

    response = logged(admin).post(
        URL, {"tag": ongkos.pk, "action": "merge", "into": into.pk}, follow=True
    )

    page = response.content.decode()
    assert "Label ongkos-kirim digabungkan ke ongkir (1 tiket)." in page
    assert "Diperbarui: 1 aturan otomasi, 1 makro, 1 tampilan tersimpan." in page
    for key in ("rule", "other_rule", "view", "other_view", "macro"):
        naming[key].refresh_from_db()
    assert naming["rule"].actions == [
        {"type": "set_priority", "value": 2},
        {"type": "add_tag", "value": "ongkir"},
    ]
    assert naming["other_rule"].actions[1]["value"] == "ongkos-kirim-laut"
    assert naming["view"].query == "status=open&tag=ongkir&tag=telat"
    assert naming["other_view"].query == "tag=ongkos-kirim-laut"
    assert naming["macro"].add_tags == "ongkir, vip"
    # One entry on the ticket that carried it; none on the other.
    (event,) = _tag_events(second)
    assert (event["old_value"], event["new_value"], event["actor_id"]) == (
        ["ongkos-kirim"],
        ["ongkir"],
        admin.pk,
    )
    assert event["data"]["tag"] == {"from": "ongkos-kirim", "to": "ongkir", "merged": True}
    assert "digabungkan ke ongkir" in event["data"]["reason"]
    assert _tag_events(first) == []
    ticket_page = logged(admin).get(f"/tickets/{second.pk}/").content.decode()
    assert "Label ongkos-kirim digabungkan ke ongkir di pengaturan." in ticket_page
    # One audit entry, before → after, with what was rewritten.
    (audit,) = SecurityEvent.objects.filter(kind="settings_changed")
    assert "merged_into: None → ongkir" in audit.detail
    assert audit.data["after"]["automation_rules"] == 1
    assert audit.data["after"]["saved_views"] == 1 and audit.data["after"]["macros"] == 1


def test_a_rename_rewrites_what_named_the_tag(
    admin: User, tagged: list[Ticket], naming: dict[str, Any]
) -> None:
    ongkos = Tag.objects.get(name="ongkos-kirim")
    change = tag_settings.tag_rename(actor=admin, tag=ongkos, name="biaya-kirim")

    assert (change.name, change.tickets, change.rules) == ("biaya-kirim", 1, 3)
    naming["rule"].refresh_from_db()
    naming["view"].refresh_from_db()
    assert naming["rule"].actions[1] == {"type": "add_tag", "value": "biaya-kirim"}
    assert naming["view"].query == "status=open&tag=biaya-kirim&tag=telat"
    (event,) = _tag_events(tagged[1])
    assert event["data"]["tag"]["merged"] is False and event["new_value"] == ["biaya-kirim"]
    (audit,) = SecurityEvent.objects.filter(kind="settings_changed")
    assert "name: ongkos-kirim → biaya-kirim" in audit.detail


def test_nothing_naming_the_tag_is_said_so(admin: User, tagged: list[Ticket]) -> None:
    telat = Tag.objects.get(name="telat")
    response = logged(admin).post(
        URL, {"tag": telat.pk, "action": "rename", "name": "lambat"}, follow=True
    )
    page = response.content.decode()
    assert "Label diganti nama menjadi lambat (2 tiket)." in page
    assert "tidak ada aturan atau tampilan yang memakainya" in page
    assert all(len(_tag_events(t)) == 1 for t in tagged)


def test_a_merge_tells_every_ticket_in_a_fixed_number_of_statements(
    admin: User, agent: User, customer: Customer, tagged: list[Ticket], naming: dict[str, Any]
) -> None:
    """The timeline entries go in bulk: merging a tag on 2 tickets or on 14 costs the
    same statements."""

    def merge(extra: int) -> int:
        source = Tag.objects.create(name=f"asal-{extra}")
        into = Tag.objects.get(name="ongkir")
        for n in range(extra):
            t = services.ticket_create(
                actor=agent,
                customer=customer,
                kind="inquiry",
                channel="email",
                subject=f"Tiket {n}",
                description="…",
            )
            t.tags.add(source)
        for t in tagged:
            t.tags.add(source)
        with CaptureQueriesContext(connection) as queries:
            change = tag_settings.tag_merge(actor=admin, tag=source, into=into)
        assert change.tickets == extra + 2
        assert (
            TimelineEvent.objects.filter(
                kind=EventKind.TAGS_CHANGED, data__tag__from=source.name
            ).count()
            == extra + 2
        )
        return len(queries)

    assert merge(0) == merge(12)
