"""core.csp: the same headers as django-csp's middleware, the plain policy built once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from csp.constants import NONE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from sigap.core import csp
from sigap.core.csp import CSPMiddleware


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def with_nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")  # type: ignore[attr-defined]


@csp_update({"img-src": ["cdn.example"]})
def updated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@csp_exempt()
def exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponse("nope", status=404)


def headers(
    middleware: type[Any], view: Callable[[HttpRequest], HttpResponse], path: str
) -> dict[str, str]:
    request = RequestFactory().get(path)
    response = middleware(view)(request)
    return {k: v for k, v in response.headers.items() if "Content-Security" in k}


VIEWS = [plain, with_nonce, updated, exempt, not_found]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_it_sends_django_csps_headers(view: Callable[[HttpRequest], HttpResponse]) -> None:
    ours = headers(CSPMiddleware, view, "/api/v1/tickets")
    theirs = headers(DjangoCSPMiddleware, view, "/api/v1/tickets")

    if view is with_nonce:  # a nonce of its own each time
        assert ours.keys() == theirs.keys()
        assert "'nonce-" in ours["Content-Security-Policy"]
    else:
        assert ours == theirs
    if view is plain:
        assert ours == {"Content-Security-Policy": build_policy()}


REPORT_ONLY = {
    "EXCLUDE_URL_PREFIXES": ["/excluded"],
    "DIRECTIVES": {"default-src": [NONE], "report-uri": "/csp-report"},
}
POLICY = {"EXCLUDE_URL_PREFIXES": ["/admin"], "DIRECTIVES": {"default-src": [SELF]}}


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("path", ["/x", "/admin/x", "/excluded/x"])
def test_changed_settings_are_followed(
    view: Callable[[HttpRequest], HttpResponse], path: str
) -> None:
    headers(CSPMiddleware, plain, "/")  # the default policy built and kept
    with override_settings(
        CONTENT_SECURITY_POLICY=POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY=REPORT_ONLY
    ):
        ours = headers(CSPMiddleware, view, path)
        theirs = headers(DjangoCSPMiddleware, view, path)

        assert ours.keys() == theirs.keys()
        if view is not with_nonce:
            assert ours == theirs
    assert headers(CSPMiddleware, plain, "/") == headers(DjangoCSPMiddleware, plain, "/")


@override_settings(DEBUG=True)
def test_a_debug_404_has_no_policy_as_with_django_csp() -> None:
    assert headers(CSPMiddleware, not_found, "/") == {}
    assert headers(DjangoCSPMiddleware, not_found, "/") == {}


def test_a_nonce_drawn_after_the_header_is_an_error() -> None:
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/")
    CSPMiddleware(plain)(request)

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]


def test_the_plain_policy_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    csp._plain.clear()
    calls: list[bool] = []
    real = build_policy

    def counting(**kwargs: Any) -> str:
        calls.append(kwargs.get("report_only", False))
        return real(**kwargs)

    monkeypatch.setattr(csp, "build_policy", counting)
    for _ in range(3):
        headers(CSPMiddleware, plain, "/")

    assert calls == [False, True]
