"""Sigap's WSGI application: Django's handler, with a shorter middleware chain for API
requests that a bearer token alone authenticates.

An integration or a script calls the API with ``Authorization: Bearer …`` and no cookie.
Ten of the site's middlewares have nothing to do for such a request: they serve static
files, or read, track or guard a browser's session (its user, its CSRF token, its second
factor, its flash messages, its presence, its sign-in lockouts), and the request has none.
Each still wrapped the request in two more calls; together about 0.1 ms of CPU a request,
2-4 % of the API's hottest requests (docs/decisions/0009, "Ninth pass"). Such a request
goes through the same middleware list without those (``token_api_middleware``), with
``request.user`` anonymous as the session chain leaves a request without a session: the
API's bearer authentication sets the user, and a token it refuses is answered as before
(the session fallback finds no session cookie: 401, or ninja's CSRF refusal on a write).

Anything with a cookie, any other path and any other authorization goes through the whole
chain. A middleware added to ``MIDDLEWARE`` runs in both chains unless it is listed here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase

# The session's and the browser's middleware: none has work for a request with no cookie.
SESSION_ONLY_MIDDLEWARE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, never under /api/
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",  # ninja checks a session's writes itself
        "sigap.accounts.middleware.CachedUserAuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "sigap.accounts.twofactor.TwoFactorMiddleware",  # a session that owes a code
        "sigap.accounts.sessions.SessionTrackingMiddleware",
        "sigap.accounts.presence.PresenceMiddleware",  # a signed-in (session) user
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",  # sign-in lockouts
    }
)
API_PREFIX = "/api/"


def token_api_request(environ: dict[str, Any]) -> bool:
    """Whether a request is for the API, with a bearer token and no cookie at all."""
    return (
        environ.get("PATH_INFO", "").startswith(API_PREFIX)
        and not environ.get("HTTP_COOKIE")
        and environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


def token_api_middleware() -> list[str]:
    return [path for path in settings.MIDDLEWARE if path not in SESSION_ONLY_MIDDLEWARE]


# BaseHandler reads the list from the settings, so the token chain is built with the
# setting swapped for a moment: process-wide, not per thread. Every chain built here is
# built under this lock. Without it, two token chains built at once (the test client
# builds one per client, on its first request; the concurrency tests make a client per
# thread) could leave the short list in the settings for good, and a whole chain built
# meanwhile lacked the session, CSRF, authentication and 2FA middlewares.
_building = threading.Lock()


class SiteChain(BaseHandler):
    """A handler whose middleware chain is ``settings.MIDDLEWARE`` (Django's), built under
    ``_building``: never while a token chain has the setting swapped."""

    def load_middleware(self, is_async: bool = False) -> None:
        with _building:
            super().load_middleware(is_async)


class TokenApiChain(BaseHandler):
    """A handler whose middleware chain is ``token_api_middleware()``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Built once, at start-up (a test client: on its first request).
        with _building:
            full = settings.MIDDLEWARE
            settings.MIDDLEWARE = token_api_middleware()
            try:
                super().load_middleware(is_async)
            finally:
                settings.MIDDLEWARE = full

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()  # the API's bearer authentication replaces it
        return super().get_response(request)


class SiteHandler(SiteChain, WSGIHandler):
    pass


class TokenApiHandler(TokenApiChain, WSGIHandler):
    pass


class Application:
    """The WSGI application of ``sigap.wsgi`` and ``sigap.asgi``."""

    def __init__(self) -> None:
        self.site = SiteHandler()
        self.token_api = TokenApiHandler()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        handler = self.token_api if token_api_request(environ) else self.site
        return handler(environ, start_response)


def wsgi_application() -> Application:
    """``django.core.wsgi.get_wsgi_application``, with the two chains."""
    import django

    django.setup(set_prefix=False)
    return Application()
