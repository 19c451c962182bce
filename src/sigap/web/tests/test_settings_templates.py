"""The message templates' settings page (``/settings/templates/``): admins only, the
list with each text's state, editing with the placeholders listed, preview, reset, the
refusals, English, and a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.brands import default_brand
from sigap.accounts.models import Brand, MessageTemplate, SecurityEvent, User

pytestmark = pytest.mark.django_db

LIST = "/settings/templates/"
EDIT = "/settings/templates/acknowledgement/en/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("url", [LIST, EDIT])
def test_agents_and_supervisors_get_403(url: str, agent: User, supervisor: User) -> None:
    assert logged(agent).get(url).status_code == 403
    response = logged(supervisor).post(url, {"action": "save", "body": "x"})
    assert response.status_code == 403
    assert not MessageTemplate.objects.exists()


def test_the_hub_lists_the_page_for_admins_only(admin: User, supervisor: User) -> None:
    assert f'href="{LIST}"' in logged(admin).get("/settings/").content.decode()
    assert f'href="{LIST}"' not in logged(supervisor).get("/settings/").content.decode()


def test_edit_save_shows_the_state_then_reset_goes_back(admin: User) -> None:
    c = logged(admin)
    page = c.get(EDIT).content.decode()
    assert "We will reply by {reply_by}" in page  # the default text in the form
    assert "{tenggat_balasan}" in page and "{reply_by}" in page  # the placeholders listed
    assert "Teks bawaan." in page
    body = "Hi {first_name}, ticket {ticket_number} is in."
    response = c.post(EDIT, {"action": "save", "body": body})
    assert response.status_code == 302
    row = MessageTemplate.objects.get()
    assert (row.key, row.language, row.brand, row.body) == ("acknowledgement", "en", None, body)
    assert row.updated_by == admin
    listing = c.get(LIST).content.decode()
    assert "Diubah untuk semua merek" in listing
    assert "Teks diubah" in c.get(EDIT).content.decode()
    assert c.post(EDIT, {"action": "reset"}).status_code == 302
    assert not MessageTemplate.objects.exists()
    assert SecurityEvent.objects.filter(kind="settings_changed").count() == 2


def test_preview_renders_sample_data_and_saves_nothing(admin: User) -> None:
    response = logged(admin).post(
        EDIT, {"action": "preview", "body": "Hi {first_name}, <b>{ticket_number}</b>"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hi Budi, &lt;b&gt;SGP-000042&lt;/b&gt;" in html
    assert not MessageTemplate.objects.exists()


def test_an_unknown_placeholder_is_shown_on_the_form_and_nothing_saved(admin: User) -> None:
    c = logged(admin)
    for action in ("save", "preview"):
        response = c.post(EDIT, {"action": action, "body": "Hi {nama}"})
        assert response.status_code == 422
        assert "Placeholder {nama} tidak dikenal untuk pesan ini." in response.content.decode()
    response = c.post(
        "/settings/templates/survey_nps/id/", {"action": "save", "subject": "", "body": " "}
    )
    html = response.content.decode()
    assert "Subjek wajib diisi." in html and "Isi pesan wajib diisi." in html
    assert not MessageTemplate.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_a_brand_of_its_own_when_the_business_has_several(admin: User) -> None:
    other = Brand.objects.create(name="Merek Dua", slug="dua")
    c = logged(admin)
    assert "Merek Dua" in c.get(EDIT).content.decode()  # the brand choice is shown
    c.post(f"{EDIT}?merek=dua", {"action": "save", "body": "Dua {first_name}"})
    assert MessageTemplate.objects.get().brand == other
    assert "Diubah untuk Merek Dua" in c.get(LIST).content.decode()
    assert c.get(f"{EDIT}?merek=tidak-ada").status_code == 404
    assert c.get("/settings/templates/tidak-ada/en/").status_code == 404
    assert c.get("/settings/templates/reminder/jv/").status_code == 404


def test_the_pages_in_english(admin: User) -> None:
    c = logged(admin)
    c.cookies["django_language"] = "en"
    listing = c.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Message templates" in listing and "Ticket acknowledgement" in listing
    page = c.get(EDIT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Placeholders you can use" in page and "The first reply deadline." in page
    # the English text's placeholder first, the Indonesian name beside it, meaning in English
    assert "<code>{reply_by}</code> <small>(or <code>{tenggat_balasan}</code>)" in page
    # and the preview of an English text shows English sample values
    response = c.post(EDIT, {"action": "preview", "body": "{ticket_subject} by {reply_by}"})
    assert "Balance charged twice by Monday, 7 December 2026 at 10:00 WIB" in (
        response.content.decode()
    )
    # an Indonesian text lists its own names first
    indonesian = c.get("/settings/templates/acknowledgement/id/").content.decode()
    assert "<code>{tenggat_balasan}</code> <small>(or <code>{reply_by}</code>)" in indonesian


def test_the_list_reads_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    c = logged(admin)
    Brand.objects.create(name="Merek Dua", slug="dua")
    for n, key in enumerate(["acknowledgement", "reminder", "survey_nps", "widget_greeting"]):
        MessageTemplate.objects.create(
            key=key,
            language="en",
            brand=default_brand() if n % 2 else None,
            body="x",
            updated_by=admin,
        )
    c.get(LIST)
    with django_assert_max_num_queries(5):
        assert c.get(LIST).status_code == 200
    with django_assert_max_num_queries(5):
        assert c.get(EDIT).status_code == 200
