"""The API's single ticket in one statement (``selectors.ticket_read``) answers what the
ORM's ``ticket_detail_for`` answers, for the same rows and the same readers, and the hot
API reads send their dicts as they are: byte for byte what validating them through their
schema would send (``core.apiutil.json_response``)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder
from pydantic import TypeAdapter

from sigap.accounts.models import Team, User
from sigap.core.errors import NotFound
from sigap.customers.models import Customer
from sigap.customers.services import customer_create
from sigap.tickets import services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Status, Ticket
from sigap.tickets.schemas import (
    TicketOutAny,
    TicketPageAny,
    customer_ticket_dict,
    customer_ticket_list_dict,
    ticket_dict,
    ticket_list_dict,
)
from sigap.tickets.selectors import (
    TicketFilters,
    messages_for,
    messages_read,
    page_by_statement,
    tag_names,
    ticket_detail_for,
    ticket_list_for,
    ticket_page,
    ticket_read,
    timeline_for,
    timeline_page,
)
from tests.api_client import Api

READERS = [
    "admin",
    "supervisor",
    "agent",
    "outsider_agent",
    "customer_user",
    "other_customer_user",
]


def orm(user: User, pk: int) -> dict[str, Any] | None:
    try:
        t = ticket_detail_for(user=user, ticket_id=pk)
    except NotFound:
        return None
    return customer_ticket_dict(t) if user.is_customer else ticket_dict(t)


def one_statement(user: User, pk: int) -> dict[str, Any] | None:
    try:
        found = ticket_read(user=user, ticket_id=pk)
    except NotFound:
        return None
    if user.is_customer:
        assert found.tags is None
        return customer_ticket_dict(found.ticket, contacts=found.contacts)
    return ticket_dict(found.ticket, tags=found.tags, contacts=found.contacts)


@pytest.fixture
def world(
    agent: User,
    outsider_agent: User,
    team: Team,
    other_team: Team,
    customer: Customer,
    other_customer: Customer,
    ticket: Ticket,
    other_ticket: Ticket,
) -> dict[str, Ticket]:
    """Tickets of every shape: in the agent's team (tags, assignee), in another team, in
    the triage queue (no team, no assignee), assigned to the agent in another team, merged
    and resolved with every date set, and of a customer with no contacts."""
    triage = services.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="Jam buka toko",
        description="Jam berapa toko buka hari Minggu?",
    )
    lent = services.ticket_create(
        actor=outsider_agent,
        customer=other_customer,
        kind="complaint",
        channel="email",
        subject="Dana belum kembali",
        description="Pengembalian dana belum masuk.",
        team=other_team,
        tags=["refund", "dana", "Zebra"],
    )
    Ticket.objects.filter(pk=lent.pk).update(assignee=agent)
    now = timezone.now()
    Ticket.objects.filter(pk=triage.pk).update(
        status=Status.RESOLVED,
        merged_into=ticket,
        facts="Toko tutup hari Minggu.",
        resolution_reason="Dijawab.",
        first_responded_at=now - timedelta(hours=2, microseconds=123),
        resolved_at=now,
        closed_at=now + timedelta(minutes=1),
    )
    bare = customer_create(name="Tanpa Kontak")
    lonely = services.ticket_create(
        actor=agent,
        customer=bare,
        kind="inquiry",
        channel="phone",
        subject="Telepon",
        description="Menelepon tanpa kontak tercatat.",
        team=team,
    )
    return {
        "ticket": ticket,
        "other": other_ticket,
        "triage": triage,
        "lent": lent,
        "lonely": lonely,
    }


# Who sees what, by the rules of ``access``: admins and supervisors everything; an agent
# their team's, their own and the triage queue; a customer their own.
VISIBLE = {
    "admin": {"ticket", "other", "triage", "lent", "lonely"},
    "supervisor": {"ticket", "other", "triage", "lent", "lonely"},
    "agent": {"ticket", "triage", "lent", "lonely"},
    "outsider_agent": {"other", "triage", "lent"},
    "customer_user": {"ticket", "triage"},
    "other_customer_user": {"other", "lent"},
}


@pytest.mark.parametrize("reader", READERS)
def test_the_one_statement_read_answers_as_the_orm(
    request: pytest.FixtureRequest,
    world: dict[str, Ticket],
    reader: str,
    django_assert_num_queries: Any,
) -> None:
    user = request.getfixturevalue(reader)
    seen = set()
    for name, t in world.items():
        expected = orm(user, t.pk)
        with django_assert_num_queries(1):
            got = one_statement(user, t.pk)
        assert got == expected, name
        if got is not None:
            seen.add(name)

    assert seen == VISIBLE[reader]


def test_what_it_reads_is_what_was_written(
    admin: User, customer_user: User, world: dict[str, Ticket]
) -> None:
    lent = one_statement(admin, world["lent"].pk)
    triage = one_statement(customer_user, world["triage"].pk)

    assert lent is not None and triage is not None
    assert lent["tags"] == ["dana", "refund", "zebra"]  # stored in lower case
    assert lent["assignee"] == {"id": world["ticket"].assignee_id, "name": "Rina"}
    assert lent["customer_detail"]["contacts"] == [{"kind": "email", "value": "siti@contoh.id"}]
    assert triage["merged_into"] == {
        "id": world["ticket"].pk,
        "reference": world["ticket"].reference,
    }
    assert triage["status"] == "resolved"
    assert "tags" not in triage and "facts" not in triage  # staff-only fields
    contacts = one_statement(admin, world["ticket"].pk)["customer_detail"]["contacts"]  # type: ignore[index]
    assert contacts == [
        {"kind": "email", "value": "budi@contoh.id"},
        {"kind": "phone", "value": "+6281234567890"},
    ]


@pytest.mark.parametrize("pk", [0, -1, 10**6, 2**63, 2**70])
def test_no_ticket_by_that_id_is_not_found(admin: User, ticket: Ticket, pk: int) -> None:
    with pytest.raises(NotFound):
        ticket_read(user=admin, ticket_id=pk)


def test_an_inactive_account_sees_nothing(agent: User, ticket: Ticket) -> None:
    agent.is_active = False
    agent.save()

    with pytest.raises(NotFound):
        ticket_read(user=agent, ticket_id=ticket.pk)


# --- the JSON sent as built -------------------------------------------------------------


def through_schema(schema: Any, data: Any) -> bytes:
    """What ninja sends for ``data`` when it validates it against ``schema`` first."""
    adapter = TypeAdapter(schema)
    return json.dumps(
        adapter.dump_python(adapter.validate_python(data)), cls=NinjaJSONEncoder
    ).encode()


@pytest.mark.parametrize("reader", ["admin", "customer_user"])
def test_the_single_ticket_is_sent_as_its_schema_would_send_it(
    request: pytest.FixtureRequest, world: dict[str, Ticket], reader: str
) -> None:
    user = request.getfixturevalue(reader)
    for name in ("ticket", "triage"):
        response = Api(user).get(f"/tickets/{world[name].pk}")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.content == through_schema(TicketOutAny, orm(user, world[name].pk))


@pytest.mark.parametrize(("reader", "limit"), [("agent", 3), ("customer_user", 1)])
def test_the_list_is_sent_as_its_schema_would_send_it(
    request: pytest.FixtureRequest, world: dict[str, Ticket], reader: str, limit: int
) -> None:
    """A page short of the end (a cursor follows); the agent's holds a ticket with tags."""
    user = request.getfixturevalue(reader)
    as_dict = customer_ticket_list_dict if user.is_customer else ticket_list_dict
    rows = list(ticket_list_for(user=user).order_by("-pk")[:limit])
    page = {"items": [as_dict(t) for t in rows], "next_cursor": None}

    response = Api(user).get("/tickets", limit=limit)

    assert response.status_code == 200
    body = response.json()
    page["next_cursor"] = body["next_cursor"]
    assert body["next_cursor"] is not None
    assert response.content == through_schema(TicketPageAny, page)
    if not user.is_customer:
        assert ["dana", "refund", "zebra"] in [item["tags"] for item in body["items"]]


def test_a_created_ticket_is_sent_as_its_schema_would_send_it(
    admin: User, customer: Customer
) -> None:
    response = Api(admin).post(
        "/tickets",
        {
            "customer_id": customer.pk,
            "kind": "complaint",
            "channel": "email",
            "subject": "Barang rusak",
            "description": "Barang datang pecah.",
            "tags": ["rusak"],
        },
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert response.status_code == 201, response.content
    assert response.content == through_schema(TicketOutAny, orm(admin, response.json()["id"]))


# --- the list's page in one statement (``selectors.ticket_page``) ------------------------

FILTERS: list[dict[str, Any]] = [
    {},
    {"status": ["new"]},
    {"status": ["new", "resolved"], "channel": ["email"]},
    {"kind": ["inquiry"]},
    {"priority": [1, 2, 3, 4], "severity": ["", "sederhana"]},
    {"category": [""]},
    {"unassigned": True},
    {"status": ["no-such-status"]},
]


def orm_page(user: User, filters: TicketFilters, before: int | None, limit: int) -> list[Any]:
    qs = ticket_list_for(user=user, filters=filters, tags=False).order_by("-pk")
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[:limit])
    names = {} if user.is_customer else tag_names([t.pk for t in rows])
    if user.is_customer:
        return [customer_ticket_list_dict(t) for t in rows]
    return [ticket_list_dict(t, tags=names.get(t.pk, [])) for t in rows]


def statement_page(user: User, filters: TicketFilters, before: int | None, limit: int) -> list[Any]:
    found = ticket_page(user=user, filters=filters, before=before, limit=limit)
    if user.is_customer:
        assert all(tags is None for _, tags in found)
        return [customer_ticket_list_dict(t) for t, _ in found]
    return [ticket_list_dict(t, tags=tags or []) for t, tags in found]


@pytest.mark.parametrize("reader", READERS)
def test_the_one_statement_page_answers_as_the_orm(
    request: pytest.FixtureRequest,
    world: dict[str, Ticket],
    team: Team,
    agent: User,
    customer: Customer,
    reader: str,
    django_assert_num_queries: Any,
) -> None:
    """Every reader, filters of every kind (and by team, assignee and customer), every
    page of two walked down by its last id, and a page of everything."""
    user = request.getfixturevalue(reader)
    cases = [
        *FILTERS,
        {"team": [team.pk]},
        {"assignee": [agent.pk], "team": [team.pk, world["other"].team_id]},
        {"customer": customer.pk},
        {"brand": ["utama"]},  # the default brand: rows without one too
        {"brand": ["utama", "no-such-brand"], "status": ["new"]},
        {"brand": ["no-such-brand"]},
    ]
    seen: set[int] = set()
    for given in cases:
        filters = TicketFilters(**given)
        before = None
        while True:
            expected = orm_page(user, filters, before, 2)
            with django_assert_num_queries(1):
                got = statement_page(user, filters, before, 2)
            assert got == expected, (given, before)
            seen.update(item["id"] for item in got)
            if len(got) < 2:
                break
            before = got[-1]["id"]
        assert statement_page(user, filters, None, 100) == orm_page(user, filters, None, 100)
    assert {name for name, t in world.items() if t.pk in seen} == VISIBLE[reader]


@pytest.mark.parametrize("before", [0, -1, -(2**63), -(2**70), 2**63, 2**70])
def test_a_cursor_beyond_every_id_reads_as_the_orm_does(
    admin: User, world: dict[str, Ticket], before: int
) -> None:
    filters = TicketFilters()
    assert statement_page(admin, filters, before, 10) == orm_page(admin, filters, before, 10)


def test_a_tag_or_a_search_is_not_the_statements(admin: User) -> None:
    assert not page_by_statement(TicketFilters(tag=["refund"]))
    assert not page_by_statement(TicketFilters(q="refund"))
    assert page_by_statement(TicketFilters(q="  ", status=["new"]))
    with pytest.raises(ValueError):
        ticket_page(user=admin, filters=TicketFilters(q="refund"), before=None, limit=5)


def test_an_inactive_account_lists_nothing(agent: User, ticket: Ticket) -> None:
    agent.is_active = False
    agent.save()

    assert ticket_page(user=agent, filters=TicketFilters(), before=None, limit=5) == []


def test_the_page_holds_model_instances_as_the_orm_makes_them(
    admin: User, world: dict[str, Ticket]
) -> None:
    """Made without ``__init__`` (``selectors._instances``): loaded, not new, from the
    default database, the fields a row does not show deferred and read when asked for."""
    page = ticket_page(user=admin, filters=TicketFilters(), before=None, limit=10)
    found = {t.pk: t for t, _ in page}
    lent = found[world["lent"].pk]
    stored = Ticket.objects.get(pk=lent.pk)

    assert lent == stored and not lent._state.adding and lent._state.db == "default"
    assert "description" in lent.get_deferred_fields()
    assert "status" not in lent.get_deferred_fields()
    assert lent.description == stored.description  # read from the database on access
    assert lent.assignee is not None and lent.assignee.pk == stored.assignee_id
    assert lent.customer.name == stored.customer.name
    assert found[world["triage"].pk].team is None
    lent.status = Status.IN_PROGRESS
    lent.save(update_fields=["status"])
    assert Ticket.objects.get(pk=lent.pk).status == Status.IN_PROGRESS


def _messages_as_read(messages: list[Any]) -> list[tuple[Any, ...]]:
    """What the ticket page uses of each message: its fields, its author and attachments."""
    return [
        (
            *(getattr(m, f.attname) for f in m._meta.concrete_fields),
            None if m.author is None else (m.author.pk, m.author.get_full_name(), m.author.role),
            [(a.pk, a.filename, a.size) for a in m.attachments.all()],
        )
        for m in messages
    ]


@pytest.mark.parametrize("reader", ["agent", "customer_user"])
def test_the_ticket_pages_messages_read_as_the_orm_does(
    request: pytest.FixtureRequest, ticket: Ticket, reader: str, django_assert_num_queries: Any
) -> None:
    """``messages_read`` (one statement, with the authors; the attachments as the ORM
    reads them) answers what ``messages_for`` answers: notes left out for a customer."""
    agent = request.getfixturevalue("agent")
    services.message_add(actor=agent, ticket=ticket, kind="note", body="Cek gudang Cakung")
    services.message_add(
        actor=agent,
        ticket=ticket,
        kind="reply",
        body="Resi terlampir.",
        uploads=[Upload("resi.txt", b"BLJ-2026-104233")],
    )
    services.message_add(actor=None, ticket=ticket, kind="inbound", body="Terima kasih!")
    user = request.getfixturevalue(reader)
    expected = _messages_as_read(list(messages_for(user=user, ticket=ticket)))
    with django_assert_num_queries(2):  # the messages with their authors, the attachments
        got = messages_read(user=user, ticket=ticket)
    with django_assert_num_queries(0):  # nothing read later, per message
        assert _messages_as_read(got) == expected
    kinds = [m.kind for m in got]
    assert ("note" in kinds) is (reader == "agent")
    assert len(kinds) == (4 if reader == "agent" else 3)  # and the description
    with django_assert_num_queries(1):  # a ticket with no attachment: not asked for them
        bare = messages_read(user=user, ticket=ticket, attachments=False)
    assert [list(m.attachments.all()) for m in bare] == [[]] * len(bare)


@pytest.mark.parametrize("reader", ["agent", "customer_user"])
def test_the_timelines_pages_read_as_the_orm_does(
    request: pytest.FixtureRequest, ticket: Ticket, reader: str, django_assert_num_queries: Any
) -> None:
    """``timeline_page`` (one statement a page, with the actors) walks, page by page, the
    events ``timeline_for`` gives in its order, public ones only for a customer; events with
    the same time are neither skipped nor shown twice."""
    agent = request.getfixturevalue("agent")
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):  # all at once
        for n in range(7):
            services.message_add(actor=agent, ticket=ticket, kind="note", body=f"Catatan {n}")
            services.message_add(actor=agent, ticket=ticket, kind="reply", body=f"Balasan {n}")
    user = request.getfixturevalue(reader)
    expected = [
        (e.pk, e.kind, e.public, e.data, e.actor.pk if e.actor else None)
        for e in timeline_for(user=user, ticket=ticket)
    ]
    shown: list[tuple[Any, ...]] = []
    before = None
    while True:
        with django_assert_num_queries(1):
            page = timeline_page(user=user, ticket=ticket, before=before, size=4)
        with django_assert_num_queries(0):  # the actors came with the page
            rows = [
                (e.pk, e.kind, e.public, e.data, e.actor.pk if e.actor else None)
                for e in page.events
            ]
        shown[:0] = rows  # an older page goes above
        assert page.apologised is False
        if page.earlier is None:
            break
        before = page.earlier
    assert shown == expected
    assert any(kind == "note_added" for _pk, kind, *_rest in shown) is (reader == "agent")
    assert timeline_page(user=user, ticket=ticket, before=2**70).events == []
    parts = ("recognition", "responsibility", "remorse", "restitution", "repetition")
    services.apology_create(
        actor=agent, ticket=ticket, parts=dict.fromkeys(parts, "Mohon maaf."), send=False
    )
    assert timeline_page(user=user, ticket=ticket, size=2).apologised is True


def test_a_time_reads_the_same_from_get_and_from_a_patch(admin: User, ticket: Ticket) -> None:
    """``ticket_update`` returns ``_detail``'s dict through ninja's schema validation, GET
    as it is (json_response): a time with 1-999 microseconds is written ``.000Z`` by both,
    as Django's encoder writes it (a dict carrying it as text lost them through the
    schema; found in review)."""
    from datetime import UTC, datetime

    from django.core.serializers.json import DjangoJSONEncoder

    at = datetime(2026, 12, 7, 10, 4, 5, 500, tzinfo=UTC)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    want = DjangoJSONEncoder().default(at)
    assert want == "2026-12-07T10:04:05.000Z"

    got = Api(admin).get(f"/tickets/{ticket.pk}").json()
    patched = Api(admin).patch(f"/tickets/{ticket.pk}", {"version": got["version"], "priority": 2})
    assert patched.status_code == 200, patched.content
    assert (got["created_at"], patched.json()["created_at"]) == (want, want)
