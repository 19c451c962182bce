from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.models import User
from sigap.notifications.models import Notification
from sigap.notifications.services import mark_read
from sigap.web.views import staff_required


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
