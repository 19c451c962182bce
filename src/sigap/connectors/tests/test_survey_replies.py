"""Surveys on the ticket's own channel: a WhatsApp list / Telegram inline keyboard after the
resolution, one tap answers (signed ids, the customer's own taps only, once per delivery),
then the CES question and the thanks; outside the 24-hour window, email as before."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors.models import InboundDelivery, InboundStatus
from sigap.connectors.tests.conftest import BOT_TOKEN, PHONE_NUMBER_ID, Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.customers.models import Customer, CustomerContact
from sigap.surveys import quickreply
from sigap.surveys.models import Survey
from sigap.surveys.quickreply import reply_id
from sigap.tickets import services
from sigap.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db
SEND_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"
BOT = f"/bot{BOT_TOKEN}"
WA_ID = "6281234567890"


def only_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


def resolve(agent: User, ticket: Ticket, capture: Any) -> Ticket:
    services.ticket_transition(actor=agent, ticket=ticket, to="in_progress")
    with capture(execute=True):
        services.ticket_resolve(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk))
    return Ticket.objects.get(pk=ticket.pk)


def tap(data: str, wamid: str, *, wa_id: str = WA_ID) -> dict[str, Any]:
    """The documented ``list_reply`` payload with the row id the customer tapped."""
    payload = load("whatsapp_list_reply.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = wa_id
    message = value["messages"][0]
    message["id"], message["from"] = wamid, wa_id
    message["interactive"]["list_reply"] = {"id": data, "title": "4 – Puas"}
    return payload


def callback(data: str, update_id: int = 871234502) -> dict[str, Any]:
    payload = load("telegram_callback_query.json")
    payload["update_id"] = update_id
    payload["callback_query"]["data"] = data
    payload["callback_query"]["id"] = f"cb-{update_id}"
    return payload


def sent(api: FakeApi, path: str) -> list[dict[str, Any]]:
    return [r.json() for r in api.to(path)]


@pytest.fixture
def wa_survey(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> Survey:
    """A WhatsApp ticket, answered and resolved a moment ago: its survey went out."""
    post_whatsapp(load("whatsapp_text.json"))
    resolve(agent, only_ticket(), django_capture_on_commit_callbacks)
    return Survey.objects.get()


# --- WhatsApp ---------------------------------------------------------------------------------


def test_a_resolved_whatsapp_ticket_gets_a_list_message_with_signed_ids(
    wa_survey: Survey, whatsapp: FakeApi
) -> None:
    assert (wa_survey.sent_via, wa_survey.kind, wa_survey.channel) == (
        "whatsapp",
        "resolution",
        "whatsapp",
    )
    assert mail.outbox == []
    (question,) = sent(whatsapp, SEND_PATH)
    assert (question["to"], question["type"]) == (WA_ID, "interactive")
    interactive = question["interactive"]
    assert interactive["type"] == "list"
    assert wa_survey.ticket is not None
    assert wa_survey.ticket.reference in interactive["body"]["text"]
    assert interactive["action"]["button"] == "Pilih nilai"
    (section,) = interactive["action"]["sections"]
    assert [row["id"] for row in section["rows"]] == [
        reply_id(wa_survey.pk, "c", n) for n in (5, 4, 3, 2, 1)
    ]
    assert [row["title"] for row in section["rows"]] == [
        "5 – Sangat puas",
        "4 – Puas",
        "3 – Biasa saja",
        "2 – Kurang puas",
        "1 – Sangat tidak puas",
    ]
    assert all(len(row["title"]) <= 24 for row in section["rows"])
    assert reply_id(wa_survey.pk, "c", 4).startswith(f"srv:{wa_survey.pk}:c4:")


def test_the_question_is_asked_once_even_if_the_job_runs_again(
    wa_survey: Survey, whatsapp: FakeApi
) -> None:
    assert wa_survey.asked_at is not None
    assert quickreply.send_invitation(wa_survey.pk) == "skipped"
    assert len(sent(whatsapp, SEND_PATH)) == 1


def test_a_tap_on_an_expired_survey_says_it_is_closed(
    wa_survey: Survey, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = post_whatsapp(tap(reply_id(wa_survey.pk, "c", 5), "wamid.TELAT"))
    assert response.json()["messages"] == {"survey_expired": 1}
    wa_survey.refresh_from_db()
    assert wa_survey.csat is None
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == (
        "Maaf, survei ini sudah ditutup. Terima kasih atas perhatian Anda."
    )


def test_a_tap_answers_the_survey_without_reopening_the_ticket_then_ces_and_thanks(
    wa_survey: Survey, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    ticket = only_ticket()
    messages_before = ticket.messages.count()
    response = post_whatsapp(tap(reply_id(wa_survey.pk, "c", 4), "wamid.TAP1"))
    assert response.json()["messages"] == {"survey": 1}
    wa_survey.refresh_from_db()
    assert (wa_survey.csat, wa_survey.ces) == (4, None)
    assert wa_survey.answered_at is not None
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.messages.count() == messages_before
    event = ticket.events.get(kind="survey_answered")
    assert event.data == {"survey": wa_survey.pk, "kind": "resolution", "csat": 4}
    row = InboundDelivery.objects.get(external_id="wamid.TAP1")
    assert (row.status, row.message_id) == (InboundStatus.IGNORED, None)
    assert row.error.endswith(": answered")

    ces = sent(whatsapp, SEND_PATH)[-1]
    assert ces["interactive"]["type"] == "list"
    assert ces["interactive"]["body"]["text"].startswith("Terima kasih, nilai Anda (4)")
    rows = ces["interactive"]["action"]["sections"][0]["rows"]
    scale = wa_survey.ces_scale
    assert [r["id"] for r in rows] == [reply_id(wa_survey.pk, "e", n) for n in range(scale, 0, -1)]

    post_whatsapp(tap(reply_id(wa_survey.pk, "e", 2), "wamid.TAP2"))
    wa_survey.refresh_from_db()
    assert (wa_survey.csat, wa_survey.ces) == (4, 2)
    thanks = sent(whatsapp, SEND_PATH)[-1]
    assert thanks["type"] == "text"
    assert thanks["text"]["body"].startswith("Terima kasih atas penilaian Anda")
    assert len(sent(whatsapp, SEND_PATH)) == 3
    assert ticket.events.filter(kind="survey_answered").count() == 1


def test_the_same_webhook_twice_records_once_and_a_second_tap_changes_the_score(
    wa_survey: Survey, whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    payload = tap(reply_id(wa_survey.pk, "c", 5), "wamid.TAP1")
    post_whatsapp(payload)
    requests = len(whatsapp.requests)
    assert post_whatsapp(payload).json()["messages"] == {"duplicate": 1}
    assert len(whatsapp.requests) == requests  # no second CES question
    assert InboundDelivery.objects.filter(external_id="wamid.TAP1").count() == 1

    post_whatsapp(tap(reply_id(wa_survey.pk, "c", 2), "wamid.TAP2"))
    wa_survey.refresh_from_db()
    assert wa_survey.csat == 2
    assert sent(whatsapp, SEND_PATH)[-1]["text"]["body"] == (
        "Nilai Anda sudah kami ubah menjadi 2. Terima kasih!"
    )
    ticket = only_ticket()
    assert ticket.events.filter(kind="survey_answered").count() == 1
    assert ticket.status == Status.RESOLVED


def _other_survey(wa_survey: Survey) -> Survey:
    other = Customer.objects.create(name="Orang Lain")
    return Survey.objects.create(
        kind="resolution",
        customer=other,
        sent_via="email",
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=14),
    )


@pytest.mark.parametrize("forgery", ["tampered_score", "unsigned", "other_survey", "other_wa_id"])
def test_forged_or_foreign_taps_are_ignored_with_a_log_line(
    wa_survey: Survey,
    whatsapp: FakeApi,
    post_whatsapp: Post,
    caplog: pytest.LogCaptureFixture,
    forgery: str,
) -> None:
    wa_id = WA_ID
    target = wa_survey
    if forgery == "tampered_score":
        mac = reply_id(wa_survey.pk, "c", 5).rsplit(":", 1)[1]
        data = f"srv:{wa_survey.pk}:c1:{mac}"
    elif forgery == "unsigned":
        data = f"srv:{wa_survey.pk}:c1"
    elif forgery == "other_survey":  # a valid id of someone else's survey
        target = _other_survey(wa_survey)
        data = reply_id(target.pk, "c", 1)
    else:  # the right id, tapped from another WhatsApp number
        data = reply_id(wa_survey.pk, "c", 1)
        wa_id = "6289999999999"
    requests = len(whatsapp.requests)
    with caplog.at_level(logging.WARNING, logger="sigap.surveys.quickreply"):
        response = post_whatsapp(tap(data, "wamid.PALSU", wa_id=wa_id))
    assert response.json()["messages"] == {"survey_refused": 1}
    assert "survey reply refused" in caplog.text
    target.refresh_from_db()
    assert (target.csat, target.answered_at) == (None, None)
    assert len(whatsapp.requests) == requests  # nothing said to a forger
    ticket = only_ticket()
    assert ticket.status == Status.RESOLVED
    assert not ticket.events.filter(kind="survey_answered").exists()
    assert Ticket.objects.count() == 1  # not filed as a new conversation either


def test_an_ordinary_list_reply_is_still_filed_as_a_message(
    whatsapp: FakeApi, post_whatsapp: Post
) -> None:
    assert post_whatsapp(load("whatsapp_list_reply.json")).json()["messages"] == {"accepted": 1}
    assert only_ticket().messages.get().body == (
        "[Pilihan] Kirim ulang barang — Barang pengganti dikirim 1–2 hari"
    )


def test_outside_the_24_hour_window_the_survey_falls_back_to_email(
    whatsapp: FakeApi,
    post_whatsapp: Post,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    CustomerContact.objects.create(customer=ticket.customer, kind="email", value="budi@contoh.id")
    mail.outbox.clear()
    with (
        time_machine.travel(timezone.now() + timedelta(hours=25)),
        caplog.at_level(logging.INFO, logger="sigap.surveys.quickreply"),
    ):
        resolve(agent, ticket, django_capture_on_commit_callbacks)
    survey = Survey.objects.get()
    assert survey.sent_via == "email"
    assert "di luar jendela layanan 24 jam" in caplog.text
    assert sent(whatsapp, SEND_PATH) == []
    (invitation,) = [m for m in mail.outbox if "Bagaimana layanan kami" in m.subject]
    assert invitation.to == ["budi@contoh.id"]


def test_a_question_the_api_refuses_for_good_falls_back_to_email(
    whatsapp: FakeApi, post_whatsapp: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    ticket = only_ticket()
    CustomerContact.objects.create(customer=ticket.customer, kind="email", value="budi@contoh.id")
    mail.outbox.clear()
    whatsapp.script(
        SEND_PATH,
        400,
        {"error": {"message": "Re-engagement message", "code": 131047, "type": "OAuthException"}},
    )
    resolve(agent, ticket, django_capture_on_commit_callbacks)
    survey = Survey.objects.get()
    assert survey.sent_via == "email"
    assert len(sent(whatsapp, SEND_PATH)) == 1
    assert [m.to for m in mail.outbox if "Bagaimana layanan kami" in m.subject] == [
        ["budi@contoh.id"]
    ]


# --- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
def tg_survey(
    telegram: FakeApi, post_telegram: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> Survey:
    post_telegram(load("telegram_text.json"))
    resolve(agent, only_ticket(), django_capture_on_commit_callbacks)
    return Survey.objects.get()


def test_a_resolved_telegram_ticket_gets_an_inline_keyboard_and_a_tap_answers_it(
    tg_survey: Survey, telegram: FakeApi, post_telegram: Post
) -> None:
    assert tg_survey.sent_via == "telegram"
    (question,) = sent(telegram, f"{BOT}/sendMessage")
    assert question["chat_id"] == "123456789"
    assert question["text"].startswith("Halo Dewi, tiket ")
    (buttons,) = question["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert [b["callback_data"] for b in buttons] == [
        reply_id(tg_survey.pk, "c", n) for n in range(1, 6)
    ]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    response = post_telegram(callback(reply_id(tg_survey.pk, "c", 4)))
    assert response.json() == {"result": "survey"}
    tg_survey.refresh_from_db()
    assert tg_survey.csat == 4
    (answered,) = sent(telegram, f"{BOT}/answerCallbackQuery")
    assert answered == {
        "callback_query_id": "cb-871234502",
        "text": "Terima kasih, nilai Anda sudah kami catat.",
    }
    ces = sent(telegram, f"{BOT}/sendMessage")[-1]
    assert ces["text"].startswith("Terima kasih, nilai Anda (4)")
    assert [b["callback_data"] for b in ces["reply_markup"]["inline_keyboard"][0]] == [
        reply_id(tg_survey.pk, "e", n) for n in range(1, tg_survey.ces_scale + 1)
    ]
    ticket = only_ticket()
    assert ticket.status == Status.RESOLVED
    assert ticket.events.filter(kind="survey_answered").count() == 1

    # the same update again: recorded once, not answered twice
    assert post_telegram(callback(reply_id(tg_survey.pk, "c", 4))).json() == {"result": "duplicate"}
    assert len(sent(telegram, f"{BOT}/answerCallbackQuery")) == 1

    post_telegram(callback(reply_id(tg_survey.pk, "e", 5), update_id=871234503))
    tg_survey.refresh_from_db()
    assert (tg_survey.csat, tg_survey.ces) == (4, 5)
    assert sent(telegram, f"{BOT}/sendMessage")[-1]["text"].startswith(
        "Terima kasih atas penilaian Anda"
    )


def test_a_forged_telegram_button_is_answered_but_changes_nothing(
    tg_survey: Survey, telegram: FakeApi, post_telegram: Post, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="sigap.surveys.quickreply"):
        response = post_telegram(callback(f"srv:{tg_survey.pk}:c1:0000000000000000"))
    assert response.json() == {"result": "survey_refused"}
    assert "survey reply refused" in caplog.text
    (answered,) = sent(telegram, f"{BOT}/answerCallbackQuery")
    assert answered["text"] == "Pilihan ini tidak berlaku."
    tg_survey.refresh_from_db()
    assert tg_survey.csat is None
    assert len(sent(telegram, f"{BOT}/sendMessage")) == 1  # only the question


def test_other_button_presses_are_still_not_filed(telegram: FakeApi, post_telegram: Post) -> None:
    response = post_telegram(callback("menu:utama"))
    assert response.json() == {
        "result": "ignored",
        "reason": "jenis pembaruan tidak dicatat: callback_query",
    }
    assert InboundDelivery.objects.count() == 0
