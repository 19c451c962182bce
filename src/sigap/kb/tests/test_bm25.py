"""The BM25 module on hand-made documents (no database)."""

from __future__ import annotations

import math

import pytest

from sigap.kb.bm25 import Bm25

DOCS = [
    {"paket": 2.0, "lambat": 1.0},
    {"paket": 1.0, "lacak": 3.0},
    {"refund": 1.0, "dana": 1.0, "masuk": 1.0},
]


def test_it_ranks_by_matching_terms_and_rarity() -> None:
    index = Bm25(DOCS)
    hits = index.top(["paket", "lambat"], 3)
    assert [h.doc for h in hits] == [0, 1]
    assert hits[0].score == pytest.approx(index.scores(["paket", "lambat"])[0])
    assert [h.doc for h in index.top(["refund"], 3)] == [2]
    assert index.top(["tiket", "pesawat"], 3) == []


def test_idf_is_the_okapi_formula_and_never_negative() -> None:
    index = Bm25(DOCS)
    assert index.idf["paket"] == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))
    assert index.idf["refund"] == pytest.approx(math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)))
    assert index.idf_of("unknown") == pytest.approx(math.log(1 + 3.5 / 0.5))
    assert min(index.idf.values()) > 0


def test_term_frequency_saturates_and_long_documents_are_normalised() -> None:
    index = Bm25([{"a": 1.0}, {"a": 10.0}, {"a": 1.0, "b": 20.0}])
    scores = index.scores(["a"])
    assert scores[1] > scores[0] > scores[2]
    assert scores[1] < 10 * scores[0]  # saturation: ten times the term, not ten times the score


def test_repeated_query_terms_count_once() -> None:
    index = Bm25(DOCS)
    assert index.scores(["paket", "paket"]) == index.scores(["paket"])


def test_keep_filters_documents_and_ties_break_by_position() -> None:
    index = Bm25([{"a": 1.0}, {"a": 1.0}, {"a": 1.0}])
    assert [h.doc for h in index.top(["a"], 2)] == [0, 1]
    assert [h.doc for h in index.top(["a"], 2, keep=lambda d: d != 0)] == [1, 2]


def test_coverage_is_the_share_of_idf_weight_present() -> None:
    index = Bm25(DOCS)
    assert index.coverage(["refund", "dana"], 2) == 1.0
    assert index.coverage(["refund", "dana"], 0) == 0.0
    partial = index.coverage(["refund", "tiket"], 2)
    expected = index.idf["refund"] / (index.idf["refund"] + index.max_idf)
    assert partial == pytest.approx(expected)
    assert index.coverage([], 0) == 0.0


def test_an_empty_index_answers_nothing() -> None:
    index = Bm25([])
    assert index.top(["paket"], 5) == []
