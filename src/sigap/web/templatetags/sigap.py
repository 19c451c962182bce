from __future__ import annotations

from typing import Any

import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

from sigap.core.money import format_rupiah

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def rupiah(amount: int | None) -> str:
    return format_rupiah(int(amount or 0))


@register.filter
def sanitize_html(html: str) -> SafeString:
    """HTML from outside (email) with scripts, styles, handlers and unsafe URLs removed."""
    return mark_safe(nh3.clean(html or "", link_rel="noopener noreferrer nofollow"))
