"""The token API's middleware chain (core.handlers): which requests take it, and that they
are answered exactly as the whole chain answers them."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.test import Client, RequestFactory
from tests.handlers import RoutingClientHandler, SiteClientHandler, TokenApiClientHandler

from sigap.accounts.audit import AuditMiddleware
from sigap.accounts.models import User
from sigap.accounts.services import token_create
from sigap.core import handlers
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket

BEARER = "HTTP_AUTHORIZATION"


def env(path: str, **extra: str) -> dict[str, Any]:
    return {"PATH_INFO": path, **extra}


@pytest.mark.parametrize(
    ("environ", "short"),
    [
        (env("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer sgp_x"), True),
        (env("/api/v1/tickets", HTTP_AUTHORIZATION="bearer sgp_x"), True),
        (env("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer sgp_x", HTTP_COOKIE=""), True),
        (env("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer sgp_x", HTTP_COOKIE="a=b"), False),
        (env("/api/v1/tickets", HTTP_AUTHORIZATION="Basic eDp5"), False),
        (env("/api/v1/tickets"), False),
        (env("/apix/v1/tickets", HTTP_AUTHORIZATION="Bearer sgp_x"), False),
        (env("/portal/", HTTP_AUTHORIZATION="Bearer sgp_x"), False),
        (env("/admin/", HTTP_AUTHORIZATION="Bearer sgp_x"), False),
    ],
)
def test_only_an_api_request_with_a_bearer_token_and_no_cookie_takes_the_short_chain(
    environ: dict[str, Any], short: bool
) -> None:
    assert handlers.token_api_request(environ) is short


def test_the_short_chain_is_the_whole_one_without_the_sessions_middleware() -> None:
    assert set(settings.MIDDLEWARE) >= handlers.SESSION_ONLY_MIDDLEWARE  # none renamed away
    short = handlers.token_api_middleware()

    assert short == [m for m in settings.MIDDLEWARE if m not in handlers.SESSION_ONLY_MIDDLEWARE]
    # what every API answer needs stays, in its order
    for kept in (
        "django.middleware.security.SecurityMiddleware",
        "sigap.core.csp.CSPMiddleware",
        "sigap.core.locale.LanguageMiddleware",
        "sigap.accounts.business.TimeZoneMiddleware",
        "django.middleware.common.CommonMiddleware",
        "sigap.accounts.audit.AuditMiddleware",
        "sigap.accounts.idempotency.IdempotencyMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ):
        assert kept in short


def test_the_test_client_routes_as_the_server_does(admin: User) -> None:
    """conftest.py installs the routing for every test client: the API tests run the
    chain that serves integrations."""
    token = token_create(user=admin)
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert isinstance(bearer.handler, RoutingClientHandler)

    by_token = bearer.get("/api/v1/tickets")
    bearer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # any cookie: the whole chain
    with_cookie = bearer.get("/api/v1/tickets")

    assert (by_token.status_code, with_cookie.status_code) == (200, 200)
    assert not hasattr(by_token.wsgi_request, "session")  # no session middleware ran
    assert hasattr(with_cookie.wsgi_request, "session")
    assert with_cookie["Content-Language"] == "en"


def _both(make: Callable[[], Any]) -> tuple[Any, Any]:
    """The same request (made twice: a body is read once) answered by the whole chain and
    by the short one."""
    whole = SiteClientHandler(enforce_csrf_checks=True)(make().environ)
    short = TokenApiClientHandler(enforce_csrf_checks=True)(make().environ)
    _took_each_chain(whole, short)
    return whole, short


def _took_each_chain(whole: Any, short: Any) -> None:
    # conftest.py's routing replaces django.test.client.ClientHandler: a comparison made
    # with it would compare the short chain with itself.
    assert hasattr(whole.wsgi_request, "session")
    assert not hasattr(short.wsgi_request, "session")


def _headers(response: Any) -> dict[str, str]:
    # The whole chain's session middleware adds "Vary: Cookie" once anything looked at the
    # (empty) session: the presence middleware does, on every request. Nothing else differs.
    return {name: value for name, value in response.items() if name != "Vary"}


@pytest.fixture
def factory() -> RequestFactory:
    return RequestFactory()


def test_reads_errors_and_refusals_are_answered_as_by_the_whole_chain(
    admin: User, agent: User, ticket: Ticket, other_ticket: Ticket, factory: RequestFactory
) -> None:
    staff = {BEARER: f"Bearer {token_create(user=admin)}"}
    agents = {BEARER: f"Bearer {token_create(user=agent)}"}
    requests: list[Callable[[], Any]] = [
        lambda: factory.get("/api/v1/tickets", {"limit": 5}, **staff),
        lambda: factory.get(f"/api/v1/tickets/{ticket.pk}", **staff),
        lambda: factory.get(f"/api/v1/tickets/{other_ticket.pk}", **agents),  # not theirs
        lambda: factory.get("/api/v1/tickets/999999", **staff),
        lambda: factory.get("/api/v1/tickets", {"limit": "many"}, **staff),  # 422
        lambda: factory.get("/api/v1/nowhere", **staff),
        lambda: factory.delete("/api/v1/tickets", **staff),  # 405
        lambda: factory.get("/api/v1/tickets", **{BEARER: "Bearer sgp_not-a-token"}),  # 401
        lambda: factory.post(  # a refused token on a write: the session fallback's refusal
            "/api/v1/tickets", "{}", "application/json", **{BEARER: "Bearer sgp_nope"}
        ),
        lambda: factory.post("/api/v1/tickets", "{not json", "application/json", **staff),
        lambda: factory.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en", **staff),
    ]
    statuses = []
    for make in requests:
        whole, short = _both(make)
        path = make().path
        statuses.append(whole.status_code)
        assert short.status_code == whole.status_code, path
        assert _headers(short) == _headers(whole), path
        assert short.content == whole.content, path
        assert not short.cookies and not whole.cookies
    assert statuses == [200, 200, 404, 404, 422, 404, 405, 401, 403, 400, 200]


def test_a_creation_is_answered_as_by_the_whole_chain(
    admin: User, customer: Customer, factory: RequestFactory
) -> None:
    staff = {BEARER: f"Bearer {token_create(user=admin)}"}
    body = {
        "customer_id": customer.pk,
        "kind": "complaint",
        "channel": "email",
        "subject": "Paket belum sampai",
        "description": "Pesanan belum sampai.",
    }
    answers = []
    for handler in (SiteClientHandler(), TokenApiClientHandler()):
        request = factory.post(
            "/api/v1/tickets",
            json.dumps(body),
            "application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            **staff,
        )
        answers.append(handler(request.environ))
    whole, short = answers
    _took_each_chain(whole, short)

    assert (whole.status_code, short.status_code) == (201, 201)
    assert _headers(short).keys() == _headers(whole).keys()
    created = [json.loads(a.content) for a in answers]
    assert {k for k in created[0] if created[0][k] != created[1][k]} <= {
        "id",
        "reference",
        "created_at",
        "updated_at",
        "first_response_due_at",
        "next_response_due_at",
        "resolution_due_at",
        "sla_warn_at",
        "version",
    }
    assert Ticket.objects.filter(created_by=admin).count() == 2


@pytest.fixture
def connections_kept() -> Iterator[None]:
    """A WSGI handler closes the database connections around each request; the test's
    transaction needs its connection (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("connections_kept")
def test_the_wsgi_application_sends_a_token_request_down_the_short_chain(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = handlers.Application()
    taken: list[str] = []
    for name in ("site", "token_api"):
        handler = getattr(app, name)
        monkeypatch.setattr(app, name, lambda e, s, h=handler, n=name: taken.append(n) or h(e, s))
    factory = RequestFactory()
    token = {BEARER: f"Bearer {token_create(user=admin)}"}
    statuses: list[str] = []

    def call(request: Any) -> None:
        response = app(request.environ, lambda status, headers: statuses.append(status))
        response.close()

    call(factory.get("/api/v1/tickets", **token))
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=en"
    call(factory.get("/api/v1/tickets", HTTP_COOKIE=cookie, **token))
    call(factory.get("/livez"))

    assert taken == ["token_api", "site", "site"]
    assert statuses == ["200 OK", "200 OK", "200 OK"]


def test_chains_built_at_once_leave_the_settings_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token chain is built with settings.MIDDLEWARE swapped for a moment, and the test
    client builds one per client on its first request (a client per thread in the
    concurrency tests). A second token chain built meanwhile took the short list for the
    whole one and put it back for good; a whole chain built meanwhile lacked the session
    middlewares. Here the first build is held inside while the others start."""
    from django.contrib.sessions.middleware import SessionMiddleware

    monkeypatch.setattr(settings, "MIDDLEWARE", list(settings.MIDDLEWARE))  # put back after
    whole = list(settings.MIDDLEWARE)
    first_inside, first_may_end, first_ended = (threading.Event() for _ in range(3))
    sessions_made_by: list[str] = []
    audit_init = AuditMiddleware.__init__
    session_init = SessionMiddleware.__init__

    def audit_gate(self: AuditMiddleware, get_response: Any) -> None:
        name = threading.current_thread().name
        if name == "first":  # the first build holds here, with the setting swapped
            first_inside.set()
            first_may_end.wait(10)
        elif name == "second":  # the second build ends after the first
            first_ended.wait(10)
        audit_init(self, get_response)

    def session_spy(self: SessionMiddleware, get_response: Any) -> None:
        sessions_made_by.append(threading.current_thread().name)
        session_init(self, get_response)

    monkeypatch.setattr(AuditMiddleware, "__init__", audit_gate)
    monkeypatch.setattr(SessionMiddleware, "__init__", session_spy)
    built: dict[str, Any] = {}

    def build(name: str, make: Callable[[], Any]) -> threading.Thread:
        thread = threading.Thread(target=lambda: built.__setitem__(name, make()), name=name)
        thread.start()
        return thread

    first = build("first", handlers.TokenApiHandler)
    assert first_inside.wait(10)
    second = build("second", handlers.TokenApiHandler)
    site = build("site", handlers.Application)
    second.join(0.2)
    site.join(0.2)  # as far as each gets while the first is held
    first_may_end.set()
    first.join(10)
    first_ended.set()
    second.join(10)
    site.join(10)

    assert set(built) == {"first", "second", "site"}
    assert list(settings.MIDDLEWARE) == whole
    assert sessions_made_by == ["site"]  # the application's whole chain has its sessions
