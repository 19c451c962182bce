"""Tags (``/settings/tags/``, admins): each with its tickets' count; rename, merge into
another, delete (``tickets.tag_settings``). The confirmation of a rename or a merge says
how many tickets carried the tag and which rules, macros and saved views now name the
new one."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sigap.accounts.decorators import admin_required
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.tickets import tag_settings
from sigap.tickets.models import Tag


@require_http_methods(["GET", "POST"])
@admin_required
def settings_tags(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    errors: dict[int, dict[str, list[str]]] = {}
    message = ""
    if request.method == "POST":
        tag = get_object_or_404(Tag, pk=request.POST.get("tag") or 0)
        action = request.POST.get("action", "")
        try:
            if action == "rename":
                change = tag_settings.tag_rename(
                    actor=actor, tag=tag, name=request.POST.get("name", "")
                )
                flash.success(
                    request,
                    _(
                        "Label diganti nama menjadi %(name)s (%(n)d tiket). Diperbarui: "
                        "%(rewritten)s."
                    )
                    % {"name": change.name, "n": change.tickets, "rewritten": change.summary()},
                )
            elif action == "merge":
                into = Tag.objects.filter(pk=request.POST.get("into") or 0).first()
                change = tag_settings.tag_merge(actor=actor, tag=tag, into=into)
                flash.success(
                    request,
                    _(
                        "Label %(name)s digabungkan ke %(into)s (%(n)d tiket). Diperbarui: "
                        "%(rewritten)s."
                    )
                    % {
                        "name": tag.name,
                        "into": change.name,
                        "n": change.tickets,
                        "rewritten": change.summary(),
                    },
                )
            elif action == "delete":
                n = tag_settings.tag_delete(actor=actor, tag=tag)
                flash.success(
                    request, _("Label %(name)s dihapus (%(n)d tiket).") % {"name": tag.name, "n": n}
                )
            else:
                raise ValidationFailed(_("Tindakan tidak dikenal."), fields={})
        except ValidationFailed as exc:
            errors[tag.pk] = exc.fields
            message = exc.message
        else:
            return redirect("web:settings_tags")
    tags = list(Tag.objects.annotate(n=Count("tickets")).order_by("name"))
    rows: list[dict[str, Any]] = [
        {"tag": t, "n": t.n, "errors": errors.get(t.pk, {})} for t in tags
    ]
    return render(
        request,
        "web/settings_tags.html",
        {"rows": rows, "tags": tags, "message": message},
        status=422 if message else 200,
    )
