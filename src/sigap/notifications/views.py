from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.notifications.models import Notification, NotificationKind, NotificationPreference
from sigap.notifications.services import mark_read, preferences, wants


@require_GET
@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    items = Notification.objects.filter(user=user).select_related("ticket")[:100]
    return render(request, "notifications/list.html", {"items": items})


@require_POST
@staff_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    mark_read(cast(User, request.user).pk)
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@staff_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Per kind of event: in the app, by email, both or neither."""
    user = cast(User, request.user)
    if request.method == "POST":
        for kind, _label in NotificationKind.choices:
            NotificationPreference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={
                    "in_app": request.POST.get(f"{kind}-in_app") == "on",
                    "email": request.POST.get(f"{kind}-email") == "on",
                },
            )
        flash.success(request, "Preferensi notifikasi disimpan.")
        return redirect("notifications:settings")
    prefs = preferences([user.pk])
    rows = [(kind, label, *wants(prefs, user.pk, kind)) for kind, label in NotificationKind.choices]
    return render(
        request, "notifications/settings.html", {"rows": rows, "has_email": bool(user.email)}
    )
