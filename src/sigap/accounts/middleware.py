"""The signed-in user of a browser session, from this process's memory.

Django's ``AuthenticationMiddleware`` reads the user's row on every request (after the
session itself). Here the row read is kept like the API's token checks
(``services.token_authenticate``): per process, for ``TOKEN_CACHE_SECONDS``, under the shared
auth generation that any change to a user moves on (``services.forget_tokens``: the
users' post_save/post_delete, and the ``update()`` calls that end sessions). One cache read
per request instead of a statement; a deactivated account, a new password or ended
sessions take effect at the next request in every process. The session's auth hash is
checked exactly as Django checks it (``django.contrib.auth.get_user``), against the
cached row.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from sigap.accounts import services
from sigap.accounts.models import User

_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_users: dict[int, tuple[float, int, User | None]] = {}


def cached_user(user_id: int) -> User | None:
    """``ModelBackend.get_user`` (None for a missing or inactive account), remembered."""
    now = time.monotonic()
    generation = services._generation()
    hit = _users.get(user_id)
    if hit is not None and now - hit[0] < services.TOKEN_CACHE_SECONDS and hit[1] == generation:
        user = hit[2]
    else:
        user = User.objects.filter(pk=user_id).first()
        if user is not None and not ModelBackend().user_can_authenticate(user):
            user = None
        if len(_users) >= services.TOKEN_CACHE_SIZE:
            _users.clear()
        _users[user_id] = (now, generation, user)
    return copy.copy(user)  # each request gets its own instance to annotate


def forget_here() -> None:
    """Drop this process's users (for a test whose database and cache were replaced under
    them: its ids are used again, and its generation starts over)."""
    _users.clear()


def get_user(request: HttpRequest) -> Any:
    """``django.contrib.auth.get_user`` with the row from ``cached_user`` for sessions
    signed in through the model backend (as every sign-in in Sigap is: passwords, SSO,
    the portal's links)."""
    user: Any = None
    try:
        user_id = request.session[SESSION_KEY]
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            if backend_path == _MODEL_BACKEND:
                user = cached_user(int(str(user_id)))
            else:
                user = load_backend(backend_path).get_user(user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    verified = False
                else:
                    current = user.get_session_auth_hash()
                    verified = constant_time_compare(session_hash, current)
                if not verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback)
                        for fallback in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = current
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's, with ``get_user`` above for ``request.user`` (``request.auser``, for async
    code, stays Django's)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
