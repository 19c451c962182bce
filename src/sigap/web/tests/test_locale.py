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


def test_an_english_request_leaves_the_thread_in_its_own_language() -> None:
    from django.utils import translation
    from django.utils.translation import gettext

    c = Client()
    c.cookies["django_language"] = "en"
    assert c.get("/masuk/")["Content-Language"] == "en"
    # what the thread runs next (another request's code, a job, a test) is not in English
    assert translation.get_language() == "id"
    assert gettext("Wajib diisi.") == "Wajib diisi."  # not "Required."


def test_an_unknown_language_cookie_falls_back_to_indonesian() -> None:
    c = Client()
    c.cookies["django_language"] = "xx"
    assert c.get("/masuk/")["Content-Language"] == "id"


def test_the_portal_explains_the_next_step_in_english_too(
    customer_user: object, ticket: object
) -> None:
    from django.test import Client as C

    c = C()
    c.force_login(customer_user)  # type: ignore[arg-type]
    c.cookies["django_language"] = "en"
    html = c.get(f"/portal/tiket/{ticket.pk}/").content.decode()  # type: ignore[attr-defined]
    assert "We have received your complaint." in html
    assert " at " in html  # the deadline, "Monday, 23 November 2026 at 14.30 WIB"


def test_the_scripts_strings_come_in_english_and_only_english_pages_load_them() -> None:
    c = Client()
    indonesian = c.get("/masuk/").content.decode()
    c.cookies["django_language"] = "en"
    english = c.get("/masuk/").content.decode()
    catalog = c.get("/jsi18n/")

    assert "/jsi18n/" not in indonesian  # the scripts' own text is Indonesian already
    assert '<script src="/jsi18n/" defer></script>' in english
    assert catalog.status_code == 200
    body = catalog.content.decode()
    for english_text in ("Handled by %s", "No chats waiting.", "Also viewing this ticket: %s"):
        assert english_text in body
