"""The chatbot and the agents' suggestions per brand (issue 17): a conversation is answered
from the articles of its ticket's brand (the connection the message came in on, the brand
the widget was opened for) and the shared ones, never from another brand's own; the same
for the articles suggested to an agent on a ticket. Links open the brand's help centre."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts import brands
from sigap.accounts.models import Brand, User
from sigap.connectors.livechat import services as chats
from sigap.customers.models import Customer
from sigap.kb import bot, services
from sigap.kb.conversation import on_customer_message
from sigap.kb.models import Article
from sigap.kb.selectors import suggest_for_ticket
from sigap.kb.services import ArticleIn
from sigap.tickets import services as tickets
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db

QUESTION = "garansi mesin kopi rusak diganti baru?"


@pytest.fixture
def brand_b(db: None) -> Brand:
    return Brand.objects.create(name="Kopi Senja", slug="kopi-senja")


@pytest.fixture
def kopi(kb: dict[str, Article], brand_b: Brand) -> Article:
    """Brand B's own article; the fixture's others are shared."""
    machines = services.category_create(
        actor=None, data=services.CategoryIn(name="Mesin kopi", slug="mesin-kopi", position=9)
    )
    return services.article_create(
        actor=None,
        slug="garansi-mesin-kopi",
        content=ArticleIn(
            category=machines,
            title="Garansi mesin kopi",
            body="Mesin kopi yang rusak dalam masa garansi kami ganti dengan mesin baru.",
            questions="Apakah mesin kopi rusak diganti baru?",
            visibility="public",
            status="published",
            brand=brand_b,
        ),
    )


@pytest.fixture
def bot_on(settings: Any) -> None:
    settings.SIGAP_CHATBOT = True


def whatsapp_ticket(customer: Customer, text: str, brand_id: int | None) -> Ticket:
    return tickets.ticket_create(
        actor=None,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject=text,
        description=text,
        brand_id=brand_id,
    )


def test_the_engine_answers_from_the_brands_own_and_the_shared_articles(
    kopi: Article, brand_b: Brand
) -> None:
    own = bot.answer(None, QUESTION, brand_id=brand_b.pk)
    assert own.action == bot.ANSWER and own.article is not None
    assert own.article.slug == "garansi-mesin-kopi"
    assert own.article.url == bot.article_url("garansi-mesin-kopi") + "?brand=kopi-senja"

    elsewhere = bot.answer(None, QUESTION, brand_id=brands.default_id())
    assert elsewhere.article is None and "garansi-mesin-kopi" not in elsewhere.candidates

    shared = bot.answer(None, "kak paketku belum sampai padahal udah lewat", brand_id=brand_b.pk)
    assert shared.article is not None and shared.article.slug == "paket-terlambat"
    assert shared.article.url.endswith("/bantuan/artikel/paket-terlambat/?brand=kopi-senja")
    # the bot speaks for the conversation's brand
    assert "asisten virtual Kopi Senja" in bot.answer(None, "halo", brand_id=brand_b.pk).text
    # the default brand's links are unchanged
    default = bot.answer(None, "kak paketku belum sampai", brand_id=brands.default_id())
    assert default.article is not None and default.article.url == bot.article_url("paket-terlambat")


def test_a_choice_given_to_another_brand_since_it_was_offered_is_not_answered(
    kopi: Article, brand_b: Brand
) -> None:
    never_sure = bot.BotConfig(threshold=1.01)
    offered = bot.answer(None, QUESTION, config=never_sure, brand_id=brand_b.pk)
    assert offered.action == bot.CHOICES and offered.choices[0].slug == "garansi-mesin-kopi"
    other = Brand.objects.create(name="Teh Pagi", slug="teh-pagi")
    services.article_update(
        actor=None,
        article=kopi,
        content=ArticleIn(
            category=kopi.category,
            title=kopi.title,
            body=kopi.body,
            questions=kopi.questions,
            visibility="public",
            status="published",
            brand=other,
        ),
    )
    picked = bot.answer(offered.state, "1", config=never_sure, brand_id=brand_b.pk)
    assert picked.article is None


def test_a_brands_whatsapp_ticket_is_answered_from_its_articles(
    bot_on: None, kopi: Article, brand_b: Brand, customer: Customer
) -> None:
    own = whatsapp_ticket(customer, QUESTION, brand_b.pk)
    reply = on_customer_message(own.pk, QUESTION)
    assert reply is not None and reply.article is not None
    assert reply.article.slug == "garansi-mesin-kopi"
    answer = own.messages.filter(kind="reply", author=None).last()
    assert answer is not None and "?brand=kopi-senja" in answer.body

    # the default number's customer asking the same is not answered from B's article
    default = whatsapp_ticket(customer, QUESTION, None)
    reply = on_customer_message(default.pk, QUESTION)
    assert reply is not None and reply.article is None
    assert "garansi-mesin-kopi" not in reply.candidates


def test_a_chat_from_a_brands_widget_is_answered_from_its_articles(
    bot_on: None, kopi: Article, brand_b: Brand, django_capture_on_commit_callbacks: Any
) -> None:
    def start(cid: str, brand: str) -> bot.BotReply | None:
        with django_capture_on_commit_callbacks(execute=True):
            chat = chats.chat_start(
                name="Ani Wijaya",
                email="ani@contoh.id",
                phone="",
                body="halo",
                cid=cid,
                browser_key="browser-key-of-the-test-visitor-00000001",
                brand=brand,
            )
        return on_customer_message(chat.ticket_id, QUESTION)

    own = start("c-brand-bot-0001", "kopi-senja")
    assert own is not None and own.article is not None
    assert own.article.slug == "garansi-mesin-kopi"
    other = start("c-brand-bot-0002", "")
    assert other is not None and other.article is None


def test_an_agent_is_suggested_the_tickets_brands_and_the_shared_articles(
    kopi: Article, brand_b: Brand, customer: Customer, agent: User
) -> None:
    own = whatsapp_ticket(
        customer, "Mesin kopi rusak, garansi? Paket juga belum sampai", brand_b.pk
    )
    found = {s.article.slug: s for s in suggest_for_ticket(own)}
    assert {"garansi-mesin-kopi", "paket-terlambat"} <= set(found)
    assert found["garansi-mesin-kopi"].public_url.endswith("?brand=kopi-senja")

    default = whatsapp_ticket(customer, own.subject, None)
    slugs = [s.article.slug for s in suggest_for_ticket(default)]
    assert "paket-terlambat" in slugs and "garansi-mesin-kopi" not in slugs

    c = Client()
    c.force_login(agent)
    html = c.get(f"/kb/saran/{own.pk}/").content.decode()
    assert 'data-article="garansi-mesin-kopi"' in html
    assert "/bantuan/artikel/garansi-mesin-kopi/?brand=kopi-senja" in html
    assert (
        'data-article="garansi-mesin-kopi"'
        not in c.get(f"/kb/saran/{default.pk}/").content.decode()
    )
