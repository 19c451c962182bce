"""Search by what a query matches (issue 16): words in no ticket, in one, in ten, in every
ticket, misspellings, order numbers, emails and names, with the visibility rules.

The same assertions run on SQLite (FTS5) and on PostgreSQL, where each of them runs once
more down each of the two ways ``tickets.search`` reads (the GIN index first, or the
newest tickets probed one by one) and through the switch from one to the other. On
PostgreSQL the plans themselves are checked too: with the statistics ANALYZE keeps for a
large table (the rare word outside the most common lexemes), a rare word is read from the
GIN index and its tickets from the primary key's index, never by walking the tickets.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from tests import world as parts

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import search, services
from sigap.tickets.models import Ticket
from sigap.tickets.selectors import TicketFilters, ticket_search_for
from sigap.tickets.tests.test_search import make

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["planned", "index", "walk", "switch"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """How PostgreSQL is made to read: as planned from the statistics; always the GIN index
    first; always the walk; the index first, overflowing into the walk past one match."""
    if request.param != "planned" and connection.vendor != "postgresql":
        pytest.skip("the ways to read are PostgreSQL's")
    if request.param == "index":
        monkeypatch.setattr(search, "WALK_MIN_MATCHES", 10**9)
    elif request.param == "walk":
        monkeypatch.setattr(search, "WALK_MIN_MATCHES", 0)
    elif request.param == "switch":
        monkeypatch.setattr(search, "WALK_MIN_MATCHES", 1)
        monkeypatch.setattr(search, "expected_matches", lambda text, column: 0.0)
    search.forget_statistics()
    yield request.param
    search.forget_statistics()


def make_corpus(
    agent: User,
    team: Team,
    customer: Customer,
    outsider_agent: User,
    other_team: Team,
    other_customer: Customer,
) -> list[Ticket]:
    """Twelve tickets with "paket"; "ongkir" in the first ten; "zamrud" in the fourth;
    two order numbers; an internal note; the last one the other customer's, in a team
    the agent is not in."""
    tickets = []
    for i in range(11):
        words = ["Paket", "ongkir" if i < 10 else "", "zamrud" if i == 3 else ""]
        order = {5: "BLJ-2026-000123", 6: "BLJ-2026-000124"}.get(i, f"BLJ-2025-{i:06d}")
        tickets.append(
            make(agent, team, customer, f"Keluhan {i}", f"{' '.join(words)} pesanan {order}.")
        )
    services.message_add(
        actor=agent, ticket=tickets[2], kind="note", body="Paket tertahan di gudang Bekasi."
    )
    tickets.append(
        make(outsider_agent, other_team, other_customer, "Paket rusak", "Paket penyok, ongkir.")
    )
    return tickets


def found(user: User, q: str) -> list[int]:
    """What the search box finds for ``user``: every segment's tickets, in order."""
    result = ticket_search_for(user=user, filters=TicketFilters(q=q))
    return [
        pk for part in result.segments for pk in part.order_by("-pk").values_list("pk", flat=True)
    ]


CASES = [  # query, the corpus's tickets it finds (before visibility)
    ("asuransi", []),  # a word in no ticket
    ("pengirman", []),  # a misspelling of a word no ticket has either: nothing, quickly
    ("zamrud", [3]),  # one ticket
    ("ZAMRUD paket", [3]),  # a rare word with a common one
    ("ongkir", [*range(10), 11]),  # ten and more
    ("paket", list(range(12))),  # every ticket
    ("paket ongkir zamrud", [3]),
    ("BLJ-2026-000123", [5]),  # an order number
    ("blj-2026-000124", [6]),
    ("BLJ-2026-000125", []),  # an order number nobody has
    ("gudang bekasi", [2]),  # an internal note
    ("siti@contoh.id", [11]),  # the other customer's email
    ("Siti Rahma", [11]),  # and name
]


def visible(user: User, corpus: list[Ticket], indexes: list[int], q: str) -> list[int]:
    if user.role == "customer":
        mine = [i for i in indexes if corpus[i].customer.user_id == user.pk]
        if q == "gudang bekasi" or "@" in q or q.startswith("Siti"):
            return []  # notes are staff's; a customer's box does not search customers
        return sorted((corpus[i].pk for i in mine), reverse=True)
    if user.role == "agent":
        indexes = [i for i in indexes if i != 11]  # another team's, assigned to another agent
    return sorted((corpus[i].pk for i in indexes), reverse=True)


class TestQueryClasses:
    """The corpus is made once for the class, in a transaction rolled back after it; each
    test runs in a savepoint inside it, rolled back after the test as ever (the tests
    only search it). Made for each of the class's 56 tests on PostgreSQL, it was most of
    their time. Not for the module: the plans' tests below need tables without it."""

    @pytest.fixture(scope="class")
    @classmethod
    def _world(cls, django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
        with parts.made_once(django_db_blocker):
            names = ["admin", "supervisor", "agent", "other_supervisor", "outsider_agent"]
            names += ["customer_user", "other_customer_user"]
            made: dict[str, Any] = {name: parts.make_user(name) for name in names}
            made["corpus"] = make_corpus(
                made["agent"],
                parts.make_team(made["supervisor"], made["agent"]),
                parts.make_customer(made["customer_user"]),
                made["outsider_agent"],
                parts.make_other_team(made["other_supervisor"], made["outsider_agent"]),
                parts.make_other_customer(made["other_customer_user"]),
            )
            yield made

    @pytest.fixture
    def corpus(self, _world: dict[str, Any], db: None) -> list[Ticket]:
        return _world["corpus"]

    @pytest.fixture
    def admin(self, _world: dict[str, Any], db: None) -> User:
        return _world["admin"]

    @pytest.fixture
    def agent(self, _world: dict[str, Any], db: None) -> User:
        return _world["agent"]

    @pytest.fixture
    def customer_user(self, _world: dict[str, Any], db: None) -> User:
        return _world["customer_user"]

    @pytest.fixture
    def other_customer_user(self, _world: dict[str, Any], db: None) -> User:
        return _world["other_customer_user"]

    @pytest.mark.parametrize(("q", "expected"), CASES)
    def test_each_class_of_query_finds_its_tickets_and_only_those_the_user_may_see(
        self,
        way: str,
        corpus: list[Ticket],
        admin: User,
        agent: User,
        customer_user: User,
        other_customer_user: User,
        q: str,
        expected: list[int],
    ) -> None:
        for user in (admin, agent, customer_user, other_customer_user):
            assert found(user, q) == visible(user, corpus, expected, q), (user.username, q)

    def test_a_page_of_a_rare_word_is_newest_first_with_the_same_cursors_on_both_ways(
        self, way: str, corpus: list[Ticket], admin: User
    ) -> None:
        from sigap.core.pagination import page_segments

        result = ticket_search_for(user=admin, filters=TicketFilters(q="ongkir"))
        first, cursor = page_segments(result.segments, cursor=None, limit=4)
        second, _ = page_segments(result.segments, cursor=cursor, limit=4)

        assert [t.pk for t in first + second] == sorted(
            (corpus[i].pk for i in [*range(10), 11]), reverse=True
        )[:8]


# --- PostgreSQL: the plans ----------------------------------------------------------------


POOL = [f"zq{a}{b}{c}" for a in "bcdfghjklm" for b in "aeiou" for c in "klmnprst"]  # 400 words


@pytest.fixture
def large_statistics(agent: User, team: Team, customer: Customer) -> Iterator[list[Ticket]]:
    """A hundred tickets of 300 words each from a pool of 400, one of them with "zamrud",
    ANALYZE, then the tables' sizes set to a million rows. With more than 16,000 lexemes
    in its sample (about 21,000 here; about three million at a million tickets), ANALYZE
    keeps only the lexemes seen more than once (at a million tickets: more than about 190
    times) among the most common ones, so "zamrud" is as unknown to the planner, and to
    ``expected_matches``, as a rare word is at a million tickets."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    rng = random.Random(16)
    tickets = [
        make(
            agent,
            team,
            customer,
            "Paket",
            " ".join(rng.choices(POOL, k=300)) + (" zamrud" if i == 40 else ""),
        )
        for i in range(100)
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticketsearchdocument")
        cursor.execute("ANALYZE tickets_ticket")
        # A million rows on the pages they have: the planner scales rows by density, so
        # it costs every plan (a scan of the table above all) as at a million tickets.
        # Rolled back with the test, as the statistics are.
        try:
            with transaction.atomic():
                cursor.execute(
                    "UPDATE pg_class SET reltuples = 1000000, relpages = greatest(1, "
                    "pg_relation_size(oid) / current_setting('block_size')::int) "
                    "WHERE oid IN ('tickets_ticketsearchdocument'::regclass, "
                    "'tickets_ticket'::regclass)"
                )
        except DatabaseError:
            pytest.skip("changing a table's statistics takes a superuser")
    search.forget_statistics()
    yield tickets
    search.forget_statistics()


def explain(sql: str, params: list[object]) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_statistics_know_the_common_words_and_not_the_rare_one(
    large_statistics: list[Ticket],
) -> None:
    common = search._common_lexemes("staff")

    assert "paket" in common and len(common) > 400
    assert "zamrud" not in common
    assert search.expected_matches("zamrud", "staff") == 0.0
    assert search.expected_matches("paket", "staff") == pytest.approx(1e6, rel=0.05)
    one = search.expected_matches(POOL[0], "staff") or 0
    assert 2e5 < one < 1e6
    # common words together: as common as the rarest (words asked for together come together)
    assert search.expected_matches(f"paket {POOL[0]}", "staff") == pytest.approx(one)
    assert search.expected_matches(f"paket {POOL[0]} zamrud", "staff") == 0.0


def test_a_rare_word_is_read_from_the_gin_index_and_its_tickets_by_primary_key(
    large_statistics: list[Ticket],
) -> None:
    hits = search.index_hits("zamrud", "staff", search.WALK_MIN_MATCHES + 1)
    probe = explain(search.INDEX_HITS_SQL.format(column="staff"), ["zamrud", 3001])
    qs = search.search_tickets(Ticket.objects.all(), "zamrud").order_by("-pk")[:25]
    page = qs.explain()

    assert hits == [large_statistics[40].pk]
    assert "Bitmap Index Scan on ticket_search_staff_gin" in probe
    assert "Seq Scan" not in probe
    # the page: the ticket looked up by its id, the documents not read again
    assert "tickets_ticket_pkey" in page and "= ANY" in page
    assert "ticketsearchdocument" not in page and "Seq Scan" not in page
    assert list(qs) == [large_statistics[40]]


def test_a_common_word_walks_the_newest_tickets(large_statistics: list[Ticket]) -> None:
    qs = search.search_tickets(Ticket.objects.all(), "paket").order_by("-pk")[:25]

    assert "EXISTS" in str(qs.query)
    assert "Index Scan Backward using tickets_ticket_pkey" in qs.explain()
    assert [t.pk for t in qs] == sorted((t.pk for t in large_statistics), reverse=True)[:25]


def test_a_word_more_common_than_its_statistics_said_switches_to_the_walk(
    large_statistics: list[Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statistics are old or wrong: the index read stops after WALK_MIN_MATCHES + 1 hits."""
    monkeypatch.setattr(search, "WALK_MIN_MATCHES", 50)
    monkeypatch.setattr(search, "expected_matches", lambda text, column: 0.0)
    qs = search.search_tickets(Ticket.objects.all(), "paket")

    assert "EXISTS" in str(qs.query)
    assert qs.count() == 100


def test_left_to_itself_the_planner_would_walk_the_tickets_for_the_rare_word(
    large_statistics: list[Ticket],
) -> None:
    """The choice the index read avoids, as PostgreSQL makes it at a million tickets: it
    takes the unknown word to be in 0.5 % of the documents (or half its rarest known
    lexeme's share), so it walks the documents backwards by primary key testing each one,
    and a word in no ticket reads every one (1.3 s at a million)."""
    plan = explain(
        "SELECT t.id FROM tickets_ticket t WHERE EXISTS (SELECT 1 FROM "
        "tickets_ticketsearchdocument d WHERE d.ticket_id = t.id AND "
        "d.staff_tsv @@ plainto_tsquery('indonesian', %s)) ORDER BY t.id DESC LIMIT 25",
        ["zamrud"],
    )

    assert "Index Scan Backward using tickets_ticketsearchdocument_pkey" in plan
    assert "Filter: (staff_tsv @@" in plan
    assert "ticket_search_staff_gin" not in plan
