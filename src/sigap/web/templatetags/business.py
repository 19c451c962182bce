"""The business's name and logo in the staff pages' top bar and title (kept in memory:
no query per page)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sigap.accounts import business

register = template.Library()


@register.simple_tag
def business_name() -> str:
    return business.info().name or "Sigap"


@register.simple_tag
def business_brand() -> SafeString:
    """The top bar's brand: the logo (if any) and the name, or "Sigap"."""
    info = business.info()
    name = info.name or "Sigap"
    if not info.has_logo:
        return format_html("{}", name)
    return format_html(
        '<img src="{}?v={}" alt="" class="brand-logo" height="24"> {}',
        reverse("web:business_logo"),
        info.logo_version,
        name,
    )
