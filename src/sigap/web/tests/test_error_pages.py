"""The 403, 404 and 500 pages: styled, in the app's chrome, in Indonesian and English,
with a way back; no stack trace; the API keeps its JSON errors. DEBUG is off in tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.test import Client

from sigap.accounts.models import User
from sigap.web.views import errors

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sigap.web.tests.error_urls")]


def client(user: User | None = None, language: str | None = None) -> Client:
    c = Client(raise_request_exception=False)
    if user is not None:
        c.force_login(user)
    if language:
        c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return c


def test_debug_is_off() -> None:
    assert settings.DEBUG is False


def test_404_for_staff_is_in_the_workspace_with_a_way_to_the_inbox(agent: User) -> None:
    response = client(agent).get("/tidak-ada/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html
    assert 'class="mainnav"' in html and 'href="/inbox/"' in html
    assert "Kembali ke kotak masuk" in html


def test_404_in_english(agent: User) -> None:
    response = client(agent, "en").get("/tickets/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "Back to the inbox" in html
    assert "Halaman tidak ditemukan" not in html


def test_404_for_a_customer_leads_back_to_the_portal(customer_user: User, customer: object) -> None:
    html = client(customer_user).get("/portal/tiket/999999/").content.decode()
    assert "Halaman tidak ditemukan" in html and "Kembali ke tiket saya" in html
    assert 'href="/portal/"' in html and "Kotak masuk" not in html


def test_404_for_anonymous_leads_home() -> None:
    response = client().get("/tidak-ada/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Kembali ke halaman awal" in html and 'href="/"' in html
    assert "Not Found" not in html


def test_403_is_styled_and_translated(agent: User) -> None:
    response = client(agent).get("/refuse/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Tidak diizinkan" in html and "Kembali ke kotak masuk" in html
    assert "internal reason" not in html
    english = client(agent, "en").get("/refuse/").content.decode()
    assert "Not allowed" in english


def test_500_has_no_trace_and_speaks_both_languages(agent: User) -> None:
    response = client(agent).get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in html and 'href="/"' in html
    assert "secret-detail" not in html and "Traceback" not in html
    assert "RuntimeError" not in html
    english = client(agent, "en").get("/boom/").content.decode()
    assert "Something went wrong on the server" in english


def test_the_500_page_survives_a_broken_template(
    agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(name: str) -> None:
        raise TemplateDoesNotExist(name)

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = client(agent).get("/boom/")
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in response.content.decode()


def test_api_paths_keep_their_json_errors(agent: User) -> None:
    c = client(agent)
    missing = c.get("/api/v1/tidak-ada")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    failed = c.get("/api/v1/boom/")
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "server_error"
    assert "secret-detail" not in failed.content.decode()
