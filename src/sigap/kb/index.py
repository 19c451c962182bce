"""The in-memory retrieval index used by the chatbot and the composer's suggestions.

It is built from the stored search documents of the published articles (stems already
computed, so building it is only counting: about 0.3 s for 5,000 articles) and kept per
process. Every knowledge-base write changes ``IndexGeneration.token`` in its transaction;
``current()`` reads the token (one primary-key query) and rebuilds the index when it
changed, so a process never answers from articles edited in another one.

Ranking is BM25 (``bm25.py``) with the title and the question variants counted
``HEAD_WEIGHT`` times. The same scores on SQLite and PostgreSQL, and a ``coverage``
measure the bot turns into a confidence (``bot.py``).

The English translations (``title_en``, ``summary_en``, ``body_en``) are a second index of
their own (``search(..., english=True)``): an English question on a live chat of an
English page is ranked among the translated articles only, and the Indonesian ranking
stays exactly as it was.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from sigap.kb.bm25 import Bm25
from sigap.kb.models import ArticleSearchDocument, ArticleStatus, IndexGeneration, Visibility
from sigap.kb.search import query_terms, terms

HEAD_WEIGHT = 3.0


@dataclass(frozen=True)
class Entry:
    article_id: int
    slug: str
    title: str
    category_id: int
    category_slug: str
    public: bool  # published and public: customers and the chatbot may see it
    title_en: str = ""
    brand_id: int | None = None  # the brand whose article it is; None: every brand's


@dataclass(frozen=True)
class Scored:
    entry: Entry
    score: float
    coverage: float  # share of the query's idf weight the article contains


class KbIndex:
    def __init__(
        self,
        generation: str,
        entries: list[Entry],
        docs: list[dict[str, float]],
        docs_en: list[dict[str, float]] | None = None,
    ) -> None:
        self.generation = generation
        self.entries = entries
        self.bm25 = Bm25(docs)
        self.bm25_en = Bm25(docs_en if docs_en is not None else [{} for _ in entries])
        self.by_slug = {e.slug: i for i, e in enumerate(entries)}

    def __len__(self) -> int:
        return len(self.entries)

    def rank(
        self,
        words: list[str],
        *,
        k: int = 5,
        public_only: bool = True,
        english: bool = False,
        brand_id: int | None = None,
    ) -> list[Scored]:
        """The ``k`` best published articles for already-processed query terms (``english``:
        among the English translations; ``brand_id``: among that brand's own articles and
        the shared ones, issue 17)."""
        if not words:
            return []
        entries = self.entries
        bm25 = self.bm25_en if english else self.bm25

        def kept(i: int) -> bool:
            e = entries[i]
            return (e.public or not public_only) and (
                brand_id is None or e.brand_id is None or e.brand_id == brand_id
            )

        keep = kept if public_only or brand_id is not None else None
        return [
            Scored(entries[hit.doc], hit.score, bm25.coverage(words, hit.doc))
            for hit in bm25.top(words, k, keep=keep)
        ]

    def search(
        self,
        q: str,
        *,
        k: int = 5,
        public_only: bool = True,
        english: bool = False,
        brand_id: int | None = None,
    ) -> list[Scored]:
        return self.rank(
            query_terms(q), k=k, public_only=public_only, english=english, brand_id=brand_id
        )

    def entry(self, slug: str) -> Entry | None:
        i = self.by_slug.get(slug)
        return None if i is None else self.entries[i]


def generation() -> str:
    token = IndexGeneration.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or ""


def bump_generation() -> None:
    """Mark every process's index stale (call inside the writing transaction)."""
    IndexGeneration.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def build(token: str) -> KbIndex:
    entries: list[Entry] = []
    docs: list[dict[str, float]] = []
    rows = (
        ArticleSearchDocument.objects.filter(article__status=ArticleStatus.PUBLISHED)
        .order_by("article_id")
        .values_list(
            "article_id",
            "article__slug",
            "article__title",
            "article__category_id",
            "article__category__slug",
            "article__visibility",
            "head",
            "body",
            "article__title_en",
            "english",
            "article__brand_id",
        )
    )
    docs_en: list[dict[str, float]] = []
    for row in rows.iterator(chunk_size=1000):
        pk, slug, title, category_id, category_slug, visibility, head, body, title_en, en = row[:10]
        public = visibility == Visibility.PUBLIC
        entries.append(
            Entry(pk, slug, title, category_id, category_slug, public, title_en, row[10])
        )
        doc: dict[str, float] = {}
        for term in body.split():
            doc[term] = doc.get(term, 0.0) + 1.0
        for term in head.split():
            doc[term] = doc.get(term, 0.0) + HEAD_WEIGHT
        docs.append(doc)
        doc_en: dict[str, float] = {}
        for term in en.split():  # the title's terms are in it once; count them as a head
            doc_en[term] = doc_en.get(term, 0.0) + 1.0
        for term in terms(title_en):
            doc_en[term] = doc_en.get(term, 0.0) + HEAD_WEIGHT - 1.0
        docs_en.append(doc_en)
    return KbIndex(token, entries, docs, docs_en)


_lock = threading.Lock()
_current: KbIndex | None = None


def current() -> KbIndex:
    """This process's index, rebuilt first if the knowledge base changed since."""
    global _current
    token = generation()
    index = _current
    if index is not None and index.generation == token:
        return index
    with _lock:
        if _current is None or _current.generation != token:
            _current = build(token)
        return _current


def invalidate() -> None:
    global _current
    with _lock:
        _current = None
