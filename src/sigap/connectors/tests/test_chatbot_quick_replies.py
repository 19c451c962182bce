"""The chatbot's choices as quick replies: reply buttons (up to 3) or a list (up to 10) on
WhatsApp, an inline keyboard on Telegram, the numbered text otherwise; a tap is filed once
as the customer's message (the choice's title) and reaches the bot as that choice; an id
with a wrong signature is plain text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sigap.connectors import quickreply
from sigap.connectors.models import InboundDelivery
from sigap.connectors.quickreply import choice_id, choice_of, prepared
from sigap.connectors.tests.conftest import BOT_TOKEN, PHONE_NUMBER_ID, Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.kb import bot
from sigap.kb.bot import BotConfig
from sigap.kb.models import Article, BotConversation
from sigap.kb.tests.conftest import _fresh_index, categories, kb  # noqa: F401  (fixtures)
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db
SEND_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"
BOT = f"/bot{BOT_TOKEN}"
WA_ID = "6281234567890"
PROMPT = (
    "Saya belum yakin maksud Anda. Apakah salah satu dari ini?\n"
    'Pilih salah satu, atau ketik "agen" untuk bicara dengan petugas.'
)
# "refund" offers these three, in this order, when the bot is never sure
REFUNDS = [
    ("Refund ke saldo SigapPay", "refund-sigappay"),
    ("Refund belum masuk", "refund-belum-masuk"),
    ("Berapa lama proses refund", "waktu-refund"),
]


def choices(n: int, label: str = "Pilihan") -> list[tuple[str, str]]:
    return [(f"{label} {i}", f"kb:artikel-{i}") for i in range(1, n + 1)]


def sent(api: FakeApi, path: str) -> list[dict[str, Any]]:
    return [r.json() for r in api.to(path)]


def only_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


@pytest.fixture
def unsure_bot(settings: Any, kb: dict[str, Article]) -> Iterator[None]:  # noqa: F811
    """The bot on, never sure: "refund" gets the three refund articles as choices."""
    from unittest import mock

    settings.SIGAP_CHATBOT = True
    with mock.patch.object(bot, "config_for", return_value=BotConfig(threshold=1.01)):
        yield


# --- the payloads -----------------------------------------------------------------------------


def test_two_choices_are_reply_buttons_with_signed_ids() -> None:
    content = prepared("whatsapp", "Yang mana?", choices(2))
    assert content == {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Yang mana?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": choice_id(p), "title": t}}
                    for t, p in choices(2)
                ]
            },
        },
    }
    first = content["interactive"]["action"]["buttons"][0]["reply"]["id"]
    assert first.startswith("bot:kb:artikel-1:") and choice_of(first) == "kb:artikel-1"


def test_five_choices_are_a_list() -> None:
    interactive = prepared("whatsapp", "Yang mana?", choices(5))["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"] == {"text": "Yang mana?"}
    assert interactive["action"]["button"] == "Pilih"
    (section,) = interactive["action"]["sections"]
    assert section["rows"] == [{"id": choice_id(p), "title": t} for t, p in choices(5)]


def test_twelve_choices_cannot_be_quick_replies() -> None:
    assert prepared("whatsapp", "Yang mana?", choices(12)) == {}
    assert len(prepared("whatsapp", "Yang mana?", choices(10))["interactive"]["action"]) == 2


def test_long_titles_are_shortened_with_the_full_label_in_the_description_or_body() -> None:
    long = "Refund ke saldo SigapPay yang belum masuk juga"  # 46 characters
    rows = prepared("whatsapp", "Yang mana?", [(long, "kb:a"), *choices(4)])["interactive"][
        "action"
    ]["sections"][0]["rows"]
    assert rows[0] == {
        "id": choice_id("kb:a"),
        "title": "Refund ke saldo SigapPa…",
        "description": long,
    }
    assert len(rows[0]["title"]) == 24 and "description" not in rows[1]

    buttons = prepared("whatsapp", "Yang mana?", [(long, "kb:a"), ("Lain", "kb:b")])
    interactive = buttons["interactive"]
    assert [b["reply"]["title"] for b in interactive["action"]["buttons"]] == [
        "Refund ke saldo Sig…",
        "Lain",
    ]
    assert interactive["body"]["text"] == f"Yang mana?\n\n1. {long}\n2. Lain"


def test_telegram_gets_one_button_a_row_unless_an_id_is_too_long() -> None:
    assert prepared("telegram", "Yang mana?", choices(2)) == {
        "text": "Yang mana?",
        "reply_markup": {
            "inline_keyboard": [[{"text": t, "callback_data": choice_id(p)}] for t, p in choices(2)]
        },
    }
    too_long = [("Judul", "kb:" + "x" * 41)]  # 65 bytes with the prefix and the mac
    assert prepared("telegram", "Yang mana?", too_long) == {}
    assert prepared("livechat", "Yang mana?", choices(2)) == {}


def test_a_forged_or_foreign_id_is_not_a_choice() -> None:
    good = choice_id("kb:refund-belum-masuk")
    assert choice_of(good) == "kb:refund-belum-masuk"
    assert choice_of(good[:-1] + ("0" if good[-1] != "0" else "1")) is None
    assert choice_of("bot:kb:refund-belum-masuk") is None
    assert choice_of("kb:refund-belum-masuk") is None
    assert choice_of(good.replace("refund-belum-masuk", "waktu-refund")) is None


def test_more_than_ten_choices_go_out_as_the_numbered_text(
    whatsapp: FakeApi, post_whatsapp: Post, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    body = "Yang mana?\n" + "\n".join(f"{i}. {t}" for i, (t, _) in enumerate(choices(12), 1))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.bot_reply(ticket=only_ticket(), body=body)
        assert quickreply.attach(message, "Yang mana?", choices(12)) is False
    (reply,) = sent(whatsapp, SEND_PATH)
    assert reply["type"] == "text" and reply["text"]["body"] == body


# --- WhatsApp, end to end ---------------------------------------------------------------------


def wa_text(text: str) -> dict[str, Any]:
    payload = load("whatsapp_text.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = text
    return payload


def wa_tap(kind: str, data: str, title: str, wamid: str) -> dict[str, Any]:
    """The documented ``button_reply``/``list_reply`` payload with the id tapped."""
    payload = load(f"whatsapp_{kind}.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = wamid
    message["interactive"] = {"type": kind, kind: {"id": data, "title": title}}
    return payload


def inbound_bodies(ticket: Ticket) -> list[str]:
    return list(
        ticket.messages.filter(kind="inbound").order_by("id").values_list("body", flat=True)
    )


def history(ticket: Ticket) -> list[str]:
    state = BotConversation.objects.get(ticket=ticket).state
    return [h["text"] for h in state["history"] if h["from"] == "customer"]


def test_whatsapp_choices_go_out_as_buttons_and_the_ticket_keeps_the_numbered_text(
    unsure_bot: None, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    post_whatsapp(wa_text("refund"))
    (offer,) = sent(whatsapp, SEND_PATH)
    assert (offer["to"], offer["type"]) == (WA_ID, "interactive")
    interactive = offer["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": choice_id("kb:refund-sigappay"), "title": "Refund ke saldo Sig…"},
        {"id": choice_id("kb:refund-belum-masuk"), "title": "Refund belum masuk"},
        {"id": choice_id("kb:waktu-refund"), "title": "Berapa lama proses…"},
    ]
    numbered = "\n".join(f"{i}. {t}" for i, (t, _) in enumerate(REFUNDS, 1))
    assert interactive["body"]["text"] == f"{PROMPT}\n\n{numbered}"
    reply = only_ticket().messages.get(kind="reply")
    assert reply.body.count("3. Berapa lama proses refund") == 1  # listed once, not twice
    assert reply.body.endswith(
        'Balas dengan nomornya, atau ketik "agen" untuk bicara dengan petugas.'
    )


@pytest.mark.parametrize("kind", ["button_reply", "list_reply"])
def test_a_whatsapp_tap_reaches_the_bot_as_the_choice_and_is_filed_once(
    unsure_bot: None,
    whatsapp: FakeApi,
    post_whatsapp: Post,
    kb: dict[str, Article],  # noqa: F811
    kind: str,
) -> None:
    post_whatsapp(wa_text("refund"))
    payload = wa_tap(kind, choice_id("kb:refund-belum-masuk"), "Refund belum masuk", "wamid.TAP1")
    assert post_whatsapp(payload).json()["messages"] == {"accepted": 1}
    assert post_whatsapp(payload).json()["messages"] == {"duplicate": 1}

    ticket = only_ticket()
    assert inbound_bodies(ticket) == ["refund", "Refund belum masuk"]
    assert history(ticket) == ["refund", "kb:refund-belum-masuk"]
    answer = sent(whatsapp, SEND_PATH)[-1]
    assert answer["type"] == "text"
    assert answer["text"]["body"].startswith(f"{kb['refund-belum-masuk'].title}\n\n")
    assert len(sent(whatsapp, SEND_PATH)) == 2  # the offer, then the answer: once


def test_a_shortened_list_title_is_filed_with_its_full_label(
    unsure_bot: None, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    post_whatsapp(wa_text("refund"))
    payload = wa_tap("list_reply", choice_id("kb:waktu-refund"), "Berapa lama proses ref…", "w.1")
    reply = payload["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]
    reply["list_reply"]["description"] = "Berapa lama proses refund"
    post_whatsapp(payload)
    assert inbound_bodies(only_ticket()) == ["refund", "Berapa lama proses refund"]
    assert history(only_ticket())[-1] == "kb:waktu-refund"


def test_a_forged_whatsapp_id_is_plain_text(
    unsure_bot: None, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    post_whatsapp(wa_text("refund"))
    forged = "bot:kb:refund-belum-masuk:0000000000000000"
    post_whatsapp(wa_tap("button_reply", forged, "Refund belum masuk", "wamid.PALSU"))
    ticket = only_ticket()
    assert inbound_bodies(ticket) == ["refund", "[Tombol] Refund belum masuk"]
    assert history(ticket) == ["refund", "[Tombol] Refund belum masuk"]
    assert InboundDelivery.objects.get(external_id="wamid.PALSU").parsed["choice"] == ""


# --- Telegram, end to end ---------------------------------------------------------------------


def tg_text(text: str) -> dict[str, Any]:
    payload = load("telegram_text.json")
    payload["message"]["text"] = text
    return payload


def tg_tap(data: str, keyboard: list[list[dict[str, str]]], update_id: int) -> dict[str, Any]:
    """The documented ``callback_query``: the bot's message with its keyboard, and the data
    of the button pressed."""
    payload = load("telegram_callback_query.json")
    payload["update_id"] = update_id
    query = payload["callback_query"]
    query["id"], query["data"] = f"cb-{update_id}", data
    query["message"]["reply_markup"] = {"inline_keyboard": keyboard}
    return payload


def test_telegram_choices_are_an_inline_keyboard_and_a_tap_is_the_choice(
    unsure_bot: None,
    telegram: FakeApi,
    post_telegram: Post,
    kb: dict[str, Article],  # noqa: F811
) -> None:
    post_telegram(tg_text("refund"))
    (offer,) = sent(telegram, f"{BOT}/sendMessage")
    assert offer["chat_id"] == "123456789" and offer["text"] == PROMPT
    keyboard = offer["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": t, "callback_data": choice_id(f"kb:{s}")}] for t, s in REFUNDS]

    tap = tg_tap(keyboard[1][0]["callback_data"], keyboard, update_id=871234600)
    assert post_telegram(tap).json() == {"result": "accepted"}
    assert post_telegram(tap).json() == {"result": "duplicate"}

    ticket = only_ticket()
    assert inbound_bodies(ticket) == ["refund", "Refund belum masuk"]
    assert history(ticket) == ["refund", "kb:refund-belum-masuk"]
    assert sent(telegram, f"{BOT}/answerCallbackQuery") == [{"callback_query_id": "cb-871234600"}]
    answer = sent(telegram, f"{BOT}/sendMessage")[-1]
    assert answer["text"].startswith(f"{kb['refund-belum-masuk'].title}\n\n")
    assert "reply_markup" not in answer


def test_a_forged_telegram_id_is_plain_text_and_still_answered(
    unsure_bot: None, telegram: FakeApi, post_telegram: Post
) -> None:
    post_telegram(tg_text("refund"))
    forged = "bot:kb:refund-belum-masuk:0000000000000000"
    post_telegram(tg_tap(forged, [[{"text": "Refund belum masuk", "callback_data": forged}]], 9))
    ticket = only_ticket()
    assert history(ticket) == ["refund", "Refund belum masuk"]  # the text, not the choice
    assert InboundDelivery.objects.get(external_id__endswith=":9").parsed["choice"] == ""
    assert sent(telegram, f"{BOT}/answerCallbackQuery") == [{"callback_query_id": "cb-9"}]
