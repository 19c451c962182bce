"""API tokens (``/settings/api-tokens/``, admins): make one for a staff account (its raw
value shown once, on the answer to the form), revoke one (``accounts.api_tokens``)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sigap.accounts import api_tokens
from sigap.accounts.decorators import admin_required
from sigap.accounts.models import STAFF_ROLES, ApiToken, User
from sigap.core.errors import Conflict, ValidationFailed


def _staff() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username"))


@require_http_methods(["GET", "POST"])
@admin_required
def settings_api_tokens(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    staff = _staff()
    context: dict[str, Any] = {"errors": {}, "message": "", "raw": "", "typed": {}}
    status = 200
    if request.method == "POST":
        typed = {"name": request.POST.get("name", ""), "user": request.POST.get("user", "")}
        owner = next((u for u in staff if str(u.pk) == typed["user"]), None)
        try:
            token, raw = api_tokens.api_token_create(actor=actor, user=owner, name=typed["name"])
        except ValidationFailed as exc:
            context.update(errors=exc.fields, message=exc.message, typed=typed)
            status = 422
        else:  # shown here once; never stored, never redirected with
            context.update(raw=raw, made=token)
            status = 201
    context["tokens"] = list(
        ApiToken.objects.select_related("user").order_by("revoked_at", "-created_at")
    )
    context["staff"] = staff
    response = render(request, "web/settings_api_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the raw token must not stay in a cache
    return response


@require_POST
@admin_required
def settings_api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id)
    try:
        api_tokens.api_token_revoke(actor=cast(User, request.user), token=token)
    except Conflict as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Token %(prefix)s… dicabut.") % {"prefix": token.prefix})
    return redirect("web:settings_api_tokens")
