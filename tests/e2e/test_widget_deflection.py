"""Deflection in the live chat widget, in a real browser: while the visitor writes their
question, published help-centre articles are suggested; the one opened is noted, and the
chat the visitor then starts from the same form marks it as filed after all."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sigap.connectors.livechat.models import Chat
from sigap.kb.models import SuggestionOpen
from sigap.kb.services import ArticleIn, CategoryIn, article_create, category_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TIMEOUT = 30_000  # a loaded machine: the first page load is slow


def test_the_widget_suggests_an_article_and_counts_the_chat_filed_after_it(
    server: str, browser: Any, settings: Any
) -> None:
    settings.SITE_URL = server
    shipping = category_create(actor=None, data=CategoryIn(name="Pengiriman", slug="kirim"))
    article_create(
        actor=None,
        slug="paket-terlambat",
        content=ArticleIn(
            category=shipping,
            title="Paket belum sampai melewati estimasi",
            body="Jika paket belum sampai melewati estimasi, cek halaman Lacak Paket.",
            title_en="Parcel has not arrived after the estimate",
            body_en="If your parcel has not arrived after the estimate, check Track Parcel.",
            visibility="public",
            status="published",
        ),
    )
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{server}/chat/contoh/?lang=en")  # an English page: English suggestions
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Name").fill("Ani Wijaya")
    page.get_by_label("Email").fill("ani@contoh.id")
    page.get_by_label("How can we help?").fill("paket belum sampai")
    suggestions = page.locator("[data-suggest]")
    suggestions.get_by_text("These articles may answer your question").wait_for()
    link = suggestions.get_by_role("link", name="Parcel has not arrived after the estimate")
    with context.expect_page() as opened:
        link.click()
    article = opened.value
    article.wait_for_load_state()
    assert article.url.endswith("/bantuan/artikel/paket-terlambat/")
    assert "Track Parcel" in article.content()
    noted = SuggestionOpen.objects.get()
    assert noted.user is None and noted.filed_at is None

    # Not answered after all: the visitor starts the chat from the same form.
    page.get_by_role("button", name="Start chat").click()
    page.locator("[data-sigap-chat-root][data-ready='1']").wait_for(state="attached")
    chat = Chat.objects.get()
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:  # marked after the chat's transaction commits
        noted.refresh_from_db()
        if noted.filed_at is not None:
            break
        time.sleep(0.1)
    assert noted.filed_at is not None and noted.ticket_id == chat.ticket_id
    context.close()
