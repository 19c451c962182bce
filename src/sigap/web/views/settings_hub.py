"""The settings area's start page (``/settings/``): the sections the user may open."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sigap.accounts import access
from sigap.accounts.decorators import settings_required
from sigap.accounts.models import User
from sigap.web import settings_nav


@require_GET
@settings_required
def settings_home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    admin = access.is_settings_admin(user)
    sections = [
        {"url": reverse(s.url_name), "label": s.label, "description": s.description}
        for s in settings_nav.sections_for(user)
    ]
    teams = [] if admin else list(access.settings_teams_for(user).values_list("name", flat=True))
    return render(
        request,
        "web/settings.html",
        {"sections": sections, "is_admin": admin, "teams": teams},
    )
