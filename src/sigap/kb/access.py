"""Who may see and change knowledge-base articles.

- supervisors and admins: every article (drafts and archived ones too), and they edit;
- agents: published articles, public and internal; they do not edit;
- customers and anonymous visitors (the help centre, the chatbot): published public
  articles only. Anything else is ``NotFound``, exactly like a missing article.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from sigap.accounts.models import Role, User
from sigap.core.errors import NotFound, PermissionDenied
from sigap.kb.models import Article, ArticleStatus, Visibility

Viewer = User | AnonymousUser | None


def can_edit(user: Viewer) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.role in (Role.SUPERVISOR, Role.ADMIN)


def is_staff_reader(user: Viewer) -> bool:
    return isinstance(user, User) and user.is_active and user.is_agent_or_above


def require_editor(user: Viewer) -> None:
    if not can_edit(user):
        raise PermissionDenied(
            gettext("Hanya supervisor dan admin yang dapat mengubah basis pengetahuan.")
        )


def public_articles(brand_id: int | None = None) -> QuerySet[Article]:
    """Published public articles; for ``brand_id``'s help centre, that brand's and the
    ones of every brand (no brand)."""
    found = Article.objects.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    if brand_id is not None:
        found = found.filter(Q(brand__isnull=True) | Q(brand_id=brand_id))
    return found


def visible_articles(user: Viewer) -> QuerySet[Article]:
    if can_edit(user):
        return Article.objects.all()
    if is_staff_reader(user):
        return Article.objects.filter(status=ArticleStatus.PUBLISHED)
    return public_articles()


def access_article(user: Viewer, article_id: int) -> Article:
    article = visible_articles(user).select_related("category").filter(pk=article_id).first()
    if article is None:
        raise NotFound(gettext("Artikel tidak ditemukan."))
    return article


def public_article(slug: str, brand_id: int | None = None) -> Article:
    """A published public article (of ``brand_id``'s help centre: another brand's own
    article is not found)."""
    article = public_articles(brand_id).select_related("category").filter(slug=slug).first()
    if article is None:
        raise NotFound(gettext("Artikel tidak ditemukan."))
    return article
