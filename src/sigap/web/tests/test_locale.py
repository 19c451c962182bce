from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_indonesian_by_default_even_for_an_english_browser() -> None:
    response = Client().get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()
    assert "Masuk ke Sigap" in response.content.decode()


def test_the_language_switch_selects_english() -> None:
    c = Client()
    response = c.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    assert response.status_code == 302
    page = c.get("/masuk/")
    assert page["Content-Language"] == "en"
    assert "Sign in to Sigap" in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_indonesian() -> None:
    c = Client()
    c.cookies["django_language"] = "xx"
    assert c.get("/masuk/")["Content-Language"] == "id"
