"""Okapi BM25 over weighted term frequencies, in memory (no dependencies).

A document is a mapping ``term -> weighted frequency``: the caller counts a title word
``HEAD_WEIGHT`` times and a body word once, which is the simple form of BM25F (fields
weighted inside the term frequency, one length normalisation over the weighted length).

    score(d, q) = sum over distinct t in q of  idf(t) * tf(t, d) * (k1 + 1)
                                              / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))        (never negative)

The term part of each posting is computed once when the index is built, so a query costs
one pass over the postings of its terms. ``coverage`` tells how much of a query (by idf)
a document contains; an unknown query word weighs as much as the rarest known word, so a
question about something the knowledge base never mentions scores low.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Hit:
    doc: int  # position of the document in the sequence given to ``Bm25``
    score: float


class Bm25:
    def __init__(
        self, docs: Sequence[Mapping[str, float]], *, k1: float = K1, b: float = B
    ) -> None:
        self.size = len(docs)
        lengths = [sum(doc.values()) for doc in docs]
        avgdl = (sum(lengths) / self.size) if self.size else 1.0
        avgdl = avgdl or 1.0
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(docs):
            norm = k1 * (1 - b + b * lengths[i] / avgdl)
            for term, tf in doc.items():
                if tf > 0:
                    postings.setdefault(term, []).append((i, tf * (k1 + 1) / (tf + norm)))
        self.postings = postings
        self.idf = {term: self._idf(len(plist)) for term, plist in postings.items()}
        self.max_idf = self._idf(0)
        self.terms = [frozenset(t for t, tf in doc.items() if tf > 0) for doc in docs]

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def idf_of(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)

    def scores(self, terms: Iterable[str]) -> dict[int, float]:
        """Score of every document that contains at least one of the (distinct) terms."""
        acc: dict[int, float] = {}
        for term in dict.fromkeys(terms):
            plist = self.postings.get(term)
            if plist is None:
                continue
            idf = self.idf[term]
            for doc, weight in plist:
                acc[doc] = acc.get(doc, 0.0) + idf * weight
        return acc

    def top(
        self, terms: Iterable[str], k: int, *, keep: Callable[[int], bool] | None = None
    ) -> list[Hit]:
        """The ``k`` best documents (highest score first; ties by position), optionally
        only those ``keep`` accepts."""
        acc = self.scores(terms)
        items = acc.items() if keep is None else ((d, s) for d, s in acc.items() if keep(d))
        best = heapq.nsmallest(k, items, key=lambda item: (-item[1], item[0]))
        return [Hit(doc, score) for doc, score in best]

    def coverage(self, terms: Iterable[str], doc: int) -> float:
        """Share of the query's idf weight found in the document (0..1)."""
        distinct = list(dict.fromkeys(terms))
        total = sum(self.idf_of(t) for t in distinct)
        if not total:
            return 0.0
        present = self.terms[doc]
        return sum(self.idf_of(t) for t in distinct if t in present) / total
