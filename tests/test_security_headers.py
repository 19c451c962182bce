"""Every response carries a Content-Security-Policy that allows no inline script without
the request's nonce, HSTS can be switched on, and the API docs page loads nothing from a
CDN (issue "Trust", finding 13)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "sigap"


def policy(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"no CSP on {response.request['PATH_INFO']}"
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def logged(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_send_a_policy_without_inline_script(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    staff = logged(agent)
    responses = [
        Client().get("/masuk/"),
        Client().get("/portal/daftar/"),
        staff.get("/inbox/"),
        staff.get(f"/tickets/{ticket.pk}/"),
        logged(customer_user).get("/portal/"),
        staff.get("/api/v1/docs"),
        Client().get("/healthz"),
    ]
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        csp = policy(response)
        assert csp["script-src"][0] == "'self'"
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-eval'" not in csp["script-src"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        html = response.content.decode(errors="replace")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag or "nonce=" in tag, tag


def test_no_template_has_an_inline_event_handler() -> None:
    handlers = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    found = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("templates/**/*.html")
        if handlers.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_api_docs_load_their_scripts_from_sigap(agent: User) -> None:
    html = logged(agent).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    bundle = Client().get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()  # a file response: its file is open until closed


def test_hsts_is_sent_over_https_when_configured(settings: Any) -> None:
    assert "Strict-Transport-Security" not in Client().get("/masuk/", secure=True).headers
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/masuk/", secure=True)
    assert response.headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains")
