"""Full-text search over tickets and their messages, in Indonesian, on both databases.

Text is normalised and stemmed with Sastrawi (a dictionary-based Indonesian stemmer, so
"pengiriman", "dikirim" and "kirim" meet at "kirim") before it is stored in
``TicketSearchDocument``; queries go through the same pipeline. Then:

* PostgreSQL: generated ``tsvector`` columns built with the ``indonesian`` configuration
  (stop words, Snowball as a second pass) and GIN indexes; queries use
  ``plainto_tsquery('indonesian', …)`` in an ``EXISTS`` so the planner can either probe
  the newest tickets first (common words) or read the GIN index (rare words).
* SQLite: an FTS5 table kept in step with the documents by triggers; every query token is
  quoted, so user input is never FTS5 syntax.

Both return the same shape: the caller's queryset, filtered. Staff match internal notes
and facts too (``staff_text``); customers only what they can see (``public_text``).
See docs/decisions/0002-full-text-search.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from sigap.core import fastsql
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


def index_new_ticket(ticket: Ticket) -> None:
    """Index a ticket just created (its description is its only message): one INSERT."""
    staff, public = document_texts(
        subject=ticket.subject,
        description=ticket.description,
        facts=ticket.facts,
        messages=[(MessageKind.INBOUND, ticket.description)],
    )
    fastsql.insert([TicketSearchDocument(ticket=ticket, staff_text=staff, public_text=public)])


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
        docs = TicketSearchDocument.objects.filter(ticket=OuterRef("pk")).extra(
            where=[f"{column}_tsv @@ plainto_tsquery('indonesian', %s)"], params=[" ".join(words)]
        )
        return qs.filter(Exists(docs))
    match = " AND ".join('"{}"'.format(w.replace('"', '""')) for w in words)
    fts = RawSQL(
        "SELECT rowid FROM tickets_search_fts WHERE tickets_search_fts MATCH %s",
        [f"{{{column}_text}} : ({match})"],
    )
    return qs.filter(pk__in=fts)


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
