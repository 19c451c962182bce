"""``{% settings_nav %}``: the settings area's menu (``web.settings_nav``), the sections
the signed-in user may open, the current one marked. No query."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.urls import reverse

from sigap.accounts.models import User
from sigap.web import settings_nav as nav

register = template.Library()


@register.inclusion_tag("web/_settings_nav.html", takes_context=True)
def settings_nav(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    match = request.resolver_match
    here = nav.current(match.view_name if match else "")
    return {
        "hub_url": reverse("web:settings"),
        "on_hub": bool(match) and match.view_name == "web:settings",
        "items": [
            {"url": reverse(s.url_name), "label": s.label, "current": s.url_name == here}
            for s in nav.sections_for(cast(User, request.user))
        ],
    }
