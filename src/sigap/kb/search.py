"""Full-text search over articles, in Indonesian, on SQLite and PostgreSQL.

The approach of ``sigap.tickets.search`` (docs/decisions/0002-full-text-search.md), with
the triage text pipeline in front: an article's text and every query go through
``sigap.text.indonesian.tokens(stem=True, drop_stopwords=True)``, so informal spellings meet
the formal ones and affixed forms their root ("paketku belum nyampe" and "paket belum
sampai" both become ``paket belum sampai``). The stems are stored in
``ArticleSearchDocument`` (``head``: title and question variants; ``body``: summary and
body; ``english``: the translation), and then:

* PostgreSQL: a generated, weighted ``tsvector`` (A head, B body, C english) with a GIN
  index; the query is the OR of its stems, ranked with ``ts_rank``.
* SQLite: an FTS5 table kept in step by triggers; every stem is quoted, so user input is
  never FTS5 syntax; ranked with ``bm25()`` (head weighs most).

Unlike the ticket search (every word must match), a question matches an article that
contains any of its words, best first: customers ask in sentences, not keywords. Both
return the articles of the caller's queryset only, so visibility is decided by the caller
(``access.visible_articles``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources

from django.db import connection
from django.db.models import QuerySet

from sigap.kb.models import Article, ArticleSearchDocument
from sigap.text import indonesian as text

MAX_QUERY_TERMS = 32
MAX_DOCUMENT_CHARS = 100_000
SQLITE_WEIGHTS = "4.0, 1.0, 0.5"  # bm25() weights of head, body, english


# Words that frame a question rather than say what it is about ("gimana caranya", "mau
# tanya dong"): dropped from questions and articles alike, on top of the stop words.
FRAMING = frozenset(
    [
        "apa",
        "apakah",
        "bagaimana",
        "cara",
        "berapa",
        "kapan",
        "kenapa",
        "mengapa",
        "siapa",
        "mana",
        "mau",
        "ingin",
        "tolong",
        "mohon",
        "minta",
        "kalian",
        "kamu",
        "aku",
        "kak",
        "kakak",
        "gan",
        "sis",
        "bang",
        "halo",
        "hai",
        "aja",
        "dong",
        "deh",
        "kok",
        "tanya",
        "nanya",
        "info",
    ]
)


def _data_lines(name: str) -> Iterator[str]:
    for line in (resources.files("sigap.kb") / "data" / name).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line


@lru_cache(maxsize=100_000)
def _colloquial(word: str) -> str:
    """Stem of an informal affixed word Sastrawi does not know: "dibatalin" (-in for
    -kan/-i), "ngantar", "ngecek", "nyicil" (ng-/nge-/ny- for me-). The first reading
    whose stem is a root word wins; else a loanword loses its clitic ("vouchernya");
    else the word as Sastrawi left it."""
    bases = [word]
    if word.endswith("in") and len(word) > 5:
        bases += [word[:-2] + "kan", word[:-2] + "i", word[:-2]]
    candidates: list[str] = []
    for base in bases:
        candidates.append(base)
        if base.startswith("nge") and len(base) > 5:
            candidates.append(base[3:])
        if base.startswith("ny") and len(base) > 4:
            candidates += ["meny" + base[2:], "c" + base[2:], "s" + base[2:]]
        elif base.startswith("ng") and len(base) > 4:
            candidates += ["me" + base, base[2:]]
    roots = text.root_words()
    for candidate in candidates:
        stemmed = text.stem(candidate)
        if stemmed in roots:
            return stemmed
    for clitic in ("nya", "ku", "mu"):  # "vouchernya": a loanword Sastrawi leaves whole
        if word.endswith(clitic) and len(word) - len(clitic) >= 4:
            return word[: -len(clitic)]
    return text.stem(word)


def _stem(word: str) -> str:
    stemmed = text.stem(word)
    if word.startswith(("menge", "penge")) and stemmed == "e" + word[5:]:
        return word[5:] if word[5:] in text.root_words() else stemmed  # "mengecek": cek
    if stemmed != word or word in text.root_words() or "-" in word or not word.isalpha():
        return stemmed
    return _colloquial(word)


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """``data/synonyms.txt``: term -> the terms the articles use for it."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _data_lines("synonyms.txt"):
        left, right = line.split("\t")
        key = _stem(text.normalise(left.strip()))
        table[key] = tuple(_stem(w) for w in text.normalise(right).split())
    return table


@lru_cache(maxsize=200_000)
def _term(word: str) -> tuple[str, ...]:
    """Terms one normalised word stands for (none for a placeholder or framing word)."""
    if "_" in word:
        return ()  # order numbers, phone numbers, URLs and emoji say nothing about the topic
    stemmed = _stem(word)
    found = synonyms().get(stemmed, (stemmed,))
    return tuple(t for t in found if t not in FRAMING and word not in FRAMING)


def terms(value: str) -> list[str]:
    """Indexed terms of a text: the triage pipeline's normalised words without stop words,
    stemmed (informal affixes too), synonyms resolved, framing words dropped."""
    out: list[str] = []
    for word in text.tokens(value[:MAX_DOCUMENT_CHARS], stem=False, drop_stopwords=True):
        out.extend(_term(word))
    return out


def query_terms(q: str) -> list[str]:
    """Distinct terms of a query, in order, at most ``MAX_QUERY_TERMS``."""
    return list(dict.fromkeys(terms(q)))[:MAX_QUERY_TERMS]


def _join(parts: Iterable[str]) -> str:
    return " ".join(terms("\n".join(p for p in parts if p)))


def document_texts(article: Article) -> tuple[str, str, str]:
    """(head, body, english) of an article as stored for search."""
    head = _join([article.title, article.questions])
    body = _join([article.summary, article.body])
    english = _join([article.title_en, article.summary_en, article.body_en])
    return head, body, english


def index_article(article: Article) -> None:
    """Rebuild one article's search document (inside the caller's transaction)."""
    head, body, english = document_texts(article)
    ArticleSearchDocument.objects.update_or_create(
        article=article, defaults={"head": head, "body": body, "english": english}
    )


def search_articles(qs: QuerySet[Article], q: str, *, limit: int = 20) -> list[Article]:
    """Articles of ``qs`` matching any term of ``q``, best first, at most ``limit``."""
    words = query_terms(q)
    if not words:
        return []
    if connection.vendor == "postgresql":
        one = "(plainto_tsquery('indonesian', %s) || plainto_tsquery('simple', %s))"
        tsquery = " || ".join([one] * len(words))
        params = [w for word in words for w in (word, word)]
        ranked = qs.extra(
            tables=["kb_articlesearchdocument"],
            where=[
                "kb_articlesearchdocument.article_id = kb_article.id",
                f"kb_articlesearchdocument.tsv @@ ({tsquery})",
            ],
            params=params,
            select={"kb_rank": f"ts_rank(kb_articlesearchdocument.tsv, ({tsquery}))"},
            select_params=params,
        ).order_by("-kb_rank", "id")
        return list(ranked[:limit])
    match = " OR ".join('"{}"'.format(w.replace('"', '""')) for w in words)
    ranked = qs.extra(
        tables=["kb_article_fts"],
        where=["kb_article_fts.rowid = kb_article.id", "kb_article_fts MATCH %s"],
        params=[match],
        select={"kb_rank": f"bm25(kb_article_fts, {SQLITE_WEIGHTS})"},
    ).order_by("kb_rank", "id")
    return list(ranked[:limit])


def reindex_all() -> int:
    """Rebuild every article's search document (after a bulk import); returns the count."""
    done = 0
    for article in Article.objects.order_by("pk").iterator(chunk_size=500):
        index_article(article)
        done += 1
    return done
