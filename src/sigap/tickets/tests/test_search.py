"""Full-text search: Indonesian stemming, messages, notes, visibility, hostile input.

The same assertions run on SQLite (FTS5) and PostgreSQL ('indonesian', GIN).
"""

from __future__ import annotations

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.search import normalise, reindex_all, search_tickets
from sigap.tickets.selectors import TicketFilters, ticket_list_for


def make(agent: User, team: Team, customer: Customer, subject: str, description: str) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=subject,
        description=description,
        team=team,
        assignee=agent,
    )


def found(user: User, q: str) -> list[int]:
    qs = ticket_list_for(user=user, filters=TicketFilters(q=q))
    return sorted(qs.values_list("pk", flat=True))


@pytest.fixture
def corpus(agent: User, team: Team, customer: Customer, other_customer: Customer) -> list[Ticket]:
    return [
        make(agent, team, customer, "Pengiriman terlambat", "Paket dikirim dari Cikarang."),
        make(agent, team, customer, "Pembayaran gagal", "Saya sudah bayar lewat transfer bank."),
        make(agent, team, other_customer, "Kurir kasar", "Kurirnya membentak saya di depan rumah."),
    ]


def test_stemming_joins_the_forms_of_a_word() -> None:
    assert normalise("Pengiriman DIKIRIM kirim") == "kirim kirim kirim"
    assert normalise("pembayaran dibayar") == "bayar bayar"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kirim", [0]),
        ("pengiriman", [0]),
        ("dikirimkan", [0]),
        ("bayar", [1]),
        ("pembayaran transfer", [1]),
        ("pembayaran kurir", []),
        ("KURIR", [2]),
    ],
)
def test_words_match_in_any_form_and_all_words_must_match(
    admin: User, corpus: list[Ticket], q: str, expected: list[int]
) -> None:
    assert found(admin, q) == sorted(corpus[i].pk for i in expected)


def test_later_messages_are_searchable(admin: User, agent: User, corpus: list[Ticket]) -> None:
    services.message_add(
        actor=agent, ticket=corpus[1], kind="reply", body="Dana akan dikembalikan via OVO."
    )

    assert found(admin, "ovo") == [corpus[1].pk]
    assert found(admin, "kembali dana") == [corpus[1].pk]


def test_notes_are_found_by_staff_but_never_by_customers(
    agent: User, customer_user: User, corpus: list[Ticket]
) -> None:
    services.message_add(actor=agent, ticket=corpus[0], kind="note", body="Gudang Bekasi lalai.")

    assert found(agent, "gudang bekasi") == [corpus[0].pk]
    assert found(customer_user, "gudang bekasi") == []
    assert found(customer_user, "cikarang") == [corpus[0].pk]


def test_a_customer_never_finds_another_customers_ticket(
    customer_user: User, other_customer_user: User, corpus: list[Ticket]
) -> None:
    assert found(customer_user, "kurir") == []
    assert found(other_customer_user, "kurir") == [corpus[2].pk]


def test_a_subject_change_is_reindexed(agent: User, admin: User, corpus: list[Ticket]) -> None:
    services.ticket_update(
        actor=agent, ticket=corpus[2], version=1, changes={"subject": "Pelecehan oleh kurir"}
    )

    assert found(admin, "pelecehan") == [corpus[2].pk]


@pytest.mark.parametrize(
    "q",
    ['"', "*", "NEAR(a b)", "-bayar", "(kirim", "kirim OR", "a:b", "{staff_text}", "💥", "'; --"],
)
def test_hostile_queries_never_raise(admin: User, corpus: list[Ticket], q: str) -> None:
    result = found(admin, q)

    assert isinstance(result, list)


def test_an_empty_query_does_not_filter(admin: User, corpus: list[Ticket]) -> None:
    qs = Ticket.objects.all()

    assert search_tickets(qs, "   ").count() == 3
    assert search_tickets(qs, "!!!").count() == 0


def test_reindex_all_rebuilds_every_document(admin: User, corpus: list[Ticket]) -> None:
    from sigap.tickets.models import TicketSearchDocument

    TicketSearchDocument.objects.all().delete()
    assert found(admin, "kirim") == []

    assert reindex_all(batch_size=2) == 3
    assert found(admin, "kirim") == [corpus[0].pk]


def test_messages_appended_one_by_one_index_as_a_full_rebuild_would(
    agent: User, ticket: Ticket
) -> None:
    from sigap.tickets.models import TicketSearchDocument
    from sigap.tickets.search import index_ticket

    for kind, body in [
        ("reply", "Mohon maaf, paketnya sedang kami lacak."),
        ("note", "Kurir JNE-44 belum konfirmasi; cek gudang Cikarang"),
        ("inbound", "Baik kak, ditunggu kabarnya!!"),
        ("inbound", "…"),  # no word at all: nothing to append
    ]:
        services.message_add(
            actor=agent if kind != "inbound" else None, ticket=ticket, kind=kind, body=body
        )
    appended = TicketSearchDocument.objects.get(ticket=ticket)

    index_ticket(ticket.pk)
    rebuilt = TicketSearchDocument.objects.get(ticket=ticket)

    assert (appended.staff_text, appended.public_text) == (rebuilt.staff_text, rebuilt.public_text)
    assert "gudang" in appended.staff_text and "gudang" not in appended.public_text
    assert "lacak" in appended.public_text


def test_a_missing_or_full_document_is_rebuilt_whole(
    agent: User, ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sigap.tickets import search
    from sigap.tickets.models import TicketSearchDocument

    TicketSearchDocument.objects.filter(ticket=ticket).delete()
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Paket dikirim ulang")
    assert "kirim" in TicketSearchDocument.objects.get(ticket=ticket).staff_text

    monkeypatch.setattr(search, "MAX_DOCUMENT_CHARS", 40)  # the document is "full"
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Nomor resi baru")

    assert len(TicketSearchDocument.objects.get(ticket=ticket).staff_text) <= 40
