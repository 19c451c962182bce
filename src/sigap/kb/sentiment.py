"""The sentiment hook of the chatbot: ``sentiment_of(text) -> "negative" | "neutral" |
"positive"``.

For now a small heuristic: a negative word (anger, insults, "kecewa", "parah", "kasar"),
an angry emoji, three exclamation marks or more, or a message shouted in capitals. The
trained model replaces this function; the bot only asks whether the answer is
``"negative"``.
"""

from __future__ import annotations

from typing import Literal

from sigap.text import indonesian as text

Sentiment = Literal["negative", "neutral", "positive"]

# Stems (Sastrawi) or normalised words. Not "rusak" or "hilang": those are ordinary topics.
NEGATIVE = frozenset(
    [
        "kecewa",
        "marah",
        "kesal",
        "jengkel",
        "sebal",
        "benci",
        "muak",
        "parah",
        "buruk",
        "jelek",
        "payah",
        "bodoh",
        "goblok",
        "tolol",
        "bego",
        "anjing",
        "bangsat",
        "brengsek",
        "sial",
        "sialan",
        "bajingan",
        "kampret",
        "keparat",
        "bohong",
        "bentak",
        "kasar",
        "lelet",
        "sampah",
        "keterlaluan",
        "becus",
        "penipu",
        "maling",
        "viral",
        "somasi",
        "ylki",
        "berantakan",
        "zalim",
        "emoji_marah",
        "emoji_kesal",
    ]
)
POSITIVE = frozenset(
    ["mantap", "bagus", "puas", "senang", "hebat", "keren", "emoji_senang", "emoji_suka", "jempol"]
)
SHOUT_MIN_LETTERS = 12


def _shouted(raw: str) -> bool:
    letters = [c for c in raw if c.isalpha()]
    if len(letters) < SHOUT_MIN_LETTERS:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= 0.8


def sentiment_of(message: str) -> Sentiment:
    normalised = text.normalise(message)
    words = normalised.split()
    stems = {text.stem(w) for w in words} | set(words)
    if stems & NEGATIVE or message.count("!") >= 3 or _shouted(message):
        return "negative"
    if stems & POSITIVE or "terima kasih" in normalised:
        return "positive"
    return "neutral"
