"""Reads of the knowledge base for pages: the help centre's categories, article lists and
the articles suggested to an agent for a ticket."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from sigap.accounts import brands
from sigap.kb import index
from sigap.kb.access import public_articles
from sigap.kb.bot import article_url, excerpt
from sigap.kb.models import Article, ArticleStatus, Category, Visibility
from sigap.kb.search import search_articles, terms
from sigap.tickets.models import MessageKind, Ticket

SUGGESTION_TERMS = 64  # a ticket is a long query: its first distinct terms are enough
RECENT_MESSAGES = 3


@dataclass(frozen=True)
class Suggestion:
    article: Article
    score: float
    excerpt: str
    public_url: str  # "" for an internal article: nothing to send to the customer

    @property
    def public(self) -> bool:
        return bool(self.public_url)


def ticket_query(ticket: Ticket, extra: str = "") -> list[str]:
    """Terms for a ticket: subject, description, the last customer messages, ``extra``
    (e.g. the agent's draft), most recent first after the subject."""
    recent = list(
        ticket.messages.filter(kind=MessageKind.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)[:RECENT_MESSAGES]
    )
    parts = [ticket.subject, extra, *recent, ticket.description]
    return list(dict.fromkeys(terms("\n".join(p for p in parts if p))))[:SUGGESTION_TERMS]


def suggest_for_ticket(ticket: Ticket, limit: int = 5, *, extra: str = "") -> list[Suggestion]:
    """The published articles (public and internal) that best match a ticket, best first:
    of the ticket's brand and the shared ones (issue 17). Two queries plus the index check;
    the caller has checked the agent may see the ticket."""
    brand_id = brands.info(ticket.brand_id).id  # none: the default brand (older tickets)
    ranked = index.current().rank(
        ticket_query(ticket, extra), k=limit, public_only=False, brand_id=brand_id
    )
    if not ranked:
        return []
    ids = [r.entry.article_id for r in ranked]
    found = Article.objects.filter(pk__in=ids, status=ArticleStatus.PUBLISHED).select_related(
        "category"
    )
    by_id = {a.pk: a for a in found}
    out = []
    for r in ranked:
        article = by_id.get(r.entry.article_id)
        if article is None:
            continue
        public = article.visibility == Visibility.PUBLIC
        out.append(
            Suggestion(
                article=article,
                score=r.score,
                excerpt=excerpt(article),
                public_url=article_url(article.slug, brand_id) if public else "",
            )
        )
    return out


def help_categories(brand_id: int | None = None) -> QuerySet[Category]:
    """Categories with at least one public article (of ``brand_id``'s help centre: its
    own and the shared ones), each with ``n_articles``."""
    public = Q(articles__status=ArticleStatus.PUBLISHED, articles__visibility=Visibility.PUBLIC)
    if brand_id is not None:
        public &= Q(articles__brand__isnull=True) | Q(articles__brand_id=brand_id)
    return (
        Category.objects.annotate(n_articles=Count("articles", filter=public))
        .filter(n_articles__gt=0)
        .order_by("position", "name")
    )


def help_category_articles(category: Category, brand_id: int | None = None) -> QuerySet[Article]:
    return public_articles(brand_id).filter(category=category).order_by("title")


RELATED_QUERY_CHARS = 400


def related_articles(
    article: Article, limit: int = 5, brand_id: int | None = None
) -> list[Article]:
    """The published articles nearest to this one by what it is about (its title and the
    questions it answers, through the search), then the rest of its category: two
    queries at most. Of ``brand_id``'s help centre only."""
    about = f"{article.title}\n{article.questions}"[:RELATED_QUERY_CHARS]
    others = public_articles(brand_id).exclude(pk=article.pk)
    found = search_articles(others, about, limit=limit)
    if len(found) < limit:
        found += list(
            others.filter(category_id=article.category_id)
            .exclude(pk__in=[a.pk for a in found])
            .order_by("title")[: limit - len(found)]
        )
    return found


# what a complaint being written must have before articles are suggested, and how much
# of it is searched (the portal's form, the live chat widget's)
SUGGEST_MIN_CHARS = 4
SUGGEST_QUERY_CHARS = 400


def portal_suggestions(q: str, limit: int = 4, brand_id: int | None = None) -> list[Article]:
    """Published articles for a complaint being written (its subject and description; the
    live chat widget's first message): of ``brand_id``'s help centre (its own articles and
    the shared ones)."""
    q = q.strip()[:SUGGEST_QUERY_CHARS]
    if len(q) < SUGGEST_MIN_CHARS:
        return []
    return search_articles(public_articles(brand_id), q, limit=limit)
