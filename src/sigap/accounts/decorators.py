"""Decorators for the staff pages (the workspace and every feature's pages): who may open
them. Customers are sent to their portal; agents to a 403 page where a supervisor is needed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from sigap.accounts import access
from sigap.accounts.models import Role, User
from sigap.core.errors import PermissionDenied

V = TypeVar("V", bound=Callable[..., HttpResponse])


def staff_required(view: V) -> V:
    """Signed-in staff only; customers are sent to their portal."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if not user.is_agent_or_above:
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def supervisor_required(view: V) -> V:
    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not cast(User, request.user).is_supervisor_or_admin:
            return render(
                request,
                "web/forbidden.html",
                {"message": gettext("Halaman ini hanya untuk supervisor dan admin.")},
                status=403,
            )
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def admin_required(view: V) -> V:
    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if cast(User, request.user).role != Role.ADMIN:
            return render(
                request,
                "web/forbidden.html",
                {"message": gettext("Halaman ini hanya untuk admin.")},
                status=403,
            )
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/forbidden.html", {"message": message}, status=403)


def settings_required(view: V) -> V:
    """The settings area (``accounts.access``'s rules): admins and supervisors may open it,
    anyone else gets a 403 page; a ``PermissionDenied`` the view raises (a supervisor
    reaching another team's settings, or a global one) becomes the same 403 page."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            access.require_settings(cast(User, request.user))
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return forbidden(request, exc.message)

    return cast(V, wrapper)
