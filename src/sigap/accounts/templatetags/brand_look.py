"""A brand's look on the customers' pages (the portal, the help centre): its logo and
name in the top bar and its colour as the page's accent. The brand is the context's
``brand`` (a ticket's page sets its ticket's), else the request's (``?brand=<slug>``,
``accounts.brands.from_request``). No query: the brands are kept in memory."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sigap.accounts import brands

register = template.Library()


def _brand(context: dict[str, Any]) -> brands.BrandInfo:
    given = context.get("brand")
    if isinstance(given, brands.BrandInfo):
        return given
    request = context.get("request")
    return brands.from_request(request) if request is not None else brands.default()


@register.simple_tag(takes_context=True)
def brand_style(context: dict[str, Any]) -> SafeString:
    """The brand's colour as the page's accent (``--brand``), when it has one."""
    b = _brand(context)
    if not b.colour:
        return SafeString("")
    return format_html("<style>:root {{ --brand: {}; }}</style>", b.colour)


@register.simple_tag(takes_context=True)
def brand_mark(context: dict[str, Any]) -> SafeString:
    """The top bar's mark: the brand's logo and name."""
    b = _brand(context)
    name = b.name
    if not b.has_logo:
        return format_html('<span data-brand="{}">{}</span>', b.slug, name)
    return format_html(
        '<span data-brand="{}"><img src="{}?v={}" alt="" class="brand-logo" height="24"> {}</span>',
        b.slug,
        reverse("web:brand_logo", args=[b.slug]),
        b.logo_version,
        name,
    )
