"""The business's brands (``accounts.Brand``): which one is the default, and which one a
thing belongs to. Every installation has one default brand (made by the migration, or
here when a test database lost it)."""

from __future__ import annotations

from sigap.accounts.models import Brand


def default_brand() -> Brand:
    """The default brand, made when missing (an emptied database)."""
    brand = Brand.objects.filter(is_default=True).first()
    if brand is None:
        brand, _ = Brand.objects.get_or_create(
            slug="utama", defaults={"name": "Sigap", "is_default": True}
        )
    return brand


def several() -> bool:
    """Whether the business has more than one active brand (the concept is shown then)."""
    return Brand.objects.filter(is_active=True).count() > 1
