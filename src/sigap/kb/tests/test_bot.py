"""The chatbot: answers only with an article's own text and link, offers choices when
unsure, hands over when asked, when unsure twice, on negative sentiment and on safety,
collects required facts first, and keeps a small JSON state."""

from __future__ import annotations

import json

import pytest

from sigap.kb import bot, patterns, sentiment
from sigap.kb.bot import BotConfig, FactRule
from sigap.kb.models import Article, Category, RequiredFact
from sigap.kb.services import ArticleIn, article_update, required_fact_save

pytestmark = pytest.mark.django_db

NEVER = BotConfig(threshold=1.01)  # never confident: every question is "unsure"
ALWAYS = BotConfig(threshold=0.0)
ORDER = FactRule(
    name="nomor_pesanan",
    label="nomor pesanan",
    pattern=patterns.compile_pattern(r"BLJ-\d{4}-\d{6}"),
    categories=frozenset({"pengiriman"}),
    example="BLJ-2026-104233",
)
URL = "http://127.0.0.1:8000/bantuan/artikel/{}/"


def talk(*messages: str, config: BotConfig | None = None) -> list[bot.BotReply]:
    state = None
    replies = []
    for message in messages:
        reply = bot.answer(state, message, config=config)
        json.dumps(reply.state)  # a channel can store it as it is
        state = reply.state
        replies.append(reply)
    return replies


def assert_is_the_article(reply: bot.BotReply, article: Article) -> None:
    """The reply is the article's title, its own text and its link: nothing invented."""
    assert reply.action == bot.ANSWER and reply.article is not None
    ref = reply.article
    assert (ref.slug, ref.title, ref.url) == (article.slug, article.title, URL.format(article.slug))
    assert ref.excerpt == (article.summary or article.body)
    expected = f"{article.title}\n\n{ref.excerpt}\n\nSelengkapnya: {ref.url}\n\n{bot.ANSWER_TAIL}"
    assert reply.text.endswith(expected)


def test_a_clear_question_gets_the_articles_own_text_and_link(kb: dict[str, Article]) -> None:
    (reply,) = talk("paketku belum nyampe, udah lewat estimasi")
    assert_is_the_article(reply, kb["paket-terlambat"])
    assert reply.confidence >= bot.THRESHOLD
    assert reply.state["history"] == [
        {"from": "customer", "text": "paketku belum nyampe, udah lewat estimasi"},
        {"from": "bot", "text": reply.text},
    ]


@pytest.mark.parametrize(
    "question",
    [
        "paket belum sampai",
        "cara lacak paket",
        "refund belum masuk",
        "lupa kata sandi",
        "berapa lama refund",
        "nomor whatsapp layanan pelanggan",
    ],
)
def test_every_answer_is_an_articles_text(kb: dict[str, Article], question: str) -> None:
    (reply,) = talk(question, config=ALWAYS)
    assert reply.article is not None
    assert_is_the_article(reply, kb[reply.article.slug])


def test_a_long_body_is_cut_after_whole_sentences(
    kb: dict[str, Article], categories: dict[str, Category]
) -> None:
    article = kb["lacak-paket"]
    sentences = [f"Kalimat nomor {i} tentang lacak paket." for i in range(60)]
    article = article_update(
        actor=None,
        article=article,
        content=ArticleIn(
            category=article.category,
            title=article.title,
            body=" ".join(sentences),
            status="published",
        ),
    )
    (reply,) = talk("cara lacak paket", config=ALWAYS)
    assert reply.article is not None
    excerpt = reply.article.excerpt
    assert article.body.startswith(excerpt) and excerpt.endswith(".")
    assert len(excerpt) <= bot.EXCERPT_CHARS


def test_the_summary_is_preferred_to_the_body(kb: dict[str, Article]) -> None:
    article = kb["waktu-refund"]
    article_update(
        actor=None,
        article=article,
        content=ArticleIn(
            category=article.category,
            title=article.title,
            body=article.body,
            summary="Refund masuk 3–7 hari kerja setelah disetujui.",
            status="published",
        ),
    )
    (reply,) = talk("berapa lama proses refund", config=ALWAYS)
    assert reply.article is not None
    assert reply.article.excerpt == "Refund masuk 3–7 hari kerja setelah disetujui."


def test_the_threshold_decides_between_answering_and_offering(kb: dict[str, Article]) -> None:
    (sure,) = talk("refund belum masuk", config=ALWAYS)
    (unsure,) = talk("refund belum masuk", config=NEVER)
    assert sure.action == bot.ANSWER
    assert unsure.action == bot.CHOICES and unsure.article is None
    assert sure.confidence == unsure.confidence


def test_when_unsure_it_offers_the_top_three_titles(kb: dict[str, Article]) -> None:
    (reply,) = talk("refund", config=NEVER)
    assert reply.action == bot.CHOICES
    assert len(reply.choices) == 3
    assert {c.slug for c in reply.choices} == {
        "waktu-refund",
        "refund-belum-masuk",
        "refund-sigappay",
    }
    for i, choice in enumerate(reply.choices, start=1):
        assert choice.label == kb[choice.slug].title and choice.payload == f"kb:{choice.slug}"
        assert f"{i}. {choice.label}" in reply.text
    assert reply.state["offered"] == [c.slug for c in reply.choices]
    assert reply.state["unsure"] == 1


@pytest.mark.parametrize("pick", ["2", "2.", "kb:{slug}", "{title}"])
def test_picking_a_choice_answers_it(kb: dict[str, Article], pick: str) -> None:
    (offer,) = talk("refund", config=NEVER)
    second = offer.choices[1]
    message = pick.format(slug=second.slug, title=second.label)
    reply = bot.answer(offer.state, message, config=NEVER)
    assert_is_the_article(reply, kb[second.slug])
    assert reply.state["unsure"] == 0 and reply.state["offered"] == []


def test_unsure_twice_in_a_row_hands_over_with_the_whole_conversation(
    kb: dict[str, Article],
) -> None:
    first, second = talk("refund", "harga emas hari ini", config=NEVER)
    assert first.action == bot.CHOICES
    assert second.action == bot.HANDOVER and second.handover is not None
    assert second.handover.reason == bot.UNSURE
    assert [m["text"] for m in second.handover.transcript] == [
        "refund",
        first.text,
        "harga emas hari ini",
        second.text,
    ]
    text = second.handover.transcript_text()
    assert text.startswith("Pelanggan: refund\nAsisten Sigap: Saya belum yakin")


def test_declining_the_choices_counts_as_unsure(kb: dict[str, Article]) -> None:
    _, reply = talk("refund", "bukan itu semua kak", config=NEVER)
    assert reply.action == bot.HANDOVER and reply.handover is not None
    assert reply.handover.reason == bot.UNSURE


def test_declining_an_answer_offers_the_other_articles(kb: dict[str, Article]) -> None:
    first, second = talk("refund belum masuk", "bukan itu", config=ALWAYS)
    assert first.action == bot.ANSWER and first.article is not None
    assert second.action == bot.CHOICES
    assert first.article.slug not in {c.slug for c in second.choices}


def test_an_answer_resets_the_unsure_count(kb: dict[str, Article]) -> None:
    replies = talk("refund", "1", "harga emas hari ini", config=NEVER)
    assert [r.action for r in replies] == [bot.CHOICES, bot.ANSWER, bot.CLARIFY]


def test_nothing_close_asks_to_rephrase_without_choices(kb: dict[str, Article]) -> None:
    (reply,) = talk("resep rendang yang enak")
    assert reply.action == bot.CLARIFY and reply.choices == () and reply.article is None


@pytest.mark.parametrize(
    "message",
    [
        "mau bicara dengan agen",
        "minta CS",
        "sambungkan ke manusia",
        "gw mau ngomong sm orang",
        "tolong hubungkan saya ke petugas",
        "agen",
        "bukan bot, saya mau manusia beneran",
        "saya mau bicara dengan supervisor",
        "I want to talk to a human",
    ],
)
def test_asking_for_a_person_hands_over(kb: dict[str, Article], message: str) -> None:
    (reply,) = talk(message)
    assert reply.action == bot.HANDOVER and reply.handover is not None
    assert reply.handover.reason == bot.REQUESTED
    assert reply.article is None


@pytest.mark.parametrize(
    "message",
    ["nomor whatsapp CS berapa?", "CS buka jam berapa ya", "bagaimana cara menghubungi CS"],
)
def test_asking_about_customer_service_is_a_question(kb: dict[str, Article], message: str) -> None:
    (reply,) = talk(message)
    assert reply.action != bot.HANDOVER
    assert "hubungi-cs" in reply.candidates or (
        reply.article is not None and reply.article.slug == "hubungi-cs"
    )


@pytest.mark.parametrize(
    "message",
    [
        "charger yang saya beli meledak dan tangan anak saya terbakar",
        "kompor gas dari toko kalian bocor, baunya menyengat",
        "anak saya tersengat listrik waktu colok kabel setrika yang baru",
    ],
)
def test_a_safety_signal_hands_over_at_once(kb: dict[str, Article], message: str) -> None:
    (reply,) = talk(message)
    assert reply.action == bot.HANDOVER and reply.handover is not None
    assert reply.handover.reason == bot.SAFETY
    assert "112" in reply.text


def test_negative_sentiment_hands_over(kb: dict[str, Article]) -> None:
    (reply,) = talk("pelayanan kalian parah, saya kecewa berat paket belum sampai")
    assert reply.handover is not None and reply.handover.reason == bot.NEGATIVE


def test_the_sentiment_hook_decides(
    kb: dict[str, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sentiment, "sentiment_of", lambda text: "negative")
    (reply,) = talk("paket belum sampai")
    assert reply.handover is not None and reply.handover.reason == bot.NEGATIVE
    monkeypatch.setattr(sentiment, "sentiment_of", lambda text: "neutral")
    assert talk("paket belum sampai")[0].action == bot.ANSWER


def test_after_a_hand_over_the_bot_is_silent_but_keeps_the_messages(kb: dict[str, Article]) -> None:
    first, second = talk("minta CS", "paket belum sampai")
    assert first.action == bot.HANDOVER
    assert second.action == bot.SILENT and second.text == ""
    assert second.state["history"][-1] == {"from": "customer", "text": "paket belum sampai"}
    assert len(second.state["history"]) == 3


def test_required_fact_is_asked_before_answering_its_category(kb: dict[str, Article]) -> None:
    config = BotConfig(threshold=0.0, facts=(ORDER,))
    ask, answered = talk("paket belum sampai", "ini nomornya BLJ-2026-104233 kak", config=config)
    assert ask.action == bot.ASK_FACT and ask.article is None
    assert "nomor pesanan" in ask.text and "BLJ-2026-104233" in ask.text  # the example
    assert_is_the_article(answered, kb["paket-terlambat"])
    assert answered.text.startswith("Terima kasih, nomor pesanan BLJ-2026-104233 sudah kami catat.")
    assert answered.state["facts"] == {"nomor_pesanan": "BLJ-2026-104233"}


def test_a_fact_given_up_front_is_not_asked_again(kb: dict[str, Article]) -> None:
    config = BotConfig(threshold=0.0, facts=(ORDER,))
    (reply,) = talk("paket BLJ-2026-104233 belum sampai", config=config)
    assert_is_the_article(reply, kb["paket-terlambat"])


def test_other_categories_do_not_need_the_fact(kb: dict[str, Article]) -> None:
    (reply,) = talk("lupa kata sandi", config=BotConfig(threshold=0.0, facts=(ORDER,)))
    assert_is_the_article(reply, kb["lupa-kata-sandi"])


def test_no_fact_after_asking_twice_hands_over(kb: dict[str, Article]) -> None:
    config = BotConfig(threshold=0.0, facts=(ORDER,))
    ask, again, handover = talk("paket belum sampai", "lupa", "gak tau kak", config=config)
    assert (ask.action, again.action, handover.action) == (bot.ASK_FACT, bot.ASK_FACT, bot.HANDOVER)
    assert handover.handover is not None and handover.handover.reason == bot.FACT_MISSING


def test_required_facts_are_configured_in_the_database(
    kb: dict[str, Article], categories: dict[str, Category]
) -> None:
    fact = required_fact_save(
        actor=None,
        fact=RequiredFact(name="nomor_pesanan", label="nomor pesanan", pattern=r"BLJ-\d{4}-\d{6}"),
    )
    fact.categories.set([categories["pengiriman"]])
    required_fact_save(actor=None, fact=fact)  # the categories change: bump the index again
    (reply,) = talk("paketku belum nyampe, udah lewat estimasi")
    assert reply.action == bot.ASK_FACT


def test_internal_draft_and_archived_articles_never_answer(kb: dict[str, Article]) -> None:
    hidden = {"kompensasi-internal", "promo-rahasia", "kebijakan-lama"}
    for question in [
        "panduan kompensasi paket terlambat internal voucher tanpa persetujuan supervisor",
        "promo gratis ongkir akhir tahun",
        "kebijakan pengiriman lama diganti uang tunai",
    ]:
        reply = bot.answer(None, question, config=ALWAYS)
        assert reply.article is None or reply.article.slug not in hidden
        assert not hidden & set(reply.candidates)
        assert "Rp50.000" not in reply.text and "Draf" not in reply.text


def test_an_article_unpublished_after_indexing_is_not_sent(kb: dict[str, Article]) -> None:
    bot.answer(None, "lupa kata sandi")  # builds the index
    Article.objects.filter(slug="lupa-kata-sandi").update(status="draft")  # behind its back
    reply = bot.answer(None, "lupa kata sandi", config=ALWAYS)
    assert reply.article is None


def test_small_talk(kb: dict[str, Article]) -> None:
    hello, thanks, robot = talk("halo kak", "makasih ya", "kamu robot ya?")
    assert hello.action == thanks.action == robot.action == bot.SMALL_TALK
    assert hello.text.startswith("Halo!") and thanks.text.startswith("Sama-sama")


def test_the_state_is_not_modified_and_a_bad_state_starts_over(kb: dict[str, Article]) -> None:
    state = bot.new_state()
    before = json.dumps(state)
    reply = bot.answer(state, "paket belum sampai")
    assert json.dumps(state) == before and reply.state is not state
    for bad in [None, {}, {"v": 99}, {"v": 1, "history": "x", "pending": "y", "unsure": "z"}]:
        assert bot.answer(bad, "halo").action == bot.SMALL_TALK


def test_an_empty_message_asks_for_a_question(kb: dict[str, Article]) -> None:
    (reply,) = talk("   ")
    assert reply.action == bot.CLARIFY and reply.state["unsure"] == 0
