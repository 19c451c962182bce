"""The browsers a person is signed in on: listed to them (``/akun/sesi/``) with where and
when they were last used, each one endable, and "sign out everywhere else". An admin can
end all of someone's sessions (a lost laptop, a person leaving).

A ``UserSession`` row is written at sign-in and its last use updated at most once a minute
(``SessionTrackingMiddleware``); ending a session deletes it from Django's session store,
so its cookie stops working at once in every process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from sigap.accounts import audit
from sigap.accounts.models import SecurityKind, User, UserSession
from sigap.accounts.services import forget_tokens
from sigap.core.locale import said_in_default_language

TOUCH_EVERY = timedelta(minutes=1)


def _store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def _started(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "ip": str(request.META.get("REMOTE_ADDR", ""))[:45],
            "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:300],
        },
    )


def _ended(sender: Any, request: HttpRequest | None, user: User | None, **_: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def connect() -> None:
    user_logged_in.connect(_started, dispatch_uid="sessions-started")
    user_logged_out.connect(_ended, dispatch_uid="sessions-ended")


class SessionTrackingMiddleware:
    """Keeps each signed-in session's last use (at most one UPDATE a minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request.session, "session_key", None)
        if key and getattr(request.user, "is_authenticated", False):
            now = timezone.now()
            last = request.session.get("_sigap_seen", 0)
            if now.timestamp() - float(last) > TOUCH_EVERY.total_seconds():
                UserSession.objects.filter(session_key=key).update(last_seen_at=now)
                request.session["_sigap_seen"] = now.timestamp()
        return response


def rekey(old: str | None, new: str | None) -> None:
    """The browser's session got a new key (signed in again, password changed): its row
    follows it."""
    if old and new and old != new:
        UserSession.objects.filter(session_key=old).update(session_key=new)


def for_user(user: User) -> list[UserSession]:
    return list(UserSession.objects.filter(user=user).order_by("-last_seen_at"))


def end(user: User, keys: list[str], *, actor: User | None = None, why: str | Promise = "") -> int:
    """End these sessions of ``user`` (their cookies stop working at once); ``why`` (a
    ``gettext_lazy`` text) is stored in the business's default language."""
    mine = list(
        UserSession.objects.filter(user=user, session_key__in=keys).values_list(
            "session_key", flat=True
        )
    )
    store = _store()
    for key in mine:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=mine).delete()
    if mine:
        audit.record(
            SecurityKind.SESSIONS_ENDED,
            user=user,
            actor=actor,
            detail=(
                said_in_default_language(
                    gettext_lazy("%(count)d sesi: %(why)s"),
                    count=len(mine),
                    why=said_in_default_language(why),
                )
                if why
                else said_in_default_language(gettext_lazy("%(count)d sesi"), count=len(mine))
            ),
        )
    return len(mine)


def end_others(user: User, keep: str | None, *, actor: User | None = None) -> int:
    keys = [s.session_key for s in for_user(user) if s.session_key != keep]
    return end(user, keys, actor=actor, why=gettext_lazy("semua perangkat lain"))


def end_all(user: User, *, actor: User | None = None) -> int:
    """Every session of ``user``, listed or not (the session epoch moves on)."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    forget_tokens()  # no signal for update(): the users kept in memory are stale
    keys = [s.session_key for s in for_user(user)]
    everywhere = gettext_lazy("semua perangkat")
    ended = end(user, keys, actor=actor, why=everywhere)
    if not ended:
        audit.record(
            SecurityKind.SESSIONS_ENDED,
            user=user,
            actor=actor,
            detail=said_in_default_language(everywhere),
        )
    return ended
