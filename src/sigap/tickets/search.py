"""Full-text search over tickets and their messages, in Indonesian, on both databases.

Text is normalised and stemmed with Sastrawi (a dictionary-based Indonesian stemmer, so
"pengiriman", "dikirim" and "kirim" meet at "kirim") before it is stored in
``TicketSearchDocument``; queries go through the same pipeline. Then:

* PostgreSQL: generated ``tsvector`` columns built with the ``indonesian`` configuration
  (stop words, Snowball as a second pass) and GIN indexes; queries use
  ``plainto_tsquery('indonesian', …)``. Which way to read is chosen here, not by the
  planner (see "PostgreSQL: the GIN index for what is rare" below): a query its words'
  statistics promise many matches probes the newest tickets first (an ``EXISTS``); any
  other (a rare word, a typo, a name, an order number) reads the GIN index first.
* SQLite: an FTS5 table kept in step with the documents by triggers; every query token is
  quoted, so user input is never FTS5 syntax.

Both return the same shape: the caller's queryset, filtered. Staff match internal notes
and facts too (``staff_text``); customers only what they can see (``public_text``).
See docs/decisions/0002-full-text-search.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from sigap.customers import search as customer_search
from sigap.customers.models import Customer
from sigap.tickets.models import Message, MessageKind, Ticket, TicketSearchDocument

TOKEN = re.compile(r"[0-9a-zA-Z\u00c0-\u024f]+(?:-[0-9a-zA-Z\u00c0-\u024f]+)*")
MAX_QUERY_TOKENS = 12
MAX_DOCUMENT_CHARS = 200_000


@lru_cache(maxsize=1)
def _stemmer() -> object:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    """Stem one lower-case token; reduplication ("buku-buku") keeps its root."""
    if len(word) < 3 or any(c.isdigit() for c in word):
        return word  # numbers and codes (order numbers, "blj-2026-104233") stay as typed
    stemmed: str = _stemmer().stem(word)  # type: ignore[attr-defined]
    return stemmed or word


def tokens(text: str) -> list[str]:
    return [stem_word(t) for t in TOKEN.findall(text.lower())]


def normalise(text: str) -> str:
    """Text as it is indexed: lower-case stems separated by spaces."""
    return " ".join(tokens(text[:MAX_DOCUMENT_CHARS]))


def document_texts(
    *, subject: str, description: str, facts: str, messages: Iterable[tuple[str, str]]
) -> tuple[str, str]:
    """(staff_text, public_text) for a ticket; ``messages`` are (kind, body) pairs."""
    public_parts = [subject, description]
    staff_parts = [subject, description, facts]
    for kind, body in messages:
        staff_parts.append(body)
        if kind != MessageKind.NOTE:
            public_parts.append(body)
    return normalise("\n".join(staff_parts)), normalise("\n".join(public_parts))


def new_ticket_document(ticket: Ticket) -> TicketSearchDocument:
    """The search document of a ticket just created (its description is its only
    message), not saved: ``ticket_create`` inserts it with the ticket's first timeline
    entries."""
    staff, public = document_texts(
        subject=ticket.subject,
        description=ticket.description,
        facts=ticket.facts,
        messages=[(MessageKind.INBOUND, ticket.description)],
    )
    return TicketSearchDocument(ticket=ticket, staff_text=staff, public_text=public)


_TABLE = TicketSearchDocument._meta.db_table


def index_message(ticket_id: int, kind: str, body: str) -> None:
    """Add one new message to its ticket's search document (inside the caller's
    transaction): its stems are appended, which is what ``index_ticket`` would produce,
    without reading the ticket's earlier messages again. A missing or very long document
    is rebuilt whole instead (``index_ticket`` caps what it indexes)."""
    text = normalise(body)
    public = kind != MessageKind.NOTE
    if not text:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET staff_text = staff_text || %s, public_text = CASE WHEN %s "
            "THEN public_text || %s ELSE public_text END "
            "WHERE ticket_id = %s AND length(staff_text) + %s <= %s",
            [" " + text, public, " " + text, ticket_id, len(text) + 1, MAX_DOCUMENT_CHARS],
        )
        appended = cursor.rowcount == 1
    if not appended:
        index_ticket(ticket_id)


def index_ticket(ticket_id: int) -> None:
    """Rebuild one ticket's search document (inside the caller's transaction)."""
    ticket = Ticket.objects.only("subject", "description", "facts").get(pk=ticket_id)
    messages = Message.objects.filter(ticket_id=ticket_id).order_by("id")
    staff, public = document_texts(
        subject=ticket.subject,
        description=ticket.description,
        facts=ticket.facts,
        messages=messages.values_list("kind", "body"),
    )
    TicketSearchDocument.objects.update_or_create(
        ticket_id=ticket_id, defaults={"staff_text": staff, "public_text": public}
    )


def _query_tokens(q: str) -> list[str]:
    seen: list[str] = []
    for token in tokens(q):
        if token not in seen:
            seen.append(token)
    return seen[:MAX_QUERY_TOKENS]


def search_tickets(
    qs: QuerySet[Ticket], q: str, *, include_internal: bool = True
) -> QuerySet[Ticket]:
    """Tickets of ``qs`` whose text contains every word of ``q`` (after stemming)."""
    words = _query_tokens(q)
    if not words:
        return qs if not q.strip() else qs.none()
    column = "staff" if include_internal else "public"
    if connection.vendor == "postgresql":
        return _pg_search(qs, " ".join(words), column)
    match = " AND ".join('"{}"'.format(w.replace('"', '""')) for w in words)
    fts = RawSQL(
        "SELECT rowid FROM tickets_search_fts WHERE tickets_search_fts MATCH %s",
        [f"{{{column}_text}} : ({match})"],
    )
    return qs.filter(pk__in=fts)


# --- PostgreSQL: the GIN index for what is rare, the newest tickets for what is common ---------
#
# Two ways to find the newest tickets that match, and each is fast only on its own side:
#
# * the *walk*: the tickets newest first (the primary key backwards), each one's document
#   probed until a page is full. It reads about ``page * tickets / matches`` documents: a
#   few hundred for a word in every other ticket, every document (1.3 s at a million) for
#   a word in none;
# * the *index*: the GIN index lists the documents that hold every word; their tickets are
#   then read by primary key, newest first. It costs about one heap read per match:
#   nothing for a typo, too much for a word in half the tickets.
#
# PostgreSQL's planner cannot choose between them for a word it has no statistics for (a
# typo, a name, an order number, any word outside the most common ones): it assumes such a
# word is in 0.5 % of the documents and walks. So the choice is made here, from the same
# statistics the planner has (``pg_stats.most_common_elems`` of the ``tsvector`` column,
# which ANALYZE keeps): a query is *common* when every word of it is among the most common
# ones and the rarest of them is in at least ``WALK_MIN_MATCHES`` documents, and then it
# walks. Otherwise the index lists its documents, at most ``WALK_MIN_MATCHES`` + 1 (past
# that the walk finds a page within ``page * tickets / WALK_MIN_MATCHES`` documents and
# takes over), and the caller's queryset is filtered by those ids, which PostgreSQL reads
# newest first from the primary key's index.

WALK_MIN_MATCHES = 3000
STATS_TTL = 300.0  # seconds: the statistics change when (auto)ANALYZE runs

_stats: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}


def _common_lexemes(column: str) -> dict[str, float]:
    """lexeme -> fraction of documents, for the column's most common lexemes (empty
    before the first ANALYZE), cached per process for ``STATS_TTL``."""
    key = (connection.settings_dict["NAME"], column)
    cached = _stats.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < STATS_TTL:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            [_TABLE, f"{column}_tsv"],
        )
        row = cursor.fetchone()
    freqs: dict[str, float] = {}
    if row is not None and row[0] is not None:
        freqs = dict(zip(row[0], row[1], strict=False))  # the freqs end with min, max, nulls
    _stats[key] = (now, freqs)
    return freqs


def forget_statistics() -> None:
    """Read the statistics again at the next search (after an ANALYZE in tests)."""
    _stats.clear()


def expected_matches(text: str, column: str) -> float | None:
    """How many documents PostgreSQL's statistics promise for ``text`` (already
    normalised): none when a word is outside the most common ones, else as many as the
    rarest word has. ``None``: the text has no lexeme at all."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(to_tsvector('indonesian', %s)), "
            "(SELECT reltuples FROM pg_class WHERE oid = %s::regclass)",
            [text, _TABLE],
        )
        row = cursor.fetchone()
    assert row is not None
    lexemes, documents = row
    if not lexemes:
        return None
    freqs = _common_lexemes(column)
    known = [freqs.get(lexeme) for lexeme in lexemes]
    if any(freq is None for freq in known):
        return 0.0
    # Common words together are taken to be as common as the rarest of them: words asked
    # for together come together ("garansi ditolak": 1,662 tickets if independent, 41,839
    # at a million), and reading the GIN index for two common words costs more than
    # walking.
    return max(float(documents or 0), 0.0) * min(freq for freq in known if freq is not None)


INDEX_HITS_SQL = (
    f"WITH hits AS MATERIALIZED (SELECT ticket_id FROM {_TABLE} "
    "WHERE {column}_tsv @@ plainto_tsquery('indonesian', %s)) "
    "SELECT ticket_id FROM hits LIMIT %s"
)


def index_hits(text: str, column: str, limit: int) -> list[int]:
    """Ids of the tickets whose document matches ``text``, read through the GIN index
    (at most ``limit``, in no particular order). The match sits in a materialized CTE,
    which PostgreSQL plans for all its rows: a bitmap scan of the index, never a scan of
    the table that the ``LIMIT`` would make look cheap."""
    with connection.cursor() as cursor:
        cursor.execute(INDEX_HITS_SQL.format(column=column), [text, limit])
        return [int(r[0]) for r in cursor.fetchall()]


def _pg_search(qs: QuerySet[Ticket], text: str, column: str) -> QuerySet[Ticket]:
    expected = expected_matches(text, column)
    if expected is None:  # stop words only: 'indonesian' matches nothing
        return qs.none()
    if expected < WALK_MIN_MATCHES:
        ids = index_hits(text, column, WALK_MIN_MATCHES + 1)
        if len(ids) <= WALK_MIN_MATCHES:
            if not ids:
                return qs.none()
            table = qs.model._meta.db_table
            # One array parameter, not thousands of placeholders; PostgreSQL reads the
            # ids from the primary key's index in the order asked for and stops there.
            return qs.extra(where=[f'"{table}"."id" = ANY(%s::bigint[])'], params=[ids])
    docs = TicketSearchDocument.objects.filter(ticket=OuterRef("pk")).extra(
        where=[f"{column}_tsv @@ plainto_tsquery('indonesian', %s)"], params=[text]
    )
    return qs.filter(Exists(docs))


def reindex_all(batch_size: int = 2000) -> int:
    """Rebuild every ticket's document (after a bulk import); returns the count."""
    done = 0
    last_id = 0
    while True:
        batch = list(
            Ticket.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "subject", "description", "facts")[:batch_size]
        )
        if not batch:
            return done
        ids = [row[0] for row in batch]
        bodies: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
        for tid, kind, body in (
            Message.objects.filter(ticket_id__in=ids)
            .order_by("ticket_id", "id")
            .values_list("ticket_id", "kind", "body")
        ):
            bodies[tid].append((kind, body))
        docs = []
        for tid, subject, description, facts in batch:
            staff, public = document_texts(
                subject=subject, description=description, facts=facts, messages=bodies[tid]
            )
            docs.append(TicketSearchDocument(ticket_id=tid, staff_text=staff, public_text=public))
        TicketSearchDocument.objects.bulk_create(
            docs,
            update_conflicts=True,
            unique_fields=["ticket"],
            update_fields=["staff_text", "public_text"],
        )
        done += len(batch)
        last_id = ids[-1]


# --- search by ticket number and by customer -------------------------------------------------
#
# What an agent types in one box: a ticket's number (``SGP-000305``, ``sgp-305``, ``#305``,
# ``305``; ``core.refs.ticket_reference``), a customer's phone number in any format, email
# address in any case or name, and words of the ticket's text. ``ticket_search`` answers
# with segments, in this order and each without the earlier ones' tickets: the ticket with
# that number; the tickets of the customers found by phone, email or name; the full-text
# hits. Each segment is an indexed query of its own (the primary key; the customer's
# ``(customer, -id)`` index; the full-text index), so none costs what an ``OR`` of the
# three would at a million tickets.

NUMBER = re.compile(r"(?:sgp-?|#)?0*([1-9]\d{0,9})", re.IGNORECASE)
MAX_NUMBERS = 5
STRIP = ".,;:!?()[]{}\"'"


@dataclass(frozen=True)
class TicketQuery:
    """A search box's text taken apart."""

    numbers: tuple[int, ...] = ()
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()  # lower case
    text: str = ""  # what is left: words for the full text and the customer's name
    only_number: bool = False  # the whole query is one ticket number

    @property
    def exact_number(self) -> int | None:
        """The ticket number the query consists of, if it is nothing else."""
        return self.numbers[0] if self.only_number else None


def parse_query(q: str) -> TicketQuery:
    """``"SGP-000305"`` -> numbers (305,); ``"0812-3456-7890 refund"`` -> phones
    ("+6281234567890",), text "refund". A bare number (``305``) is a ticket number and
    stays a word of the text too (order numbers and amounts are in the text)."""
    q = q.strip()
    rest = q
    emails = customer_search.emails_in(rest)
    for email in customer_search.EMAIL.findall(rest):
        rest = rest.replace(email, " ")
    phones: list[str] = []
    for written, e164 in customer_search.phones_in(rest):
        if e164 not in phones:
            phones.append(e164)
        rest = rest.replace(written, " ", 1)
    numbers: list[int] = []
    words: list[str] = []
    for raw in rest.split():
        word = raw.strip(STRIP)
        match = NUMBER.fullmatch(word)
        if match:
            if int(match.group(1)) not in numbers:
                numbers.append(int(match.group(1)))
            if not word.isdigit():
                continue  # SGP-000305, #305: a reference, not a word of the text
        words.append(raw)
    only = len(numbers) == 1 and not phones and not emails and len(q.split()) == 1
    return TicketQuery(
        numbers=tuple(numbers[:MAX_NUMBERS]),
        phones=tuple(phones),
        emails=tuple(emails),
        text=" ".join(words),
        only_number=only,
    )


@dataclass
class TicketSearch:
    query: TicketQuery
    segments: list[QuerySet[Ticket]] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)  # found by contact or name


def ticket_search(
    qs: QuerySet[Ticket], q: str, *, include_internal: bool = True, by_customer: bool = True
) -> TicketSearch:
    """The tickets of ``qs`` that ``q`` finds, as segments (see above). ``by_customer``:
    also find customers by phone, email and name (staff; a customer sees only their own
    tickets anyway)."""
    query = parse_query(q)
    found = TicketSearch(query=query)
    numbers = list(query.numbers)
    if numbers:
        found.segments.append(qs.filter(pk__in=numbers))
    if by_customer:
        found.customers = customer_search.customers_by_contact(
            phones=query.phones, emails=query.emails
        )
        names = [w for w in customer_search.name_words(query.text) if not w.isdigit()]
        if names:
            known = {c.pk for c in found.customers}
            found.customers += [
                c for c in customer_search.customers_by_name(names) if c.pk not in known
            ]
    customer_ids = [c.pk for c in found.customers]
    if customer_ids:
        found.segments.append(qs.filter(customer_id__in=customer_ids).exclude(pk__in=numbers))
    if _query_tokens(query.text):
        hits = search_tickets(qs, query.text, include_internal=include_internal)
        if customer_ids:
            hits = hits.exclude(customer_id__in=customer_ids)
        if numbers:
            hits = hits.exclude(pk__in=numbers)
        found.segments.append(hits)
    return found
