from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import User
from sigap.notifications.models import Notification, NotificationKind, NotificationPreference
from sigap.notifications.selectors import entries
from sigap.notifications.services import mark_read, preferences, unread_count, wants

MENU_SIZE = 8
SUPERVISORS_ONLY = frozenset({NotificationKind.APPROVAL_NEEDED})  # agents never receive it


@require_GET
@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    context = {"items": entries(user.pk), "back": request.get_full_path()}
    return render(request, "notifications/list.html", context)


@require_GET
@staff_required
def notification_menu(request: HttpRequest) -> HttpResponse:
    """The top bar's menu (fetched by ``notifications.js`` when the bell is opened and
    again when a notification arrives while it is open)."""
    user = cast(User, request.user)
    context = {
        "items": entries(user.pk, limit=MENU_SIZE),
        "unread": unread_count(user.pk),
        "back": request.headers.get("Referer", ""),  # the page the menu opened on
    }
    return render(request, "notifications/_menu.html", context)


@require_GET
@staff_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow an entry: it is read now, and the ticket opens (the ticket page checks
    whether the user may still see it). Someone else's entry: the list, nothing changed."""
    user = cast(User, request.user)
    row = (
        Notification.objects.filter(pk=notification_id, user_id=user.pk)
        .values_list("ticket_id", flat=True)
        .first()
    )
    mark_read(user.pk, [notification_id])
    if row:
        return HttpResponseRedirect(reverse("web:ticket", args=[row]))
    return redirect("notifications:list")


@require_POST
@staff_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    mark_read(cast(User, request.user).pk, [notification_id])
    return _back(request)


@require_POST
@staff_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    mark_read(cast(User, request.user).pk)
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(
        safe_next(request, request.POST.get("next"), reverse("notifications:list"))
    )


@require_http_methods(["GET", "POST"])
@staff_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Per kind of event: in the app, by email, both or neither."""
    user = cast(User, request.user)
    if request.method == "POST":
        for kind, _label in NotificationKind.choices:
            if kind in SUPERVISORS_ONLY and not user.is_supervisor_or_admin:
                continue
            NotificationPreference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={
                    "in_app": request.POST.get(f"{kind}-in_app") == "on",
                    "email": request.POST.get(f"{kind}-email") == "on",
                },
            )
        flash.success(request, _("Preferensi notifikasi disimpan."))
        return redirect("notifications:settings")
    prefs = preferences([user.pk])
    rows = [
        (kind, label, *wants(prefs, user.pk, kind, user.role))
        for kind, label in NotificationKind.choices
        if user.is_supervisor_or_admin or kind not in SUPERVISORS_ONLY
    ]
    return render(
        request, "notifications/settings.html", {"rows": rows, "has_email": bool(user.email)}
    )
