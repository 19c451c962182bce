"""The help centre: public pages for customers and visitors (no sign-in). Only published
public articles exist here; anything else is a 404 like a missing page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sigap.core.errors import NotFound
from sigap.kb import feedback, selectors
from sigap.kb.access import public_article, public_articles
from sigap.kb.models import Article, Category
from sigap.kb.search import search_articles
from sigap.kb.snippets import highlight, snippet

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


@dataclass(frozen=True)
class Result:
    """A search result: the article in the reader's language, its title and a snippet
    of its text with the query's terms marked."""

    item: Localised
    title: SafeString
    snippet: SafeString


def results(articles: list[Article], q: str) -> list[Result]:
    out = []
    for article in articles:
        item = localised(article)
        text = f"{item.summary}\n{item.body}" if item.summary else item.body
        out.append(Result(item, highlight(item.title, q), snippet(text, q)))
    return out


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
            "voted": request.session.get(_VOTED, {}).get(str(found.pk)),
        },
    )


_VOTED = "kb_voted"  # article id -> "1"/"0": this browser's answer, to show it back


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Was this helpful?": one answer per reader and article (a second one changes it)."""
    try:
        found = public_article(slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    answer = request.POST.get("helpful", "")
    if answer not in ("1", "0"):
        return HttpResponse(_("Jawaban tidak dikenal."), status=400)
    if not request.session.session_key:
        request.session.save()
    voter = feedback.voter_key(request.user, request.session.session_key or "")  # type: ignore[arg-type]
    feedback.article_vote(article=found, voter=voter, helpful=answer == "1")
    request.session[_VOTED] = {**request.session.get(_VOTED, {}), str(found.pk): answer}
    if request.headers.get("HX-Request"):
        return render(request, "kb/help/_vote.html", {"item": localised(found), "voted": answer})
    flash.success(request, _("Terima kasih atas penilaian Anda."))
    return redirect("help:article", slug=found.slug)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:QUERY_CHARS]
    found = search_articles(public_articles().select_related("category"), q, limit=SEARCH_LIMIT)
    return render(request, "kb/help/search.html", {"q": q, "results": results(found, q)})
