"""The help centre: public pages for customers and visitors (no sign-in). Only published
public articles exist here; anything else is a 404 like a missing page."""

from __future__ import annotations

from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts import brands
from sigap.accounts.limits import (
    SUGGESTIONS_LIMITED,
    SUGGESTIONS_RETRY_SECONDS,
    suggestions_allowed,
)
from sigap.connectors.livechat.services import language_of
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


def _brand_id(request: HttpRequest) -> int:
    """The brand whose help centre this is (``?brand=``, remembered): its own articles and
    the shared ones are shown, another brand's own are not found."""
    return brands.from_request(request).id


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    categories = selectors.help_categories(_brand_id(request))
    return render(request, "kb/help/home.html", {"categories": categories})


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Category, slug=slug)
    articles = [localised(a) for a in selectors.help_category_articles(found, _brand_id(request))]
    if not articles:
        raise Http404(_("Kategori tidak ditemukan."))
    return render(request, "kb/help/category.html", {"category": found, "articles": articles})


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    brand_id = _brand_id(request)
    try:
        found = public_article(slug, brand_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "kb/help/article.html",
        {
            "item": localised(found),
            "related": [localised(a) for a in selectors.related_articles(found, brand_id=brand_id)],
            "voted": request.session.get(_VOTED, {}).get(str(found.pk)),
        },
    )


_VOTED = "kb_voted"  # article id -> "1"/"0": this browser's answer, to show it back


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Was this helpful?": one answer per reader and article (a second one changes it)."""
    try:
        found = public_article(slug, _brand_id(request))
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
    found = search_articles(
        public_articles(_brand_id(request)).select_related("category"), q, limit=SEARCH_LIMIT
    )
    return render(request, "kb/help/search.html", {"q": q, "results": results(found, q)})


WIDGET_SNIPPET_CHARS = 140


@require_GET
def widget_suggestions(request: HttpRequest) -> JsonResponse:
    """Published articles for what a visitor types in the live chat widget's start form
    (``q``), in the page's language (``lang``), for any site that carries the widget (no
    cookies, nothing private). ``t``: the form's token; its links carry it, so an opened
    one is noted (``widget_article``) and counts for the dashboard's deflection."""
    q = request.GET.get("q", "")
    token = request.GET.get("t", "")
    language = language_of(request.GET.get("lang", ""))
    # the brand the widget is embedded for (its ``data-brand``; no cookies here)
    brand = brands.by_slug(request.GET.get("brand", "")) or brands.default()
    if not suggestions_allowed(request):
        with translation.override(language):
            message = str(SUGGESTIONS_LIMITED)
        limited = JsonResponse(
            {"articles": [], "error": {"code": "rate_limited", "message": message}}, status=429
        )
        limited["Access-Control-Allow-Origin"] = "*"
        limited["Retry-After"] = str(SUGGESTIONS_RETRY_SECONDS)
        return limited
    params = {"t": token} if feedback.valid_token(token) else {}
    if not brand.is_default:
        params["brand"] = brand.slug  # the article opens in that brand's help centre
    if language != settings.LANGUAGE_CODE:
        params["lang"] = language  # the article opens in the page's language
    query = f"?{urlencode(params)}" if params else ""
    site = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        articles = []
        for found in selectors.portal_suggestions(q, limit=3, brand_id=brand.id):
            item = localised(found)
            text = snippet(item.summary or item.body, q, chars=WIDGET_SNIPPET_CHARS)
            articles.append(
                {
                    "title": item.title,
                    "snippet": unescape(strip_tags(text)),
                    "lang": item.lang,
                    "url": site + reverse("help:widget_article", args=[found.slug]) + query,
                }
            )
    response = JsonResponse({"articles": articles})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def widget_article(request: HttpRequest, slug: str) -> HttpResponse:
    """An article the widget suggested, opened: noted once per form (``t``), then the
    help centre's page, in the widget's page's language (``lang``: chosen for this browser,
    as the language switch does)."""
    brand = brands.by_slug(request.GET.get("brand", ""))
    try:
        found = public_article(slug, (brand or brands.default()).id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    token = request.GET.get("t", "")
    if feedback.valid_token(token):
        feedback.suggestion_opened(user=None, token=token, article=found)
    target = reverse("help:article", args=[found.slug])
    if brand is not None and not brand.is_default:
        target += "?" + urlencode({"brand": brand.slug})
    response = redirect(target)
    if request.GET.get("lang"):
        response.set_cookie(  # as Django's set_language view sets it
            settings.LANGUAGE_COOKIE_NAME,
            language_of(request.GET["lang"]),
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
