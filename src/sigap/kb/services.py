"""Every write to the knowledge base.

An article write (create, edit, restore) runs in one transaction that: checks the
editor's role and the version the editor started from, saves the article with its
version number increased, stores the full content as an ``ArticleVersion`` (so every
edit keeps the previous version, and a restore is one more version), rebuilds the
search document and changes the index generation. An edit that changes nothing writes
nothing. ``actor=None`` is the system (the demo loader, ``sigap kb-import``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy

from sigap.accounts.models import Brand, User
from sigap.core.errors import Conflict, StaleVersion, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.kb import fact_settings, index
from sigap.kb.access import require_editor
from sigap.kb.models import (
    CONTENT_FIELDS,
    Article,
    ArticleStatus,
    ArticleVersion,
    Category,
    RequiredFact,
    Visibility,
)
from sigap.kb.search import index_article

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TITLE_MAX = 200
NOTE_MAX = 200


@dataclass(frozen=True)
class ArticleIn:
    """The content of an article, as an editor submits it."""

    category: Category
    title: str
    body: str
    summary: str = ""
    questions: str = ""
    title_en: str = ""
    summary_en: str = ""
    body_en: str = ""
    visibility: str = Visibility.PUBLIC
    status: str = ArticleStatus.DRAFT
    # the brand whose help centre shows it; None: every brand's
    brand: Brand | None = None

    def cleaned(self) -> ArticleIn:
        """Whitespace trimmed, question variants one per line; raises ValidationFailed."""
        questions = "\n".join(q.strip() for q in self.questions.splitlines() if q.strip())
        out = replace(
            self,
            title=self.title.strip(),
            body=self.body.strip(),
            summary=self.summary.strip(),
            questions=questions,
            title_en=self.title_en.strip(),
            summary_en=self.summary_en.strip(),
            body_en=self.body_en.strip(),
        )
        errors: dict[str, list[str]] = {}
        if not out.title:
            errors["title"] = [gettext("Judul wajib diisi.")]
        elif len(out.title) > TITLE_MAX or len(out.title_en) > TITLE_MAX:
            errors["title"] = [
                gettext("Judul paling panjang %(max)d karakter.") % {"max": TITLE_MAX}
            ]
        if not out.body:
            errors["body"] = [gettext("Isi artikel wajib diisi.")]
        if out.visibility not in Visibility.values:
            errors["visibility"] = [gettext("Visibilitas tidak dikenal.")]
        if out.status not in ArticleStatus.values:
            errors["status"] = [gettext("Status tidak dikenal.")]
        if errors:
            raise ValidationFailed(gettext("Artikel belum lengkap."), fields=errors)
        return out


def content_of(obj: Article | ArticleVersion) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in CONTENT_FIELDS}


def _differs(article: Article, content: ArticleIn) -> bool:
    if article.category_id != content.category.pk:
        return True
    if article.brand_id != (content.brand.pk if content.brand is not None else None):
        return True
    return any(getattr(article, name) != getattr(content, name) for name in CONTENT_FIELDS)


def _snapshot(
    article: Article, *, actor: User | None, note: str, restored_from: int | None = None
) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        category_id=article.category_id,
        edited_by=actor,
        note=note.strip()[:NOTE_MAX],
        restored_from=restored_from,
        created_at=article.updated_at,
        **content_of(article),
    )


def _apply(article: Article, content: ArticleIn) -> None:
    article.category = content.category
    article.brand = content.brand
    for name in CONTENT_FIELDS:
        setattr(article, name, getattr(content, name))
    if content.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = article.updated_at


@transaction.atomic
def article_create(
    *, actor: User | None, content: ArticleIn, slug: str = "", note: str = ""
) -> Article:
    if actor is not None:
        require_editor(actor)
    content = content.cleaned()
    slug = (slug.strip() or slugify(content.title))[:120]
    if not SLUG_RE.fullmatch(slug):
        raise ValidationFailed(
            gettext("Alamat artikel tidak valid."),
            fields={
                "slug": [gettext("Gunakan huruf kecil, angka dan tanda hubung, mis. lacak-paket.")]
            },
        )
    if Article.objects.filter(slug=slug).exists():
        raise ValidationFailed(
            gettext("Alamat artikel sudah dipakai."),
            fields={"slug": [gettext("Alamat ini sudah dipakai.")]},
        )
    now = timezone.now()
    article = Article(
        slug=slug, version=1, created_at=now, updated_at=now, created_by=actor, updated_by=actor
    )
    _apply(article, content)
    article.save()
    _snapshot(article, actor=actor, note=note or said_in_default_language(gettext_lazy("Dibuat")))
    index_article(article)
    index.bump_generation()
    return article


def _locked(article: Article, expected_version: int | None) -> Article:
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            gettext(
                "Artikel ini sudah diubah orang lain (sekarang versi %(version)s). "
                "Muat ulang halaman, lalu ulangi perubahan Anda."
            )
            % {"version": locked.version}
        )
    return locked


def _save_version(
    article: Article,
    content: ArticleIn,
    *,
    actor: User | None,
    note: str,
    restored_from: int | None = None,
) -> Article:
    article.updated_at = timezone.now()
    article.updated_by = actor
    article.version += 1
    _apply(article, content)
    article.save()
    _snapshot(article, actor=actor, note=note, restored_from=restored_from)
    index_article(article)
    index.bump_generation()
    return article


@transaction.atomic
def article_update(
    *,
    actor: User | None,
    article: Article,
    content: ArticleIn,
    expected_version: int | None = None,
    note: str = "",
) -> Article:
    """Save an edit as a new version; an edit that changes nothing is not saved."""
    if actor is not None:
        require_editor(actor)
    content = content.cleaned()
    locked = _locked(article, expected_version)
    if not _differs(locked, content):
        return locked
    return _save_version(locked, content, actor=actor, note=note)


@transaction.atomic
def article_restore(
    *, actor: User, article: Article, number: int, expected_version: int | None = None
) -> Article:
    """Make the content of version ``number`` the current one, as a new version."""
    require_editor(actor)
    locked = _locked(article, expected_version)
    old = ArticleVersion.objects.filter(article=locked, number=number).first()
    if old is None:
        raise ValidationFailed(gettext("Versi %(number)s tidak ada.") % {"number": number})
    category = old.category or locked.category
    content = ArticleIn(category=category, brand=locked.brand, **content_of(old))
    if not _differs(locked, content):
        return locked
    return _save_version(
        locked,
        content,
        actor=actor,
        note=gettext("Dipulihkan dari versi %(n)s") % {"n": number},
        restored_from=number,
    )


@transaction.atomic
def article_delete(*, actor: User, article: Article) -> None:
    """Delete an article and its history (archiving is usually the better choice)."""
    require_editor(actor)
    Article.objects.filter(pk=article.pk).delete()
    index.bump_generation()


# --- Categories ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryIn:
    name: str
    slug: str = ""
    name_en: str = ""
    description: str = ""
    position: int = 0


def _category_fields(data: CategoryIn, *, exclude_pk: int | None) -> dict[str, Any]:
    name = data.name.strip()
    slug = (data.slug.strip() or slugify(name))[:100]
    others = Category.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [gettext("Nama kategori wajib diisi.")]
    elif others.filter(name=name).exists():
        errors["name"] = [gettext("Nama ini sudah dipakai.")]
    if not SLUG_RE.fullmatch(slug):
        errors["slug"] = [gettext("Gunakan huruf kecil, angka dan tanda hubung.")]
    elif others.filter(slug=slug).exists():
        errors["slug"] = [gettext("Kode ini sudah dipakai.")]
    if errors:
        raise ValidationFailed(gettext("Kategori belum benar."), fields=errors)
    return {
        "name": name,
        "slug": slug,
        "name_en": data.name_en.strip(),
        "description": data.description.strip(),
        "position": max(0, data.position),
    }


@transaction.atomic
def category_create(*, actor: User | None, data: CategoryIn) -> Category:
    if actor is not None:
        require_editor(actor)
    category = Category.objects.create(**_category_fields(data, exclude_pk=None))
    index.bump_generation()
    return category


@transaction.atomic
def category_update(*, actor: User, category: Category, data: CategoryIn) -> Category:
    require_editor(actor)
    for name, value in _category_fields(data, exclude_pk=category.pk).items():
        setattr(category, name, value)
    category.save()
    index.bump_generation()  # the index keeps each article's category slug
    return category


@transaction.atomic
def category_save(*, actor: User | None, category: Category) -> Category:
    """Save a category validated elsewhere (the admin form)."""
    if actor is not None:
        require_editor(actor)
    category.save()
    index.bump_generation()
    return category


@transaction.atomic
def category_delete(*, actor: User, category: Category) -> None:
    require_editor(actor)
    try:
        category.delete()
    except ProtectedError as exc:
        raise Conflict(
            gettext("Kategori ini masih berisi artikel; pindahkan dulu artikelnya.")
        ) from exc
    index.bump_generation()


# --- Facts the chatbot collects -------------------------------------------------------------


def check_pattern(pattern: str) -> None:
    """The settings page's checks (``fact_settings.compiled``): valid, not too long, not
    one that runs out of time on hostile text."""
    try:
        fact_settings.compiled(pattern)
    except ValidationFailed as exc:
        raise ValidationFailed(gettext("Pola tidak valid."), fields=exc.fields) from exc


@transaction.atomic
def required_fact_save(*, actor: User | None, fact: RequiredFact) -> RequiredFact:
    """Save a required-fact rule (its categories are set by the caller afterwards, in
    the same transaction, e.g. by the admin form)."""
    if actor is not None:
        require_editor(actor)
    check_pattern(fact.pattern)
    fact.save()
    index.bump_generation()
    return fact


@transaction.atomic
def required_fact_delete(*, actor: User, fact: RequiredFact) -> None:
    require_editor(actor)
    fact.delete()
    index.bump_generation()


# --- Import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return gettext("%(created)d dibuat, %(updated)d diperbarui, %(unchanged)d tetap") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


IMPORT_TEXT_FIELDS = ("summary", "title_en", "summary_en", "body_en")


def _import_row(row: Any, n: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise ValidationFailed(gettext("Baris %(n)s: harus berupa objek JSON.") % {"n": n})
    missing = [k for k in ("slug", "title", "category", "body") if not row.get(k)]
    if missing:
        raise ValidationFailed(
            gettext("Baris %(n)s (%(slug)s): kosong: %(fields)s.")
            % {"n": n, "slug": row.get("slug", "?"), "fields": ", ".join(missing)}
        )
    wrong = [k for k, v in row.items() if not isinstance(v, str | list)]
    if wrong:
        raise ValidationFailed(
            gettext("Baris %(n)s: nilai tidak dikenal untuk %(fields)s.")
            % {"n": n, "fields": ", ".join(wrong)}
        )
    return row


@transaction.atomic
def import_articles(rows: list[Any], *, actor: User | None = None) -> ImportResult:
    """Create or update articles from rows of ``{slug, title, category, body}`` and the
    optional ``summary, questions (a list or lines), title_en, summary_en, body_en,
    visibility, status, category_en``. New articles are published and public unless the
    row says otherwise; an existing article keeps its visibility, status and question
    variants unless the row gives them. An unchanged article gets no new version."""
    imported = said_in_default_language(gettext_lazy("Impor"))
    if actor is not None:
        require_editor(actor)
    categories = {c.name: c for c in Category.objects.all()}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for n, raw in enumerate(rows, start=1):
        row = _import_row(raw, n)
        name = str(row["category"]).strip()
        if name not in categories:
            categories[name] = category_create(
                actor=actor,
                data=CategoryIn(
                    name=name, name_en=str(row.get("category_en", "")), position=len(categories)
                ),
            )
        questions = row.get("questions", "")
        if isinstance(questions, list):
            questions = "\n".join(str(q) for q in questions)
        existing = Article.objects.filter(slug=str(row["slug"])).first()
        base: dict[str, Any] = (
            {"visibility": Visibility.PUBLIC, "status": ArticleStatus.PUBLISHED}
            if existing is None
            else {**content_of(existing)}
        )
        content = ArticleIn(
            category=categories[name],
            title=str(row["title"]),
            body=str(row["body"]),
            questions=str(questions) if "questions" in row else base.get("questions", ""),
            visibility=str(row.get("visibility", base["visibility"])),
            status=str(row.get("status", base["status"])),
            brand=existing.brand if existing is not None else None,  # kept as it is
            **{k: str(row.get(k, base.get(k, ""))) for k in IMPORT_TEXT_FIELDS},
        )
        if existing is None:
            article_create(actor=actor, content=content, slug=str(row["slug"]), note=imported)
            counts["created"] += 1
            continue
        saved = article_update(actor=actor, article=existing, content=content, note=imported)
        counts["updated" if saved.version != existing.version else "unchanged"] += 1
    return ImportResult(**counts)


def load_articles(path: str | Path, *, actor: User | None = None) -> ImportResult:
    """Import a JSON file: a list of articles (see ``import_articles``)."""
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(
            gettext("Berkas %(path)s tidak dapat dibaca sebagai JSON: %(why)s")
            % {"path": path, "why": exc}
        ) from exc
    if not isinstance(rows, list):
        raise ValidationFailed(
            gettext("Berkas %(path)s: isinya harus daftar (list) artikel.") % {"path": path}
        )
    return import_articles(rows, actor=actor)
