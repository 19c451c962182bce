"""The chatbot in the live chat widget: a greeting of its own (no email-style
acknowledgement), short answers whose card carries the article's link and "read more",
quick replies for its choices, the person one tap away, and all of it in English when the
visitor's page is English."""

from __future__ import annotations

from typing import Any

import pytest

from sigap.connectors.livechat import selectors
from sigap.connectors.livechat import services as chats
from sigap.connectors.livechat.models import BotCard, Chat
from sigap.kb import bot
from sigap.kb.conversation import on_customer_message
from sigap.tickets.models import Message

pytestmark = pytest.mark.django_db

BROWSER = "browser-key-of-the-test-visitor-00000001"


@pytest.fixture
def bot_on(settings: Any, kb: Any) -> None:
    settings.SIGAP_CHATBOT = True


def start(capture: Any, body: str, *, language: str = "", cid: str = "c-bot-0001") -> Chat:
    with capture(execute=True):
        return chats.chat_start(
            name="Ani Wijaya",
            email="ani@contoh.id",
            phone="",
            body=body,
            cid=cid,
            browser_key=BROWSER,
            language=language,
        )


def bot_messages(chat: Chat) -> list[Message]:
    return list(
        chat.ticket.messages.filter(kind="reply", author=None)
        .select_related("bot_card")
        .order_by("pk")
    )


def test_the_bot_greets_then_answers_short_with_the_link_and_quick_replies(
    bot_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    chat = start(django_capture_on_commit_callbacks, "cara lacak paket gimana ya")

    greeting, answer = bot_messages(chat)
    assert "Terima kasih, pesan Anda sudah kami terima" not in greeting.body  # no email ack
    assert greeting.body.startswith("Halo, Ani! Saya asisten virtual")
    assert greeting.bot_card.data == {
        "kind": "greeting",
        "text": greeting.body,
        "human": True,
        "choices": [],
    }
    card = answer.bot_card.data
    assert card["kind"] == "answer" and card["human"] is True
    assert card["article"] == {
        "title": "Cara melacak paket",
        "url": bot.article_url("lacak-paket"),
        "more": "Baca selengkapnya",
    }
    assert len(card["text"]) <= bot.SHORT_CHARS and "http" not in card["text"]
    assert card["choices"] == [
        {"label": "Terima kasih, terjawab", "send": "Terima kasih"},
        {"label": "Belum terjawab?", "send": "Belum terjawab"},
    ]
    # The ticket keeps the full text, with the new wording of the tail.
    assert "Belum terjawab?" in answer.body and "Belum menjawab" not in answer.body
    # What the widget receives carries the card.
    out = selectors.messages_after(chat, 0, staff=False)
    assert [m.get("bot", {}).get("kind") for m in out] == [None, "greeting", "answer"]


def test_a_tapped_quick_reply_is_understood(
    bot_on: None, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    never_sure = bot.BotConfig(threshold=1.01)  # every question is "unsure": choices
    monkeypatch.setattr(bot, "config_for", lambda generation: never_sure)
    chat = start(django_capture_on_commit_callbacks, "refund belum masuk")
    offered = bot_messages(chat)[-1].bot_card.data
    assert offered["kind"] == "choices"
    assert offered["text"] == "Saya belum yakin maksud Anda. Apakah salah satu dari ini?"
    labels = [c["label"] for c in offered["choices"]]
    assert "Refund belum masuk" in labels and all(
        c["send"] == c["label"] for c in offered["choices"]
    )

    reply = on_customer_message(chat.ticket_id, "Refund belum masuk")  # the tap's text
    assert reply is not None and reply.action == bot.ANSWER
    assert reply.article is not None and reply.article.slug == "refund-belum-masuk"
    # "Belum terjawab?" after an answer: the bot offers the others.
    again = on_customer_message(chat.ticket_id, "Belum terjawab")
    assert again is not None and again.action in (bot.CHOICES, bot.HANDOVER, bot.CLARIFY)
    assert again.action != bot.ANSWER


def test_a_hello_first_gets_the_greeting_once(
    bot_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    chat = start(django_capture_on_commit_callbacks, "halo kak")
    (greeting,) = bot_messages(chat)
    assert greeting.bot_card.data["kind"] == "greeting"
    reply = on_customer_message(chat.ticket_id, "halo")  # later, small talk is answered
    assert reply is not None and reply.action == bot.SMALL_TALK
    assert len(bot_messages(chat)) == 2


def test_talk_to_a_person_hands_over_and_the_card_says_so(
    bot_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    chat = start(django_capture_on_commit_callbacks, "halo")
    reply = on_customer_message(chat.ticket_id, "Bicara dengan petugas")  # the button
    assert reply is not None and reply.action == bot.HANDOVER
    card = bot_messages(chat)[-1].bot_card.data
    assert card["kind"] == "handover" and card["human"] is False


def test_on_an_english_page_the_bot_speaks_english(
    bot_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    chat = start(django_capture_on_commit_callbacks, "How do I track my parcel?", language="en-US")
    assert chat.language == "en"
    greeting, answer = bot_messages(chat)
    assert greeting.body.startswith("Hello, Ani! I am the virtual assistant of")
    card = answer.bot_card.data
    assert card["article"]["title"] == "How to track a parcel"
    assert card["article"]["more"] == "Read more"
    assert card["text"].startswith("Open My Orders")
    assert [c["label"] for c in card["choices"]] == ["Thanks, that answers it", "Still need help?"]
    # The taps are understood in English too.
    reply = on_customer_message(chat.ticket_id, card["choices"][1]["send"])
    assert reply is not None and reply.action != bot.ANSWER
    handover = on_customer_message(chat.ticket_id, "Talk to a person")
    assert handover is not None and handover.action == bot.HANDOVER
    assert handover.text.startswith("All right, I am connecting you with one of our staff.")
    # The note for the staff stays in the staff's language.
    note = chat.ticket.messages.get(kind="note")
    assert "menyerahkan percakapan ke petugas" in note.body


def test_the_widgets_backlog_with_cards_is_a_fixed_number_of_queries(
    bot_on: None,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    chat = start(django_capture_on_commit_callbacks, "cara lacak paket gimana ya")
    for i in range(3):
        on_customer_message(chat.ticket_id, f"bagaimana cara melacak paket {i}")
    assert BotCard.objects.filter(message__ticket=chat.ticket).count() >= 4
    with django_assert_max_num_queries(3):  # messages (+ author, card), attachments, proposals
        out = selectors.messages_after(chat, 0, staff=False)
    assert sum(1 for m in out if "bot" in m) >= 4


def test_the_bots_article_links_follow_the_served_address(
    bot_on: None, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo served on another port (``sigap demo --port 8202``): the bot's link, in the
    widget's card and in the ticket's text (what WhatsApp and Telegram send), opens there."""
    from django.conf import settings

    from sigap.core import siteurl

    for name in ("SIGAP_SITE_URL", "SIGAP_SITE_URL_FILE"):  # unset, restored afterwards
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(settings, "SITE_URL", "http://127.0.0.1:8000")
    assert siteurl.adopt("0.0.0.0", 8202) == ""
    chat = start(django_capture_on_commit_callbacks, "cara lacak paket gimana ya")
    answer = bot_messages(chat)[-1]
    link = "http://127.0.0.1:8202/bantuan/artikel/lacak-paket/"
    assert answer.bot_card.data["article"]["url"] == link
    assert link in answer.body
    assert "127.0.0.1:8000" not in answer.body
