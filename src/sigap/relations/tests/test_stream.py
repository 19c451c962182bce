"""The whole customer's stream: every kind of record, newest first, paged without gaps or
repeats (also when records share a time), filtered by what the viewer may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.connectors.phone.models import Call
from sigap.core.errors import ValidationFailed
from sigap.customers.models import Customer
from sigap.customers.services import customer_update
from sigap.relations.stream import SOURCES, customer_stream
from sigap.surveys.models import Survey
from sigap.tickets.models import Message, Proposal, Ticket

pytestmark = pytest.mark.django_db


def _message(ticket: Ticket, body: str, at: object, kind: str = "inbound") -> Message:
    return Message.objects.create(
        ticket=ticket, kind=kind, channel=ticket.channel, body=body, created_at=at
    )


def _walk(user: User, customer: Customer, limit: int) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    before = None
    for _ in range(100):
        page = customer_stream(user, customer.pk, before=before, limit=limit)
        seen.extend((i.source, i.id) for i in page.items)
        if page.next_cursor is None:
            return seen
        before = page.next_cursor
    raise AssertionError("the stream did not end")


def test_every_kind_of_record_newest_first(agent: User, customer: Customer, ticket: Ticket) -> None:
    now = timezone.now()
    _message(ticket, "Paketnya sudah sampai belum?", now + timedelta(minutes=1))
    _message(ticket, "Sedang kami cek.", now + timedelta(minutes=2), kind="reply")
    Call.objects.create(
        customer=customer,
        ticket=ticket,
        agent=agent,
        started_at=now + timedelta(minutes=3),
        duration=95,
        notes="Pelanggan menelepon soal paket.",
    )
    Proposal.objects.create(
        ticket=ticket,
        summary="Kirim ulang paket.",
        compensation_type="voucher",
        compensation_amount=50_000,
        status="offered",
    )
    Survey.objects.create(
        kind="csat",
        customer=customer,
        ticket=ticket,
        sent_via="email",
        sent_at=now,
        expires_at=now + timedelta(days=7),
        csat=4,
        answered_at=now + timedelta(minutes=5),
    )
    customer_update(
        customer=customer, version=customer.version, changes={"temperament": "thrifty"}, actor=agent
    )

    page = customer_stream(agent, customer.pk)

    kinds = [i.kind for i in page.items]
    assert {
        "ticket_opened",
        "message_in",
        "message_out",
        "call",
        "proposal",
        "survey",
        "profile_change",
    } <= set(kinds)
    times = [i.at for i in page.items]
    assert times == sorted(times, reverse=True)
    survey = next(i for i in page.items if i.kind == "survey")
    assert survey.data["csat"] == 4 and survey.ticket_reference == ticket.reference
    change = next(i for i in page.items if i.kind == "profile_change")
    assert (change.title, change.data["old"], change.data["new"], change.data["actor"]) == (
        "temperament",
        "",
        "thrifty",
        agent.username,
    )
    assert page.next_cursor is None


def test_pages_cover_everything_once_even_with_equal_times(
    agent: User, customer: Customer, ticket: Ticket
) -> None:
    same = timezone.now().replace(microsecond=0)
    for n in range(7):  # seven messages and three calls at the very same instant
        _message(ticket, f"pesan {n}", same)
    for _ in range(3):
        Call.objects.create(customer=customer, ticket=ticket, started_at=same)
    everything = [(i.source, i.id) for i in customer_stream(agent, customer.pk, limit=100).items]

    for limit in (1, 2, 3, 4):
        walked = _walk(agent, customer, limit)
        assert walked == everything, limit
    assert len(everything) == len(set(everything)) == 12  # + the ticket and its first message


def test_records_on_tickets_the_viewer_cannot_see_are_left_out(
    agent: User,
    outsider_agent: User,
    other_team: Team,
    customer: Customer,
    ticket: Ticket,
) -> None:
    hidden = Ticket.objects.create(
        kind="complaint",
        channel="email",
        subject="Rahasia tim lain",
        description="x",
        customer=customer,
        team=other_team,
        status="new",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    _message(hidden, "isi tiket tim lain", timezone.now())
    Call.objects.create(customer=customer, ticket=hidden, started_at=timezone.now())
    Call.objects.create(customer=customer, ticket=None, started_at=timezone.now())

    mine = customer_stream(agent, customer.pk, limit=100).items

    assert hidden.pk not in {i.ticket_id for i in mine}
    assert [i.ticket_id for i in mine if i.kind == "call"] == [None]  # no ticket: shown
    theirs = customer_stream(outsider_agent, customer.pk, limit=100).items
    assert hidden.pk in {i.ticket_id for i in theirs}
    assert ticket.pk not in {i.ticket_id for i in theirs}


@pytest.mark.parametrize("cursor", ["xyz", "bm90LWEtY3Vyc29y", "MjAyNi0wMS0wMXx3aGF0fDE"])
def test_a_bad_cursor_is_refused_with_a_clear_message(
    agent: User, customer: Customer, cursor: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        customer_stream(agent, customer.pk, before=cursor)
    assert raised.value.message == "Penanda halaman riwayat tidak valid."


def test_one_statement_per_source(
    agent: User, customer: Customer, ticket: Ticket, django_assert_max_num_queries: object
) -> None:
    for n in range(40):
        _message(ticket, f"pesan {n}", timezone.now() - timedelta(minutes=n))
    with django_assert_max_num_queries(len(SOURCES)):  # type: ignore[operator]
        page = customer_stream(agent, customer.pk)
    assert len(page.items) == 30 and page.next_cursor
