"""Staff pages of the knowledge base: list and search (every staff member, agents see
published articles including internal ones), create, edit, history and restore
(supervisors and admins), categories, and the suggestions fragment for a ticket."""

from __future__ import annotations

import difflib
from typing import cast

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.models import User
from sigap.core.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from sigap.kb import feedback, selectors, services
from sigap.kb.access import access_article, can_edit, visible_articles
from sigap.kb.forms import ArticleForm, CategoryForm, show_errors
from sigap.kb.models import Article, ArticleStatus, ArticleVersion, Category, Visibility
from sigap.kb.search import search_articles
from sigap.tickets.access import access_ticket

PAGE_SIZE = 50
SEARCH_LIMIT = 50
DRAFT_CHARS = 500
DIFF_FIELDS = (
    ("title", gettext_lazy("Judul")),
    ("summary", gettext_lazy("Ringkasan")),
    ("body", gettext_lazy("Isi")),
    ("questions", gettext_lazy("Variasi pertanyaan")),
    ("title_en", gettext_lazy("Judul (Inggris)")),
    ("summary_en", gettext_lazy("Ringkasan (Inggris)")),
    ("body_en", gettext_lazy("Isi (Inggris)")),
    ("visibility", gettext_lazy("Visibilitas")),
    ("status", gettext_lazy("Status")),
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _article(request: HttpRequest, article_id: int) -> Article:
    try:
        return access_article(_user(request), article_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = visible_articles(user).select_related("category")
    category = request.GET.get("kategori", "")
    if category:
        qs = qs.filter(category__slug=category)
    visibility = request.GET.get("visibilitas", "")
    if visibility in Visibility.values:
        qs = qs.filter(visibility=visibility)
    status = request.GET.get("status", "")
    if status in ArticleStatus.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    context: dict[str, object] = {
        "q": q,
        "category": category,
        "visibility": visibility,
        "status": status,
        "categories": Category.objects.order_by("position", "name"),
        "visibilities": Visibility.choices,
        "statuses": ArticleStatus.choices if can_edit(user) else [],
        "can_edit": can_edit(user),
    }
    if q:
        context["articles"] = search_articles(qs, q, limit=SEARCH_LIMIT)
    else:
        page = Paginator(qs.order_by("category__position", "category__name", "title"), PAGE_SIZE)
        context["page"] = page.get_page(request.GET.get("halaman"))
        context["articles"] = context["page"].object_list  # type: ignore[attr-defined]
    return render(request, "kb/article_list.html", context)


@require_GET
@staff_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(request, article_id)
    return render(
        request,
        "kb/article_detail.html",
        {
            "article": article,
            "can_edit": can_edit(_user(request)),
            "quality": feedback.article_quality(article.pk),
        },
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def article_create(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=_user(request),
                content=form.content(),
                slug=form.cleaned_data["slug"],
                note=form.cleaned_data["note"],
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash.success(request, _("Artikel disimpan."))
            return redirect("kb:article", article_id=article.pk)
    return render(request, "kb/article_form.html", {"form": form, "article": None})


@require_http_methods(["GET", "POST"])
@supervisor_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(request, article_id)
    form = ArticleForm(request.POST or None, article=article)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.article_update(
                actor=_user(request),
                article=article,
                content=form.content(),
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except (ValidationFailed, StaleVersion) as exc:
            show_errors(form, ValidationFailed(exc.message, fields=exc.fields))
        else:
            changed = saved.version != article.version
            flash.success(
                request,
                _("Disimpan sebagai versi %(n)s.") % {"n": saved.version}
                if changed
                else _("Tidak ada perubahan."),
            )
            return redirect("kb:article", article_id=article.pk)
    return render(request, "kb/article_form.html", {"form": form, "article": article})


@require_GET
@staff_required
def article_history(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(request, article_id)
    versions = article.versions.select_related("edited_by", "category").order_by("-number")
    return render(
        request,
        "kb/history.html",
        {"article": article, "versions": versions, "can_edit": can_edit(_user(request))},
    )


def _diff(old: ArticleVersion | None, new: ArticleVersion) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name, label in DIFF_FIELDS:
        before = str(getattr(old, name, "")) if old is not None else ""
        after = str(getattr(new, name))
        if before == after:
            continue
        lines = [
            (line[0], line[2:])
            for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[0] in "+- "
        ]
        out.append({"label": label, "lines": lines})
    if old is not None and old.category_id != new.category_id:
        out.append(
            {
                "label": "Kategori",
                "lines": [("-", str(old.category or "—")), ("+", str(new.category or "—"))],
            }
        )
    return out


@require_GET
@staff_required
def version_detail(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    article = _article(request, article_id)
    version = get_object_or_404(
        ArticleVersion.objects.select_related("edited_by", "category"),
        article=article,
        number=number,
    )
    previous = article.versions.filter(number__lt=number).order_by("-number").first()
    return render(
        request,
        "kb/version.html",
        {
            "article": article,
            "version": version,
            "previous": previous,
            "changes": _diff(previous, version),
            "can_edit": can_edit(_user(request)),
        },
    )


@require_POST
@supervisor_required
def version_restore(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    article = _article(request, article_id)
    try:
        saved = services.article_restore(
            actor=_user(request),
            article=article,
            number=number,
            expected_version=_int(request.POST.get("version")),
        )
    except (ValidationFailed, StaleVersion, PermissionDenied) as exc:
        flash.error(request, exc.message)
        return redirect("kb:history", article_id=article.pk)
    if saved.version == article.version:
        flash.info(
            request,
            _("Versi %(n)s sama dengan isi sekarang; tidak ada yang diubah.") % {"n": number},
        )
    else:
        flash.success(
            request,
            _("Versi %(n)s dipulihkan sebagai versi %(new)s.")
            % {"n": number, "new": saved.version},
        )
    return redirect("kb:article", article_id=article.pk)


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@supervisor_required
def categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_create(actor=_user(request), data=form.data_in())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash.success(request, _("Kategori ditambahkan."))
            return redirect("kb:categories")
    return _categories_page(request, form, None)


@require_http_methods(["GET", "POST"])
@supervisor_required
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=category_id)
    initial = {
        "name": category.name,
        "slug": category.slug,
        "name_en": category.name_en,
        "description": category.description,
        "position": category.position,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(actor=_user(request), category=category, data=form.data_in())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash.success(request, _("Kategori disimpan."))
            return redirect("kb:categories")
    return _categories_page(request, form, category)


def _categories_page(
    request: HttpRequest, form: CategoryForm, editing: Category | None
) -> HttpResponse:
    rows = Category.objects.annotate(n_articles=Count("articles")).order_by("position", "name")
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request,
        "kb/categories.html",
        {"categories": rows, "form": form, "editing": editing},
        status=status,
    )


@require_GET
@staff_required
def suggestions(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """HTML fragment (htmx) for the composer: articles matching the ticket and, when
    given, the agent's draft (``?q=``)."""
    try:
        ticket = access_ticket(_user(request), ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    found = selectors.suggest_for_ticket(ticket, extra=request.GET.get("q", "")[:DRAFT_CHARS])
    return render(request, "kb/_suggestions.html", {"ticket": ticket, "suggestions": found})
