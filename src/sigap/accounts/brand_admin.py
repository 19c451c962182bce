"""The brand column and filter of the admin's lists of things that belong to a brand
(issue 17: articles, WhatsApp templates). Shown only when the business has more than one
brand; the brands come from memory (``brands``), so neither costs a query per row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise

from sigap.accounts import brands
from sigap.accounts.models import Brand

NONE = "none"
StrOrPromise = str | Promise


def brand_filter(empty_label: StrOrPromise) -> type[admin.SimpleListFilter]:
    """A list filter by ``brand``: each brand, and ``empty_label`` for no brand."""

    class BrandFilter(admin.SimpleListFilter):
        title = Brand._meta.verbose_name
        parameter_name = "brand"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(NONE, str(empty_label))] + [(str(b.id), b.name) for b in brands.all_brands()]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            if value == NONE:
                return queryset.filter(brand__isnull=True)
            if value and value.isdigit():
                return queryset.filter(brand_id=int(value))
            return queryset

    return BrandFilter


def brand_name(obj: Model, empty_label: StrOrPromise) -> str:
    brand_id = getattr(obj, "brand_id", None)
    return str(empty_label) if brand_id is None else brands.info(brand_id).name


def with_brand(fields: Any, extra: Any) -> Any:
    """``fields`` (a list display or list filter) with ``extra`` added when the business
    has several brands; unchanged with one."""
    return [*fields, extra] if brands.several() else fields
