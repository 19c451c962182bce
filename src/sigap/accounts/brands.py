"""The business's brands (``accounts.Brand``): which one is the default, and which one a
thing belongs to. Every installation has one default brand (made by the migration, or
here when a test database lost it).

Every ticket write and many pages ask for a brand, so the brands (a handful) are kept in
memory per process (``SharedMemo``, reloaded when a save bumps its version): asking
costs no query. Changing them goes through ``accounts.brand_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from sigap.accounts.models import Brand
from sigap.core.memo import SharedMemo


@dataclass(frozen=True)
class BrandInfo:
    """What pages and mails need of a brand, without a query."""

    id: int
    slug: str
    name: str
    colour: str  # "#RRGGBB" or ""
    has_logo: bool
    logo_version: int
    sender_name: str
    sender_email: str
    signature: str
    is_default: bool
    is_active: bool


def default_brand() -> Brand:
    """The default brand, made when missing (an emptied database)."""
    brand = Brand.objects.filter(is_default=True).first()
    if brand is None:
        brand, _ = Brand.objects.get_or_create(
            slug="utama", defaults={"name": "Sigap", "is_default": True}
        )
    return brand


def _info(b: Brand) -> BrandInfo:
    return BrandInfo(
        id=b.pk,
        slug=b.slug,
        name=b.name,
        colour=b.colour,
        has_logo=bool(b.logo),
        logo_version=int(b.updated_at.timestamp()) if b.updated_at else 0,
        sender_name=b.sender_name,
        sender_email=b.sender_email,
        signature=b.signature,
        is_default=b.is_default,
        is_active=b.is_active,
    )


def _load() -> tuple[BrandInfo, ...]:
    rows = list(Brand.objects.all())
    if not any(b.is_default for b in rows):
        default_brand()
        rows = list(Brand.objects.all())
    return tuple(_info(b) for b in rows)  # the default first, then by name


memo: SharedMemo[tuple[BrandInfo, ...]] = SharedMemo("brands", _load)
post_save.connect(memo.invalidate, sender=Brand, dispatch_uid="brands-memo-save")
post_delete.connect(memo.invalidate, sender=Brand, dispatch_uid="brands-memo-delete")


def all_brands() -> tuple[BrandInfo, ...]:
    return memo.get()


def active() -> list[BrandInfo]:
    return [b for b in memo.get() if b.is_active]


def default() -> BrandInfo:
    brands = memo.get()
    return next((b for b in brands if b.is_default), brands[0])


def default_id() -> int:
    return default().id


def info(brand_id: int | None) -> BrandInfo:
    """The brand with this id; the default brand for ``None`` (a ticket from before
    brands) or an unknown id."""
    if brand_id is not None:
        for b in memo.get():
            if b.id == brand_id:
                return b
    return default()


def by_slug(slug: str) -> BrandInfo | None:
    """The active brand with this slug, or ``None``."""
    return next((b for b in memo.get() if b.slug == slug and b.is_active), None)


def ids_of(slugs: list[str]) -> list[int]:
    """The ids of the brands with these slugs (unknown ones are left out)."""
    wanted = set(slugs)
    return [b.id for b in memo.get() if b.slug in wanted]


def several() -> bool:
    """Whether the business has more than one active brand (the concept is shown then)."""
    return len(active()) > 1


SESSION_KEY = "sigap_brand"


def from_request(request: HttpRequest) -> BrandInfo:
    """The brand a public page (the portal, the help centre) is shown as: ``?brand=<slug>``
    (remembered in the visitor's session for the next pages), else the one remembered,
    else the default brand. A ticket's own page uses the ticket's brand instead."""
    slug = request.GET.get("brand", "")
    found = by_slug(slug) if slug else None
    if found is not None:
        if request.session.get(SESSION_KEY) != found.slug:
            request.session[SESSION_KEY] = found.slug
        return found
    kept = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return (by_slug(kept) if isinstance(kept, str) else None) or default()
