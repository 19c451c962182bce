"""The help centre: public pages for customers and visitors (no sign-in). Only published
public articles exist here; anything else is a 404 like a missing page."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from sigap.core.errors import NotFound
from sigap.kb import selectors
from sigap.kb.access import public_article, public_articles
from sigap.kb.models import Article, Category
from sigap.kb.search import search_articles

SEARCH_LIMIT = 20
QUERY_CHARS = 200


@dataclass(frozen=True)
class Localised:
    """An article in the reader's language: English when chosen and translated."""

    article: Article
    title: str
    summary: str
    body: str
    lang: str


def localised(article: Article) -> Localised:
    if (get_language() or "id").startswith("en") and article.title_en and article.body_en:
        return Localised(article, article.title_en, article.summary_en, article.body_en, "en")
    return Localised(article, article.title, article.summary, article.body, "id")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "kb/help/home.html", {"categories": selectors.help_categories()})


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Category, slug=slug)
    articles = [localised(a) for a in selectors.help_category_articles(found)]
    if not articles:
        raise Http404("Kategori tidak ditemukan.")
    return render(request, "kb/help/category.html", {"category": found, "articles": articles})


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found = public_article(slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "kb/help/article.html",
        {
            "item": localised(found),
            "related": [localised(a) for a in selectors.related_articles(found)],
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:QUERY_CHARS]
    found = search_articles(public_articles().select_related("category"), q, limit=SEARCH_LIMIT)
    return render(
        request, "kb/help/search.html", {"q": q, "results": [localised(a) for a in found]}
    )
