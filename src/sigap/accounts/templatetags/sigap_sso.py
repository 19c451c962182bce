"""``{% sso_button next %}``: the sign-in page's "Masuk dengan …" link, only when single
sign-on is configured (read at each render, so settings changed in tests apply)."""

from __future__ import annotations

from typing import Any

from django import template

from sigap.accounts import sso

register = template.Library()


@register.inclusion_tag("accounts/_sso_button.html")
def sso_button(next_url: str = "") -> dict[str, Any]:
    cfg = sso.config()
    return {"provider": cfg.provider_name if cfg else "", "next": next_url}
