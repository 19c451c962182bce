"""The help centre: customers and visitors see only published public articles; anything
else is a 404 exactly like a missing article."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.kb.models import Article

pytestmark = pytest.mark.django_db
HIDDEN = ("kompensasi-internal", "promo-rahasia", "kebijakan-lama")


def listed(html: bytes) -> set[str]:
    return set(re.findall(r'data-article="([^"]+)"', html.decode()))


@pytest.fixture(params=["anonymous", "customer"])
def visitor(request: pytest.FixtureRequest, customer_user: User) -> Client:
    client = Client()
    if request.param == "customer":
        client.force_login(customer_user)
    return client


def test_home_lists_categories_with_public_articles(
    visitor: Client, kb: dict[str, Article]
) -> None:
    html = visitor.get("/bantuan/").content.decode()
    assert "/bantuan/kategori/pengiriman/" in html and "(2)" in html  # not the internal one
    assert "/bantuan/kategori/pembayaran/" in html and "(3)" in html  # not the draft


def test_a_public_article_is_shown(visitor: Client, kb: dict[str, Article]) -> None:
    response = visitor.get("/bantuan/artikel/paket-terlambat/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Paket belum sampai melewati estimasi" in html and "Cara melacak paket" in html


@pytest.mark.parametrize("slug", [*HIDDEN, "tidak-ada"])
def test_hidden_and_missing_articles_are_the_same_404(
    visitor: Client, kb: dict[str, Article], slug: str
) -> None:
    response = visitor.get(f"/bantuan/artikel/{slug}/")
    assert response.status_code == 404
    assert b"Rp50.000" not in response.content and b"Draf" not in response.content


def test_categories_show_only_public_articles(visitor: Client, kb: dict[str, Article]) -> None:
    assert listed(visitor.get("/bantuan/kategori/pengiriman/").content) == {
        "paket-terlambat",
        "lacak-paket",
    }
    assert visitor.get("/bantuan/kategori/tidak-ada/").status_code == 404


def test_search_finds_informal_questions_and_never_hidden_articles(
    visitor: Client, kb: dict[str, Article]
) -> None:
    found = listed(visitor.get("/bantuan/cari/", {"q": "paketku belum nyampe"}).content)
    assert "paket-terlambat" in found
    assert not found & set(HIDDEN)
    empty = visitor.get("/bantuan/cari/", {"q": "tiket pesawat"})
    assert empty.status_code == 200 and listed(empty.content) == set()


def test_the_english_translation_is_shown_in_english(kb: dict[str, Article]) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/bantuan/artikel/lupa-kata-sandi/").content.decode()
    assert "Forgot your password" in html and 'lang="en"' in html
    # no translation: the Indonesian text
    assert (
        "Berapa lama proses refund" in client.get("/bantuan/artikel/waktu-refund/").content.decode()
    )


def test_a_category_with_only_hidden_articles_is_not_shown(
    kb: dict[str, Article], supervisor: User
) -> None:
    from sigap.kb.services import CategoryIn, category_create

    category_create(actor=supervisor, data=CategoryIn(name="Rahasia"))
    assert Client().get("/bantuan/kategori/rahasia/").status_code == 404
    assert "/bantuan/kategori/rahasia/" not in Client().get("/bantuan/").content.decode()
