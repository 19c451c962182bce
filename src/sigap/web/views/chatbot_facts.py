"""The chatbot's required facts (``/settings/chatbot-facts/``, admins): the list, add,
change, delete, and a "try it" box that shows what the pattern takes from a message
without saving (``kb.fact_settings``)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sigap.accounts.decorators import admin_required
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.kb import fact_settings
from sigap.kb.models import Category, RequiredFact


@require_http_methods(["GET"])
@admin_required
def settings_facts(request: HttpRequest) -> HttpResponse:
    facts = list(RequiredFact.objects.prefetch_related("categories").order_by("name"))
    return render(request, "web/settings_facts.html", {"facts": facts})


@require_http_methods(["GET", "POST"])
@admin_required
def settings_fact(request: HttpRequest, fact_id: int | None = None) -> HttpResponse:
    actor = cast(User, request.user)
    fact = get_object_or_404(RequiredFact, pk=fact_id) if fact_id is not None else None
    categories = list(Category.objects.order_by("position", "name"))
    typed: dict[str, Any] = {
        "name": fact.name if fact else "",
        "label": fact.label if fact else "",
        "pattern": fact.pattern if fact else "",
        "example": fact.example if fact else "",
        "prompt": fact.prompt if fact else "",
        "categories": [c.pk for c in fact.categories.all()] if fact else [],
        "active": fact.active if fact else True,
        "sample": "",
    }
    errors: dict[str, list[str]] = {}
    message, tried = "", None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if fact is not None and action == "delete":
            fact_settings.fact_delete(actor=actor, fact=fact)
            flash.success(request, _("Fakta dihapus."))
            return redirect("web:settings_facts")
        chosen = {int(v) for v in request.POST.getlist("categories") if v.isdigit()}
        typed = {
            "name": request.POST.get("name", ""),
            "label": request.POST.get("label", ""),
            "pattern": request.POST.get("pattern", ""),
            "example": request.POST.get("example", ""),
            "prompt": request.POST.get("prompt", ""),
            "categories": sorted(chosen),
            "active": request.POST.get("active") == "on",
            "sample": request.POST.get("sample", ""),
        }
        try:
            if action == "try":
                tried = fact_settings.fact_try(typed["pattern"], typed["sample"])
            else:
                saved = fact_settings.fact_save(
                    actor=actor,
                    fact=fact,
                    name=typed["name"],
                    label=typed["label"],
                    pattern=typed["pattern"],
                    example=typed["example"],
                    prompt=typed["prompt"],
                    categories=[c for c in categories if c.pk in chosen],
                    active=typed["active"],
                )
                flash.success(request, _("Fakta disimpan."))
                return redirect("web:settings_fact", saved.pk)
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
    return render(
        request,
        "web/settings_fact.html",
        {
            "fact": fact,
            "typed": typed,
            "categories": categories,
            "errors": errors,
            "message": message,
            "tried": tried,
        },
        status=422 if message else 200,
    )
