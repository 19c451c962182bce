"""Outgoing webhooks (``/settings/webhooks/``, admins): the list, add, and each
webhook's page (change, switch off, new secret, test delivery with the last deliveries,
delete), through ``webhooks.services``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sigap.accounts.decorators import admin_required
from sigap.accounts.models import User
from sigap.core.errors import Conflict, ValidationFailed
from sigap.tickets.models import EventKind
from sigap.webhooks import catalogue, services
from sigap.webhooks.models import Webhook

DELIVERIES_SHOWN = 10


def known_events() -> list[tuple[str, str]]:
    """(name, label) of every event a webhook may subscribe to: the tickets' timeline
    kinds, then the catalogue's."""
    return [(str(value), str(label)) for value, label in EventKind.choices] + [
        (name, name) for name in catalogue.EVENTS
    ]


@require_http_methods(["GET"])
@admin_required
def settings_webhooks(request: HttpRequest) -> HttpResponse:
    hooks = list(Webhook.objects.order_by("name"))
    return render(request, "web/settings_webhooks.html", {"hooks": hooks})


@require_http_methods(["GET", "POST"])
@admin_required
def settings_webhook(request: HttpRequest, webhook_id: int | None = None) -> HttpResponse:
    actor = cast(User, request.user)
    hook = get_object_or_404(Webhook, pk=webhook_id) if webhook_id is not None else None
    events = known_events()
    typed: dict[str, Any] = {
        "name": hook.name if hook else "",
        "url": hook.url if hook else "",
        "events": list(hook.events) if hook else [],
        "active": hook.active if hook else True,
    }
    errors: dict[str, list[str]] = {}
    message = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if hook is not None and action == "rotate":
                services.webhook_secret_rotate(actor=actor, webhook=hook)
                flash.success(request, _("Rahasia baru dibuat; berikan kepada penerima."))
                return redirect(request.path)
            if hook is not None and action == "test":
                services.webhook_test(actor=actor, webhook=hook)
                flash.success(request, _("Pengiriman uji dijadwalkan; lihat hasilnya di bawah."))
                return redirect(request.path)
            if hook is not None and action == "delete":
                services.webhook_delete(actor=actor, webhook=hook)
                flash.success(request, _("Webhook dihapus."))
                return redirect("web:settings_webhooks")
            typed = {
                "name": request.POST.get("name", ""),
                "url": request.POST.get("url", ""),
                "events": request.POST.getlist("events"),
                "active": request.POST.get("active") == "on",
            }
            saved = services.webhook_save(
                actor=actor,
                webhook=hook,
                name=typed["name"],
                url=typed["url"],
                events=typed["events"],
                active=typed["active"],
                known={name for name, _label in events},
            )
            flash.success(request, _("Webhook disimpan."))
            return redirect("web:settings_webhook", saved.pk)
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
        except Conflict as exc:
            message = exc.message
    deliveries = list(hook.deliveries.order_by("-created_at")[:DELIVERIES_SHOWN]) if hook else []
    return render(
        request,
        "web/settings_webhook.html",
        {
            "hook": hook,
            "typed": typed,
            "events": events,
            "errors": errors,
            "message": message,
            "deliveries": deliveries,
        },
        status=422 if message else 200,
    )
