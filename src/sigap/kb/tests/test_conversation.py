"""The chatbot on the channels: it answers from the knowledge base until a person takes
over, its replies leave on the ticket's channel without stopping the SLA clock, and the
hand-over leaves a note with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.kb.conversation import on_customer_message
from sigap.kb.models import BotConversation
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot_on(settings: Any, kb: Any) -> None:
    settings.SIGAP_CHATBOT = True


def whatsapp_ticket(customer: Customer, text: str) -> Ticket:
    return services.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject=text,
        description=text,
    )


def test_the_bot_answers_from_an_article_without_stopping_the_clock(
    bot_on: None, customer: Customer
) -> None:
    ticket = whatsapp_ticket(customer, "kak paketku belum sampai padahal udah lewat estimasi")
    reply = on_customer_message(ticket.pk, ticket.description)
    assert reply is not None and reply.action == "answer" and reply.article is not None
    answer = ticket.messages.filter(kind="reply", author=None).last()
    assert answer is not None and reply.article.excerpt[:40] in answer.body
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None  # a person's reply still due


def test_asking_for_a_person_hands_over_with_a_note(bot_on: None, customer: Customer) -> None:
    ticket = whatsapp_ticket(customer, "halo")
    on_customer_message(ticket.pk, "mau bicara dengan agen")
    conversation = BotConversation.objects.get(ticket=ticket)
    assert not conversation.active and conversation.handover_reason == "requested"
    note = ticket.messages.get(kind="note")
    assert "minta bicara dengan petugas" in note.body
    assert on_customer_message(ticket.pk, "halo lagi") is None  # silent now


def test_the_bot_stops_once_an_agent_has_the_ticket(
    bot_on: None, agent: User, team: Team, customer: Customer
) -> None:
    ticket = whatsapp_ticket(customer, "paket belum sampai")
    services.ticket_update(
        actor=agent,
        ticket=ticket,
        version=ticket.version,
        changes={"team": team, "assignee": agent},
    )
    assert on_customer_message(ticket.pk, "paket belum sampai") is None
    assert not BotConversation.objects.get(ticket=ticket).active
    assert (
        not ticket.messages.filter(kind="reply", author=None)
        .exclude(body__startswith="Halo")
        .exists()
    )


def test_other_channels_and_the_switch(settings: Any, kb: Any, customer: Customer) -> None:
    email = services.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="email",
        subject="x",
        description="paket belum sampai",
    )
    settings.SIGAP_CHATBOT = True
    assert on_customer_message(email.pk, "paket belum sampai") is None
    settings.SIGAP_CHATBOT = False
    chat = whatsapp_ticket(customer, "paket belum sampai")
    assert on_customer_message(chat.pk, "paket belum sampai") is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_whatsapp_message_gets_the_bots_answer_after_commit(
    bot_on: None, customer: Customer
) -> None:
    ticket = whatsapp_ticket(customer, "bagaimana cara melacak paket saya")
    bot_replies = ticket.messages.filter(kind="reply", author=None).exclude(body__startswith="Halo")
    assert bot_replies.count() == 1  # answered on commit, through the services


def test_a_live_chat_visitor_gets_the_answer_in_the_window(
    bot_on: None, django_capture_on_commit_callbacks: Any
) -> None:
    from unittest import mock

    from sigap.connectors.livechat import services as chats

    with (
        mock.patch("sigap.connectors.livechat.live.send_now") as pushed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        chat = chats.chat_start(
            name="Ani",
            email="ani@contoh.id",
            phone="",
            body="cara lacak paket gimana ya",
            cid="c-bot-0001",
            browser_key="browser-key-of-the-test-visitor-00000001",
        )
    answer = (
        chat.ticket.messages.filter(kind="reply", author=None)
        .exclude(body__startswith="Halo")
        .get()
    )
    sent = [c.args[1] for c in pushed.call_args_list if c.args[1].get("type") == "lc.message"]
    assert any(
        e["message"]["id"] == answer.pk and e["message"]["name"] == "Asisten Sigap" for e in sent
    )


def test_choices_are_listed_once_in_the_live_chat_answer(
    bot_on: None, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sigap.kb import bot

    never_sure = bot.BotConfig(threshold=1.01)  # every question is "unsure": choices
    monkeypatch.setattr(bot, "config_for", lambda generation: never_sure)
    ticket = services.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="livechat",
        subject="refund",
        description="refund",
    )
    reply = on_customer_message(ticket.pk, "refund")

    assert reply is not None and reply.action == bot.CHOICES and reply.choices
    answer = ticket.messages.filter(kind="reply", author=None).last()
    assert answer is not None
    for i, choice in enumerate(reply.choices, start=1):
        assert answer.body.count(f"{i}. {choice.label}") == 1
