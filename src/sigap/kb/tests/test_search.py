"""Full-text search of articles: stemming, informal Indonesian, English, the caller's
visibility, and input that must never be query syntax. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sigap.kb import index
from sigap.kb.access import public_articles, visible_articles
from sigap.kb.models import Article
from sigap.kb.search import search_articles, terms
from sigap.kb.services import ArticleIn, article_update

pytestmark = pytest.mark.django_db


def slugs(found: list[Article]) -> list[str]:
    return [a.slug for a in found]


@pytest.mark.parametrize(
    "q",
    [
        "paketku belum nyampe",
        "paket saya blm sampe2 kak",
        "PAKET BELUM SAMPAI!!",
        "pengiriman paket terlambat",
    ],
)
def test_informal_and_affixed_queries_find_the_article(kb: dict[str, Article], q: str) -> None:
    found = search_articles(public_articles(), q)
    assert found[0].slug == "paket-terlambat"


def test_affixed_forms_meet_their_root(kb: dict[str, Article]) -> None:
    # the article says "pengembalian", "dikirim"; the customer "dikembalikan", "kiriman"
    assert "waktu-refund" in slugs(search_articles(public_articles(), "dana dikembalikan"))
    assert slugs(search_articles(public_articles(), "melacak"))[0] == "lacak-paket"


def test_english_translation_is_searchable(kb: dict[str, Article]) -> None:
    assert slugs(search_articles(public_articles(), "forgot password"))[0] == "lupa-kata-sandi"


def test_results_come_only_from_the_callers_queryset(
    kb: dict[str, Article], agent: object, supervisor: object
) -> None:
    q = "paket belum sampai"
    public = slugs(search_articles(public_articles(), q))
    assert "kompensasi-internal" not in public
    assert "promo-rahasia" not in public and "kebijakan-lama" not in public
    staff = slugs(search_articles(visible_articles(agent), q))  # type: ignore[arg-type]
    assert "kompensasi-internal" in staff and "promo-rahasia" not in staff
    editors = slugs(search_articles(visible_articles(supervisor), q))  # type: ignore[arg-type]
    assert {"kompensasi-internal", "promo-rahasia", "kebijakan-lama"} <= set(editors)


@pytest.mark.parametrize(
    "q", ['paket" OR *', "NEAR(paket refund)", "head:paket", "'; DROP TABLE kb_article; --", "-"]
)
def test_query_syntax_in_user_input_is_harmless(kb: dict[str, Article], q: str) -> None:
    found = search_articles(public_articles(), q)
    assert all(a.is_public for a in found)
    assert Article.objects.count() == len(kb)


def test_empty_and_stop_word_queries_find_nothing(kb: dict[str, Article]) -> None:
    assert search_articles(public_articles(), "") == []
    assert search_articles(public_articles(), "yang dan atau") == []


def test_the_limit_is_respected(kb: dict[str, Article]) -> None:
    assert len(search_articles(public_articles(), "paket refund kata sandi", limit=2)) == 2


def test_an_edit_is_searchable_at_once(kb: dict[str, Article]) -> None:
    article = kb["lupa-kata-sandi"]
    article_update(
        actor=None,
        article=article,
        content=ArticleIn(
            category=article.category,
            title=article.title,
            body=article.body + " Akun terblokir karena salah memasukkan sandi?",
            status="published",
        ),
    )
    assert slugs(search_articles(public_articles(), "terblokir")) == ["lupa-kata-sandi"]
    assert index.current().search("terblokir")[0].entry.slug == "lupa-kata-sandi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dibatalin", ["batal"]),  # -in for -kan
        ("ngecek", ["cek"]),  # nge- for me-
        ("ngantar", ["antar"]),
        ("vouchernya", ["voucher"]),  # a loanword keeps its root
        ("cancel order", ["batal", "pesan"]),  # synonyms
        ("paketku belum nyampe", ["paket", "belum", "sampai"]),
        ("gimana caranya", []),  # framing words
        ("BLJ-2026-104233", []),  # an order number says nothing about the topic
    ],
)
def test_terms(text: str, expected: list[str]) -> None:
    assert terms(text) == expected
