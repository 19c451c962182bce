"""The widget per page and per language: its strings come from gettext in the page's
language (``/chat/widget/?lang=``) and match what ``widget.js`` says; the branding
defaults come from the settings; the server's messages to the visitor (errors, notices)
are said in the page's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from sigap.connectors.livechat import selectors, services, widget
from sigap.connectors.livechat.consumers import VisitorConsumer
from sigap.connectors.livechat.models import Chat

WIDGET_JS = Path(widget.__file__).parent / "static" / "livechat" / "widget.js"
SAME_IN_ENGLISH = {"Email", "Live chat"}
BROWSER = "browser-key-of-the-test-visitor-00000001"


def said_by_the_script() -> set[str]:
    source = WIDGET_JS.read_text()
    return set(re.findall(r'\b(?:t|fmt)\("((?:[^"\\]|\\.)*)"', source))


def test_every_string_the_script_says_is_in_the_catalogue_list() -> None:
    said = said_by_the_script()
    assert said, "the script says nothing through t()/fmt()?"
    assert said - set(widget.STRINGS) == set()  # said but not translatable
    assert set(widget.STRINGS) - said == set()  # listed but never said (stale)


@pytest.mark.django_db  # the config reads the brand and the edited greeting
def test_english_config_translates_every_string(settings: Any) -> None:
    settings.SIGAP_CHAT_NAME = ""
    settings.SIGAP_CHAT_GREETING = ""
    config = widget.config("en")
    untranslated = {k for k, v in config["strings"].items() if k == v and k not in SAME_IN_ENGLISH}
    assert untranslated == set()
    assert config["strings"]["Bicara dengan petugas"] == "Talk to a person"
    assert config["strings"]["Anda dilayani oleh %s"].count("%s") == 1
    assert config["greeting"] == "Hello! Fill in the details below so that we can reply to you."
    assert config["name"] == "Live chat"
    indonesian = widget.config("id")
    assert all(k == v for k, v in indonesian["strings"].items())


@pytest.mark.django_db
def test_the_config_endpoint_serves_any_site_in_the_pages_language(
    client: Client, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SIGAP_CHAT_NAME = "Toko Sigap"
    settings.SIGAP_CHAT_COLOR = "red; background:url(x)"  # not a colour: the default
    client.get(reverse("livechat:widget_config"))  # the brands and edited texts, kept in memory
    with django_assert_num_queries(0):
        response = client.get(reverse("livechat:widget_config"), {"lang": "en-GB"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert (body["lang"], body["name"], body["color"]) == ("en", "Toko Sigap", "#0b6e4f")
    assert body["strings"]["Mulai chat"] == "Start chat"
    other = client.get(reverse("livechat:widget_config"), {"lang": "xx"}).json()
    assert other["lang"] == "id" and other["strings"]["Mulai chat"] == "Mulai chat"


def test_colours_are_hex_or_the_default() -> None:
    assert widget.color_or_default("#1A73E8") == "#1A73E8"
    assert widget.color_or_default("#abc") == "#abc"
    for bad in ("", "blue", "#12345", "#1a73e8;}", "url(x)"):
        assert widget.color_or_default(bad) == widget.DEFAULT_COLOR


def test_the_language_of_a_page() -> None:
    assert services.language_of("en-US") == "en"
    assert services.language_of("EN") == "en"
    assert services.language_of("id-ID") == "id"
    assert services.language_of("fr") == "id"
    assert services.language_of("") == "id"


@pytest.mark.django_db
def test_the_sample_page_can_be_an_english_page(client: Client) -> None:
    english = client.get(reverse("livechat:sample"), {"lang": "en"}).content.decode()
    assert '<html lang="en">' in english and "data-sigap-chat" in english
    default = client.get(reverse("livechat:sample")).content.decode()
    assert '<html lang="id">' in default


@pytest.mark.django_db
def test_the_visitors_form_errors_are_said_in_the_pages_language(client: Client) -> None:
    url = reverse("livechat:code_check")
    english = client.post(url, {"token": "forged", "code": "123456", "lang": "en"})
    assert english.status_code == 404
    assert english.json()["error"]["message"] == "Conversation not found."
    indonesian = client.post(url, {"token": "forged", "code": "123456"})
    assert indonesian.json()["error"]["message"] == "Percakapan tidak ditemukan."


@pytest.mark.django_db
def test_the_notice_is_said_in_the_chats_language_whoever_announces_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        chat = services.chat_start(
            name="Ann",
            email="ann@example.com",
            phone="",
            body="Where is my parcel?",
            cid="c-en-000001",
            browser_key=BROWSER,
            language="en",
        )
    assert Chat.objects.get(pk=chat.pk).language == "en"
    state = selectors.visitor_state(chat)  # no agent online: the offline notice
    assert state["notice"].startswith("No agent is online right now.")
    assert "Verify ann@example.com" in state["notice"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_start_refused_on_an_english_page_is_explained_in_english() -> None:
    async def scenario() -> None:
        comm = WebsocketCommunicator(VisitorConsumer.as_asgi(), "/ws/livechat/")
        assert (await comm.connect())[0]
        await comm.send_json_to(
            {
                "type": "start",
                "lang": "en",
                "cid": "start-cid-en-01",
                "name": "",
                "email": "",
                "phone": "",
                "body": "Hello",
            }
        )
        error = await comm.receive_json_from(timeout=3)
        assert error["type"] == "error"
        assert error["message"] == "Some details are missing."
        # The same socket, an Indonesian page's frame: Indonesian again.
        await comm.send_json_to({"type": "message", "cid": "x", "body": "hi", "lang": "id"})
        assert await comm.receive_json_from(timeout=3) == {
            "type": "error",
            "code": "no_chat",
            "cid": "x",
        }
        await comm.send_json_to({"type": "resume", "token": "forged", "lang": "id"})
        refused = await comm.receive_json_from(timeout=3)
        assert refused["message"] == "Percakapan tidak ditemukan."
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_an_upload_refused_on_an_english_page_is_explained_in_english(
    client: Client, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.cookies[services.BROWSER_COOKIE] = BROWSER
    chat = services.chat_start(
        name="Ann",
        email="ann@example.com",
        phone="",
        body="Hello",
        cid="c-en-000002",
        browser_key=BROWSER,
        language="en",
    )
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 1024
    big = SimpleUploadedFile("photo.txt", b"x" * 4096, content_type="text/plain")
    response = client.post(
        reverse("livechat:visitor_upload"),
        {"token": services.token_for(chat), "cid": "upload-cid-01", "lang": "en", "file": big},
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"] == (
        "The attachment 'photo.txt' is 0.0 MB, over the limit of 0 MB."
    )


# --- the brand the widget is embedded for (issue 17) -------------------------------------------


@pytest.mark.django_db
def test_a_brands_widget_takes_its_name_colour_and_greeting(client: Client, settings: Any) -> None:
    from sigap.accounts import message_templates
    from sigap.accounts.models import Brand, Role
    from sigap.accounts.services import user_create

    settings.SIGAP_CHAT_NAME = "Toko Sigap"
    settings.SIGAP_CHAT_COLOR = "#0b6e4f"
    settings.SIGAP_CHAT_GREETING = ""
    admin = user_create(username="admin-widget", password="rahasia-admin-1", role=Role.ADMIN)
    brand_b = Brand.objects.create(name="Kopi Senja", slug="kopi-senja", colour="#7A3E12")
    message_templates.message_template_save(
        actor=admin,
        key="widget_form_greeting",
        language="id",
        brand=brand_b,
        subject="",
        body="Halo, pencinta kopi! Tulis pertanyaan Anda.",
    )
    url = reverse("livechat:widget_config")
    b = client.get(url, {"brand": "kopi-senja"}).json()
    assert (b["brand"], b["name"], b["color"]) == ("kopi-senja", "Kopi Senja", "#7A3E12")
    assert b["greeting"] == "Halo, pencinta kopi! Tulis pertanyaan Anda."
    # in English the brand has no edited text: the widget's own default
    english = client.get(url, {"brand": "kopi-senja", "lang": "en"}).json()
    assert english["greeting"] == "Hello! Fill in the details below so that we can reply to you."
    # no brand, or an unknown one: the default brand, as before
    for params in ({}, {"brand": "tidak-ada"}):
        default = client.get(url, params).json()
        assert (default["name"], default["color"]) == ("Toko Sigap", "#0b6e4f")
        assert default["greeting"] == "Halo! Isi data berikut agar kami dapat membalas Anda."
    # an edit for every brand reaches the default brand's widget
    message_templates.message_template_save(
        actor=admin,
        key="widget_form_greeting",
        language="id",
        brand=None,
        subject="",
        body="Selamat datang di {usaha}!",
    )
    assert (
        client.get(url).json()["greeting"] == f"Selamat datang di {settings.SIGAP_BUSINESS_NAME}!"
    )


def test_the_script_asks_for_its_brands_defaults_and_lets_the_page_override_them() -> None:
    source = WIDGET_JS.read_text()
    assert 'fetch(origin + "/chat/widget/?lang=" + LANG + BRAND_Q)' in source
    assert "BRAND_Q" in source.split('"/bantuan/saran/?lang="', 1)[1].split("\n", 1)[0]
    # the page's own data- attributes come before the brand's (the config's) values
    assert "hexColor(data.color) || hexColor(cfg.color)" in source
    assert "data.name || cfg.name" in source
    assert "data.greeting || cfg.greeting" in source
