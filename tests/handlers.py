"""Django's test client routed as Sigap's WSGI application routes (``core.handlers``): an
API request with a bearer token and no cookie goes through the token API's middleware
chain, everything else through the whole chain. conftest.py installs it for every test
client, so the API tests exercise the chain that serves integrations."""

from __future__ import annotations

from typing import Any

from django.test import client

from sigap.core.handlers import SiteChain, TokenApiChain, token_api_request


class SiteClientHandler(SiteChain, client.ClientHandler):
    """Django's test client handler: the whole chain, whatever the request, built under
    ``core.handlers``' lock (never while a token chain has the setting swapped). (Once
    ``install()`` has run, ``django.test.client.ClientHandler`` is the routing one, and a
    test that imports it gets the short chain for a token request.)"""


class TokenApiClientHandler(TokenApiChain, client.ClientHandler):
    pass


class RoutingClientHandler(SiteClientHandler):
    def __init__(self, enforce_csrf_checks: bool = True, *args: Any, **kwargs: Any) -> None:
        super().__init__(enforce_csrf_checks, *args, **kwargs)
        self.token_api = TokenApiClientHandler(enforce_csrf_checks, *args, **kwargs)

    def __call__(self, environ: dict[str, Any]) -> Any:
        if token_api_request(environ):
            return self.token_api(environ)
        return super().__call__(environ)


def install() -> None:
    client.ClientHandler = RoutingClientHandler  # type: ignore[misc]
