"""The chatbot engine: answers common questions from the public knowledge base.

Channel-agnostic: a channel keeps the conversation state (a small JSON-serialisable
dict, ``new_state()``), calls ``answer(state, text)`` for each customer message, sends
``reply.text`` (with ``reply.choices`` as quick replies when there are any), stores
``reply.state``, and when ``reply.handover`` is set, opens or updates a ticket with
``reply.handover.transcript_text()`` and lets a person take over. After a hand-over the
bot stays silent (``action == "silent"``, empty text) but keeps recording the messages.

Order of checks for each message:

1. a safety signal (``sigap.text.safety``) -> hand over at once (and point to 112);
2. a request for a person ("mau bicara dengan agen", "minta CS", ...) -> hand over;
3. negative sentiment (``sentiment.sentiment_of``, the hook for the trained model) ->
   hand over;
4. the answer to a fact the bot asked for (e.g. an order number) -> answer the question
   that was waiting for it; two replies without it -> hand over;
5. a pick among the offered choices ("2", the quick-reply payload, the title) -> answer;
   "bukan itu" after an answer or choices -> unsure;
6. small talk (greetings, thanks, "kamu robot?");
7. retrieval (``index.py``, BM25 over the stemmed public articles): confident -> the
   article's own summary (or its first sentences) and its link; a category that needs a
   fact first -> ask for it; unsure -> the top 3 titles as choices (or, when nothing is
   close, a request to rephrase). Unsure twice in a row -> hand over.

The bot never writes an answer of its own: an answer is always an article's text.

Confidence = min(coverage, margin / MARGIN_FULL): *coverage* is the share of the
question's idf weight that the best article contains (an unknown word counts as the
rarest), *margin* is how far the best score is ahead of the second, relatively. The
default threshold 0.5 (coverage >= 0.5 and margin >= 0.15) was chosen on
``data/dev_questions.tsv``; ``bench/chatbot.py`` measures it on held-out questions.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import brands, message_templates
from sigap.kb import index, intents, patterns, sentiment
from sigap.kb.access import public_articles
from sigap.kb.index import Entry, KbIndex, Scored
from sigap.kb.models import Article, RequiredFact
from sigap.text import safety

STATE_VERSION = 1
THRESHOLD = 0.5
MARGIN_FULL = 0.3
CHOICES_FLOOR = 0.25  # below this coverage nothing is close enough to offer as a choice
MAX_UNSURE = 2
MAX_FACT_TRIES = 2
EXCERPT_CHARS = 700
BOT_NAME = "Asisten Sigap"

# action values
ANSWER = "answer"
CHOICES = "choices"
ASK_FACT = "ask_fact"
CLARIFY = "clarify"
SMALL_TALK = "small_talk"
HANDOVER = "handover"
SILENT = "silent"

# hand-over reasons
REQUESTED = "requested"
UNSURE = "unsure"
NEGATIVE = "negative"
SAFETY = "safety"
FACT_MISSING = "fact_missing"

# The bot's own words are said in the language active for the turn (``kb.conversation``
# activates the conversation's: a live chat on an English page speaks English).
HANDOVER_TEXT = {
    REQUESTED: gettext_lazy("Baik, saya sambungkan Anda dengan petugas kami."),
    UNSURE: gettext_lazy(
        "Maaf, saya belum bisa menjawab pertanyaan Anda dengan tepat. "
        "Saya sambungkan Anda dengan petugas kami."
    ),
    NEGATIVE: gettext_lazy(
        "Mohon maaf atas ketidaknyamanan yang Anda alami. "
        "Saya sambungkan Anda dengan petugas kami agar segera ditangani."
    ),
    SAFETY: gettext_lazy(
        "Terima kasih sudah memberi tahu kami. Laporan Anda kami teruskan ke petugas "
        "sebagai prioritas. Jika ada bahaya bagi keselamatan, segera hubungi 112."
    ),
    FACT_MISSING: gettext_lazy(
        "Tidak apa-apa. Saya sambungkan Anda dengan petugas kami untuk membantu."
    ),
}
HANDOVER_TAIL = gettext_lazy(
    "Seluruh percakapan ini sudah kami teruskan, jadi Anda tidak perlu mengulang."
)
ANSWER_TAIL = gettext_lazy(
    'Belum terjawab? Balas "bukan", atau ketik "agen" untuk bicara dengan petugas.'
)
SHORT_CHARS = 280  # an answer's text where the channel shows a link and buttons (live chat)


@dataclass(frozen=True)
class FactRule:
    """A fact to collect before answering a question in some categories."""

    name: str
    label: str
    pattern: patterns.Pattern  # with a time limit on every search (kb.patterns)
    categories: frozenset[str]  # category slugs
    example: str = ""
    prompt: str = ""

    def question(self) -> str:
        if self.prompt:
            return self.prompt
        if self.example:
            return _(
                "Sebelum saya jawab, boleh kami minta %(label)s Anda (contoh: %(example)s)?"
            ) % {
                "label": self.label,
                "example": self.example,
            }
        return _("Sebelum saya jawab, boleh kami minta %(label)s Anda?") % {"label": self.label}

    def find(self, message: str) -> str:
        return patterns.find(self.pattern, message)


@dataclass(frozen=True)
class BotConfig:
    threshold: float = THRESHOLD
    choices_floor: float = CHOICES_FLOOR
    max_unsure: int = MAX_UNSURE
    facts: tuple[FactRule, ...] = ()

    def fact_for(self, category_slug: str) -> tuple[FactRule, ...]:
        return tuple(f for f in self.facts if category_slug in f.categories)


@dataclass(frozen=True)
class Choice:
    label: str  # the article title, shown on the quick-reply button
    payload: str  # "kb:<slug>": what the channel sends back when it is tapped
    slug: str


@dataclass(frozen=True)
class ArticleRef:
    id: int
    slug: str
    title: str
    url: str
    excerpt: str  # the article's own summary, or its first sentences


@dataclass(frozen=True)
class Handover:
    reason: str
    transcript: tuple[dict[str, str], ...]
    facts: dict[str, str]

    def transcript_text(self) -> str:
        return transcript_text(self.transcript, self.facts)


@dataclass(frozen=True)
class BotReply:
    action: str
    text: str
    state: dict[str, Any]
    article: ArticleRef | None = None
    choices: tuple[Choice, ...] = ()
    # with choices: ``text`` without the numbered list, for a channel that shows the
    # choices as quick-reply buttons
    prompt: str = ""
    # for a channel that shows links and buttons (live chat): the text alone, short (an
    # answer: its excerpt cut to ``SHORT_CHARS``; choices: the question), no typed hints
    short: str = ""
    handover: Handover | None = None
    confidence: float = 0.0
    candidates: tuple[str, ...] = field(default=())  # ranked slugs considered (diagnostics)


def new_state() -> dict[str, Any]:
    return {
        "v": STATE_VERSION,
        "history": [],
        "unsure": 0,
        "facts": {},
        "pending": None,
        "offered": [],
        "answered": "",
        "question": "",
        "handover": "",
    }


def _load(state: dict[str, Any] | None) -> dict[str, Any]:
    fresh = new_state()
    if not isinstance(state, dict) or state.get("v") != STATE_VERSION:
        return fresh
    loaded = copy.deepcopy(state)
    for key, default in fresh.items():
        value = loaded.get(key)
        if key == "pending":
            loaded[key] = value if isinstance(value, dict) else None
        elif not isinstance(value, type(default)):
            loaded[key] = default
    return loaded


def transcript_text(
    history: tuple[dict[str, str], ...] | list[dict[str, str]], facts: dict[str, str]
) -> str:
    lines = [
        f"{_('Pelanggan') if item.get('from') == 'customer' else BOT_NAME}: {item.get('text', '')}"
        for item in history
    ]
    if facts:
        lines.append("")
        lines += [f"{name}: {value}" for name, value in facts.items()]
    return "\n".join(lines)


# --- configuration from the database -------------------------------------------------------

_config_lock = threading.Lock()
_config: tuple[str, BotConfig] | None = None


def config_for(generation: str) -> BotConfig:
    """The configured required facts (cached per index generation)."""
    global _config
    cached = _config
    if cached is not None and cached[0] == generation:
        return cached[1]
    rules = []
    for fact in RequiredFact.objects.filter(active=True).prefetch_related("categories"):
        try:
            pattern = patterns.compile_pattern(fact.pattern)
        except patterns.error:
            continue  # refused when saved; a bad row never stops the bot
        rules.append(
            FactRule(
                name=fact.name,
                label=fact.label,
                pattern=pattern,
                categories=frozenset(c.slug for c in fact.categories.all()),
                example=fact.example,
                prompt=fact.prompt,
            )
        )
    built = BotConfig(facts=tuple(rules))
    with _config_lock:
        _config = (generation, built)
    return built


def invalidate() -> None:
    global _config
    with _config_lock:
        _config = None


# --- the conversation -----------------------------------------------------------------------


def confidence(ranked: list[Scored]) -> float:
    if not ranked or ranked[0].score <= 0:
        return 0.0
    best = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    margin = (best.score - second) / best.score
    return min(best.coverage, min(1.0, margin / MARGIN_FULL))


class _Turn:
    """One message: the state being updated, the index, the configuration."""

    def __init__(
        self, state: dict[str, Any], idx: KbIndex, config: BotConfig, brand_id: int | None
    ) -> None:
        self.state = state
        self.idx = idx
        self.config = config
        self.brand_id = brand_id  # the conversation's brand: its own and the shared articles
        # English active (a live chat on an English page): the translated articles
        self.english = (translation.get_language() or "").startswith("en")

    def search(self, question: str, k: int) -> list[Scored]:
        """The best articles for ``question``; in English among the translations first."""
        if self.english:
            ranked = self.idx.search(question, k=k, english=True, brand_id=self.brand_id)
            if ranked:
                return ranked
        return self.idx.search(question, k=k, brand_id=self.brand_id)

    def label(self, entry: Entry) -> str:
        return entry.title_en if self.english and entry.title_en else entry.title

    def reply(self, action: str, message: str, **extra: Any) -> BotReply:
        if message:
            self.state["history"].append({"from": "bot", "text": message})
        return BotReply(action=action, text=message, state=self.state, **extra)

    def handover(self, reason: str) -> BotReply:
        self.state["handover"] = reason
        self.state["pending"] = None
        self.state["offered"] = []
        message = f"{HANDOVER_TEXT[reason]} {HANDOVER_TAIL}"
        self.state["history"].append({"from": "bot", "text": message})
        return BotReply(
            action=HANDOVER,
            text=message,
            short=message,
            state=self.state,
            handover=Handover(
                reason=reason,
                transcript=tuple(dict(item) for item in self.state["history"]),
                facts=dict(self.state["facts"]),
            ),
        )

    def unsure(self, ranked: list[Scored], *, exclude: tuple[str, ...] = ()) -> BotReply:
        self.state["unsure"] += 1
        if self.state["unsure"] >= self.config.max_unsure:
            return self.handover(UNSURE)
        options = [r for r in ranked if r.entry.slug not in exclude][:3]
        if options and options[0].coverage >= self.config.choices_floor:
            self.state["offered"] = [r.entry.slug for r in options]
            choices = tuple(
                Choice(self.label(r.entry), f"kb:{r.entry.slug}", r.entry.slug) for r in options
            )
            lines = [f"{i}. {c.label}" for i, c in enumerate(choices, start=1)]
            question = _("Saya belum yakin maksud Anda. Apakah salah satu dari ini?")
            message = (
                f"{question}\n"
                + "\n".join(lines)
                + "\n"
                + _('Balas dengan nomornya, atau ketik "agen" untuk bicara dengan petugas.')
            )
            tap = _('Pilih salah satu, atau ketik "agen" untuk bicara dengan petugas.')
            return self.reply(
                CHOICES,
                message,
                choices=choices,
                prompt=f"{question}\n{tap}",
                short=question,
                confidence=confidence(ranked),
                candidates=tuple(r.entry.slug for r in ranked),
            )
        self.state["offered"] = []
        return self.reply(
            CLARIFY,
            _(
                "Maaf, saya belum menemukan jawabannya di pusat bantuan kami. Bisa dijelaskan "
                'dengan kata lain? Atau ketik "agen" untuk bicara dengan petugas.'
            ),
            short=_(
                "Maaf, saya belum menemukan jawabannya di pusat bantuan kami. Bisa dijelaskan "
                "dengan kata lain?"
            ),
            confidence=confidence(ranked),
            candidates=tuple(r.entry.slug for r in ranked),
        )

    def give(self, entry: Entry, *, conf: float = 1.0, prefix: str = "") -> BotReply:
        """Answer with an article, unless a required fact is still missing."""
        for rule in self.config.fact_for(entry.category_slug):
            if rule.name not in self.state["facts"]:
                self.state["pending"] = {"fact": rule.name, "slug": entry.slug, "tries": 0}
                self.state["offered"] = []
                return self.reply(ASK_FACT, rule.question(), confidence=conf)
        found = public_articles(self.brand_id).select_related("category")
        article = found.filter(pk=entry.article_id).first()
        if article is None:  # unpublished (or given to another brand) since the index was read
            return self.unsure([])
        ref = article_ref(article, english=self.english, brand_id=self.brand_id)
        self.state["unsure"] = 0
        self.state["offered"] = []
        self.state["pending"] = None
        self.state["answered"] = article.slug
        more = _("Selengkapnya")
        body = f"{ref.title}\n\n{ref.excerpt}\n\n{more}: {ref.url}\n\n{ANSWER_TAIL}"
        message = f"{prefix}\n\n{body}" if prefix else body
        short = shorten(ref.excerpt, SHORT_CHARS)
        return self.reply(
            ANSWER,
            message,
            article=ref,
            confidence=conf,
            short=f"{prefix}\n\n{short}" if prefix else short,
        )

    def fact_reply(self, message: str) -> BotReply | None:
        pending = self.state["pending"]
        rule = next((f for f in self.config.facts if f.name == pending.get("fact")), None)
        entry = self.idx.entry(str(pending.get("slug", "")))
        if rule is None or entry is None:
            self.state["pending"] = None
            return None
        value = rule.find(message)
        if value:
            self.state["facts"][rule.name] = value
            self.state["pending"] = None
            thanks = _("Terima kasih, %(label)s %(value)s sudah kami catat.")
            return self.give(entry, prefix=thanks % {"label": rule.label, "value": value})
        pending["tries"] = int(pending.get("tries", 0)) + 1
        if pending["tries"] >= MAX_FACT_TRIES:
            return self.handover(FACT_MISSING)
        text = _("Maaf, %(label)s belum saya temukan di pesan Anda.") % {"label": rule.label}
        if rule.example:
            text += " " + _("Contoh: %(example)s.") % {"example": rule.example}
        return self.reply(
            ASK_FACT, text + " " + _('Atau ketik "agen" untuk bicara dengan petugas.')
        )

    def small_talk(self, kind: str) -> BotReply:
        brand = brands.info(self.brand_id) if self.brand_id is not None else None
        name = brand.name if brand is not None and not brand.is_default else None
        name = name or settings.SIGAP_BUSINESS_NAME
        if kind == "thanks":
            self.state["unsure"] = 0
            return self.reply(SMALL_TALK, _("Sama-sama! Ada lagi yang bisa saya bantu?"))
        if kind == "identity":
            return self.reply(
                SMALL_TALK,
                _(
                    "Ya, saya asisten virtual %(name)s. Saya menjawab dari pusat bantuan kami; "
                    'ketik "agen" kapan saja untuk bicara dengan petugas.'
                )
                % {"name": name},
            )
        return self.reply(
            SMALL_TALK,
            _(
                "Halo! Saya asisten virtual %(name)s. Silakan tulis pertanyaan Anda, "
                'atau ketik "agen" kapan saja untuk bicara dengan petugas.'
            )
            % {"name": name},
        )


def answer(
    state: dict[str, Any] | None,
    message_text: str,
    *,
    config: BotConfig | None = None,
    brand_id: int | None = None,
) -> BotReply:
    """Reply to one customer message. ``state`` is not modified; the reply carries the
    new state. ``brand_id``: the conversation's brand (issue 17), answered from its own
    articles and the shared ones (None: from every public article)."""
    st = _load(state)
    message = message_text.strip()
    st["history"].append({"from": "customer", "text": message})
    if st["handover"]:
        return BotReply(action=SILENT, text="", state=st)
    idx = index.current()
    turn = _Turn(st, idx, config or config_for(idx.generation), brand_id)
    for rule in turn.config.facts:  # a fact given before it is asked for is kept
        if rule.name not in st["facts"] and (value := rule.find(message)):
            st["facts"][rule.name] = value
    if not message:
        return turn.reply(CLARIFY, _("Silakan tulis pertanyaan Anda."))
    if safety.detect(message).is_safety:
        return turn.handover(SAFETY)
    if intents.wants_human(message):
        return turn.handover(REQUESTED)
    if sentiment.sentiment_of(message) == "negative":
        return turn.handover(NEGATIVE)
    if st["pending"]:
        reply = turn.fact_reply(message)
        if reply is not None:
            return reply
    offered = {slug: e for slug in st["offered"] if (e := idx.entry(slug)) is not None}
    if slug := intents.picked(message, [(s, turn.label(e)) for s, e in offered.items()]):
        return turn.give(offered[slug])
    if (st["offered"] or st["answered"]) and intents.declines(message):
        seen = (*st["offered"], st["answered"])
        ranked = turn.search(st["question"], 6) if st["question"] else []
        st["answered"] = ""
        return turn.unsure(ranked, exclude=seen)
    if kind := intents.small_talk(message):
        return turn.small_talk(kind)
    st["question"] = message
    st["answered"] = ""
    ranked = turn.search(message, 3)
    conf = confidence(ranked)
    if ranked and conf >= turn.config.threshold:
        return turn.give(ranked[0].entry, conf=conf)
    return turn.unsure(ranked)


def greeting(visitor_name: str, *, brand_id: int | None = None) -> str:
    """The bot's first words on a live chat (in place of the email-style acknowledgement):
    who it is and that a person is one tap away. The settings page's "Sapaan widget live
    chat", in the chat's (active) language, for ``brand_id`` (None: the default brand)."""
    first = message_templates.first_name(visitor_name)
    hello = _("Halo, %(name)s!") % {"name": first} if first else _("Halo!")
    return message_templates.render_message(
        "widget_greeting",
        language=translation.get_language(),
        brand=brand_id,
        context={"sapaan": hello, "nama_depan": first},
    ).body


# --- presenting an article ----------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def excerpt(article: Article, limit: int = EXCERPT_CHARS, *, english: bool = False) -> str:
    """The summary, or the body's first paragraph cut after whole sentences (``english``:
    of the translation, when the article has one)."""
    summary, body = article.summary, article.body
    if english and article.title_en and article.body_en:
        summary, body = article.summary_en, article.body_en
    if summary:
        return summary
    paragraph = body.strip().split("\n\n")[0].strip()
    if len(paragraph) <= limit:
        return paragraph
    out = ""
    for sentence in _SENTENCE_END.split(paragraph):
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    if len(out) > limit:  # one very long sentence: cut at a word
        out = out[:limit].rsplit(" ", 1)[0] + " …"
    return out


def shorten(text: str, limit: int) -> str:
    """``text`` cut after whole sentences (or at a word) to at most ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0] + " …"
    return out


def article_url(slug: str, brand_id: int | None = None) -> str:
    """The article's page in the help centre of ``brand_id`` (a brand other than the
    default: ``?brand=``, where its own articles are found)."""
    url = settings.SITE_URL.rstrip("/") + reverse("help:article", kwargs={"slug": slug})
    brand = brands.info(brand_id) if brand_id is not None else None
    if brand is not None and not brand.is_default:
        url += "?" + urlencode({"brand": brand.slug})
    return url


def article_ref(
    article: Article, *, english: bool = False, brand_id: int | None = None
) -> ArticleRef:
    """``english``: the translation when the article has one (its page shows it to a reader
    who chose English); ``brand_id``: the link opens that brand's help centre."""
    translated = english and bool(article.title_en and article.body_en)
    return ArticleRef(
        id=article.pk,
        slug=article.slug,
        title=article.title_en if translated else article.title,
        url=article_url(article.slug, brand_id),
        excerpt=excerpt(article, english=english),
    )
