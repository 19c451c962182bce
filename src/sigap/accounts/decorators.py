"""Decorators for the staff pages (the workspace and every feature's pages): who may open
them. Customers are sent to their portal; agents to a 403 page where a supervisor is needed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sigap.accounts.models import Role, User

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
                {"message": "Halaman ini hanya untuk supervisor dan admin."},
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
                {"message": "Halaman ini hanya untuk admin."},
                status=403,
            )
        return view(request, *args, **kwargs)

    return cast(V, wrapper)
