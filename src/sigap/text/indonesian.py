"""Indonesian text pipeline for triage: normalise informal chat text, tokenise and stem.

``normalise`` turns a customer message into lower-case tokens separated by single spaces
(punctuation dropped):

- emoji become ``emoji_<meaning>`` tokens (``EMOJI``, a small table of the common ones;
  the others are dropped), and so do the emoticons ``:)``, ``:(`` and ``:D``;
- URLs, e-mail addresses, phone numbers and order or invoice numbers become the
  placeholder tokens ``URL_TOKEN``, ``EMAIL_TOKEN``, ``PHONE_TOKEN`` and ``ORDER_TOKEN``;
- slang becomes formal Indonesian (``gak`` -> ``tidak``, ``yg`` -> ``yang``) through the
  IndoCollex dictionary (``data/slang_indocollex.txt``, MIT) and Sigap's supplement
  (``data/slang_supplement.txt``, which wins);
- letters repeated for emphasis are collapsed (``bangeeettt`` -> ``banget``) while real
  double letters stay (``maaf``, ``saat``): runs of three or more become one or two letters,
  whichever gives a known word;
- reduplication with a digit is written out (``kata2`` -> ``kata-kata``);
- numbers in words and money shorthands become digits (``dua ratus ribu``, ``200rb`` and
  ``Rp200.000`` all give ``200000``).

``tokens`` splits the normalised text, optionally drops stop words (``data/stopwords_id.txt``,
which keeps negations such as ``tidak`` and ``belum``) and stems with Sastrawi. Work per word is
memoised, so a warm pipeline handles tens of thousands of short messages per second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from itertools import product
from typing import Any

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

URL_TOKEN = "token_url"
EMAIL_TOKEN = "token_email"
PHONE_TOKEN = "token_telepon"
ORDER_TOKEN = "token_pesanan"
PLACEHOLDERS = frozenset({URL_TOKEN, EMAIL_TOKEN, PHONE_TOKEN, ORDER_TOKEN})

# The common emoji in Indonesian customer chats, by meaning. Anything else is dropped.
EMOJI: dict[str, str] = {
    **dict.fromkeys("😡😠🤬👿💢", "marah"),
    **dict.fromkeys("😤😒🙄😑😩😫", "kesal"),
    "🙏": "mohon",
    **dict.fromkeys("😊🙂😀😃😄😁☺😉🤗", "senang"),
    **dict.fromkeys("😂🤣😆😅", "tertawa"),
    **dict.fromkeys("😍🥰😘❤💕💖♥", "suka"),
    **dict.fromkeys("😢😭😞😔☹🙁😥😿💔", "sedih"),
    **dict.fromkeys("😱😨😰😳", "takut"),
    **dict.fromkeys("🤔😕", "bingung"),
    **dict.fromkeys("🤒🤕😷", "sakit"),
    **dict.fromkeys("🤢🤮", "mual"),
    "👍": "jempol",
    "👎": "jempol_bawah",
    "👌": "oke",
    "🔥": "api",
}
# Variation selectors, the zero-width joiner and skin tones: "🙏🏻" is "🙏".
_EMOJI_MODIFIERS = [0xFE0E, 0xFE0F, 0x200D, *range(0x1F3FB, 0x1F400)]
_EMOJI_TABLE: dict[int, str | None] = {
    **{ord(char): f" emoji_{name} " for char, name in EMOJI.items()},
    **dict.fromkeys(_EMOJI_MODIFIERS),
}

_URL_RE = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|id|io|ly|app|me|info|biz|shop)\b(?:/\S*)?",
)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Invoice-like codes (INV/20240512/MPL/3881920), courier and marketplace numbers
# (JP1234567890), "#458921", and runs of ten digits or more that are not phone numbers.
_ORDER_RE = re.compile(
    r"(?<![\w/])[a-z0-9]+(?:[/-][a-z0-9]+)+(?![\w/])|\b[a-z0-9]{7,}\b|#\s?[a-z0-9-]*\d{3,}[a-z0-9-]*",
)
_PHONE_RE = re.compile(r"(?<![\w.,])(?:\+62|\(0\d{1,3}\)|62|0)[\d\s().-]{6,16}\d(?!\w)")
# an amount or a quantity with its unit (150rb, 10000mAh, 256GB), not an order number
_MONEY_LIKE_RE = re.compile(r"(?:rp)?\d+(?:[a-z]{1,4}|ribu|juta)?")
_LONG_NUMBER_RE = re.compile(r"\b\d{10,}\b")
_DIGIT_RE = re.compile(r"\d")
_EMOTICON_RE = re.compile(r"(?<![\w:/])(?:[:;=]-?(?:\)+|\(+|d\b|p\b)|<3)")
_EMOTICONS = {")": "senang", "(": "sedih", "d": "tertawa", "p": "senang", "3": "suka"}

_RP_RE = re.compile(r"\brp\.?\s?(?=\d)")
_THOUSANDS_RE = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")
_MONEY_RE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?(rb|rbu|k|jt|jta)\b")
_MONEY_SCALE = {"rb": 1_000, "rbu": 1_000, "k": 1_000, "jt": 1_000_000, "jta": 1_000_000}
_TIMES_RE = re.compile(r"\b(\d+)x\b")
_CLITIC_RE = re.compile(r"(?<=[a-z0-9])-(nya|ku|mu|lah|kah|pun)\b")
_PREFIX_RE = re.compile(r"\b(di|ke|se)-(?=[a-z0-9])")
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[a-z0-9]+(?:[_'’-][a-z0-9]+)*")

_REPEAT_RE = re.compile(r"(.)\1{2,}")
_REDUP_RE = re.compile(r"([a-z]{2,})2(an|nya|lah|kah|mu|ku)?")

_UNITS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
_SCALES = {"ribu": 1_000, "juta": 10**6, "miliar": 10**9, "milyar": 10**9, "triliun": 10**12}
_ONE_SCALE = {"seribu": 1_000, "sejuta": 10**6, "semiliar": 10**9, "setriliun": 10**12}
_NUMBER_WORDS = frozenset({"nol", "sepuluh", "sebelas", "seratus", *_UNITS, *_SCALES, *_ONE_SCALE})
_PLAIN_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")


def _data_lines(name: str) -> Iterable[str]:
    text = (resources.files("sigap.text") / "data" / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield line


def _read_pairs(name: str) -> dict[str, str]:
    lines = iter(_data_lines(name))
    next(lines)  # the column header: informal<TAB>formal
    pairs = {}
    for line in lines:
        informal, formal = line.split("\t")
        pairs[informal] = formal
    return pairs


@cache
def slang() -> dict[str, str]:
    """Informal word -> formal word(s), the supplement overriding IndoCollex."""
    return _read_pairs("slang_indocollex.txt") | _read_pairs("slang_supplement.txt")


@cache
def stopwords() -> frozenset[str]:
    return frozenset(line.strip() for line in _data_lines("stopwords_id.txt"))


@cache
def root_words() -> frozenset[str]:
    """Sastrawi's dictionary of Indonesian root words (about 30,000)."""
    return frozenset(w for w in StemmerFactory().get_words_from_file() if w)


@cache
def common_words() -> frozenset[str]:
    """Everyday words: the formal side of the slang dictionaries and the stop words."""
    return frozenset(w for value in slang().values() for w in value.split()) | stopwords()


@cache
def vocabulary() -> frozenset[str]:
    """Words known to be spelt correctly: Sastrawi's root words and the common words."""
    return root_words() | common_words()


@cache
def _stemmer() -> Any:
    return Stemmer(ArrayDictionary(sorted(root_words())))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Sastrawi stem of one normalised token; placeholders, emoji and numbers unchanged."""
    if "_" in word or _DIGIT_RE.search(word):
        return word
    return str(_stemmer().stem_word(word))


def is_known(word: str) -> bool:
    return word in vocabulary() or word in slang() or stem(word) != word


def _collapse_repeats(word: str) -> str:
    """'bangeeettt' -> 'banget', 'maaaaf' -> 'maaf', 'saaaat' -> 'saat': each run of 3+
    letters becomes one or two letters. The first candidate (fewest doubled runs first)
    that is a common word wins, else the first known word, else all runs become one."""
    parts = _REPEAT_RE.split(word)  # [text, letter, text, letter, ..., text]
    letters = parts[1::2]
    if len(letters) > 6:
        return _REPEAT_RE.sub(r"\1", word)
    candidates = [
        parts[0]
        + "".join(
            letter * n + rest for letter, n, rest in zip(letters, counts, parts[2::2], strict=True)
        )
        for counts in sorted(product((1, 2), repeat=len(letters)), key=sum)
    ]
    common = common_words()
    for candidate in candidates:
        if candidate in common or candidate in slang():
            return candidate
    for candidate in candidates:
        if is_known(candidate):
            return candidate
    return _REPEAT_RE.sub(r"\1", word)


@lru_cache(maxsize=100_000)
def normalise_word(word: str) -> tuple[str, ...]:
    """Normalise one lower-case token; slang may expand to several words ('dmn')."""
    if "_" in word or word[0].isdigit():
        return (word,)
    word = word.replace("'", "").replace("’", "")
    table = slang()
    if word in table:
        return tuple(table[word].split())
    if _REPEAT_RE.search(word):
        word = _collapse_repeats(word)
    elif len(word) > 3 and word[-1] == word[-2] and not is_known(word) and is_known(word[:-1]):
        word = word[:-1]  # 'tolongg', 'bangett'
    if match := _REDUP_RE.fullmatch(word):
        base, suffix = match.group(1), match.group(2) or ""
        base = table.get(base, base)
        word = f"{base}-{base}{suffix}"
    return tuple(table.get(word, word).split())


def _below_thousand(words: list[str], i: int) -> tuple[int, int] | None:
    n, k, value = len(words), i, 0
    if words[k] == "seratus":
        value, k = 100, k + 1
    elif words[k] in _UNITS and k + 1 < n and words[k + 1] == "ratus":
        value, k = _UNITS[words[k]] * 100, k + 2
    if k < n:
        w = words[k]
        nxt = words[k + 1] if k + 1 < n else ""
        if w == "sepuluh":
            value, k = value + 10, k + 1
        elif w == "sebelas":
            value, k = value + 11, k + 1
        elif w in _UNITS and nxt == "belas":
            value, k = value + 10 + _UNITS[w], k + 2
        elif w in _UNITS and nxt == "puluh":
            value, k = value + _UNITS[w] * 10, k + 2
            if k < n and words[k] in _UNITS:
                value, k = value + _UNITS[words[k]], k + 1
        elif w in _UNITS:
            value, k = value + _UNITS[w], k + 1
        elif w == "nol" and k == i:
            k += 1
    return (value, k) if k > i else None


def _plain_number(token: str) -> float | None:
    if not _PLAIN_NUMBER_RE.fullmatch(token):
        return None
    return float(token.replace(",", "."))


def _parse_number(words: list[str], i: int) -> tuple[int, int] | None:
    """Read a number written in words (or digits before ribu/juta) starting at words[i];
    return its value and the index after it."""
    n, j, total, last_scale = len(words), i, 0.0, float("inf")
    while j < n:
        word = words[j]
        if word in _ONE_SCALE and _ONE_SCALE[word] < last_scale:
            total += _ONE_SCALE[word]
            last_scale, j = _ONE_SCALE[word], j + 1
            continue
        group: float
        if (parsed := _below_thousand(words, j)) is not None:
            group, k = parsed
        elif (digits := _plain_number(word)) is not None and j + 1 < n and words[j + 1] in _SCALES:
            group, k = digits, j + 1
        else:
            break
        scale = _SCALES.get(words[k], 0) if k < n else 0
        if scale:
            if not group or scale >= last_scale:
                break  # "dua ribu tiga ribu" is two numbers
            total += group * scale
            last_scale, j = scale, k + 1
            continue
        if group >= last_scale:
            break
        total += group
        j = k
        break
    return (round(total), j) if j > i else None


def _numbers_to_digits(words: list[str]) -> list[str]:
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        if word in _NUMBER_WORDS or (word[0].isdigit() and i + 1 < n and words[i + 1] in _SCALES):
            parsed = _parse_number(words, i)
            if parsed is not None:
                out.append(str(parsed[0]))
                i = parsed[1]
                continue
        out.append(word)
        i += 1
    return out


def _money(match: re.Match[str]) -> str:
    number = match.group(1)
    value = (
        float(number.replace(".", ""))
        if _THOUSANDS_RE.fullmatch(number)
        else float(number.replace(",", "."))
    )
    return str(round(value * _MONEY_SCALE[match.group(2)]))


def _order_or_keep(match: re.Match[str]) -> str:
    text = match.group(0)
    if _MONEY_LIKE_RE.fullmatch(text):
        return text
    digits = sum(c.isdigit() for c in text)
    letters = sum(c.isalpha() for c in text)
    if text.startswith("#") or (digits >= 4 and letters >= 2) or (digits >= 5 and letters >= 1):
        return f" {ORDER_TOKEN} "
    return text


def _phone_or_keep(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if 9 <= len(digits) <= 14 and not _THOUSANDS_RE.fullmatch(text.strip()):
        return f" {PHONE_TOKEN} "
    return text


def _emoticon(match: re.Match[str]) -> str:
    return f" emoji_{_EMOTICONS[match.group(0)[-1].lower()]} "


def _prepare(text: str) -> str:
    """Character-level steps, on the whole message: emoji, placeholders, case, money."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_EMOJI_TABLE)
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    # Lower-cased first: the patterns below are written in lower case, without
    # IGNORECASE, which made Python's matcher fold the case of every character it tried
    # (this step on the shipped data's 37,417 lines: the same output, 77 → 70 µs a line).
    text = text.lower()
    if "@" in text:
        text = _EMAIL_RE.sub(f" {EMAIL_TOKEN} ", text)
    if "." in text or "://" in text:
        text = _URL_RE.sub(f" {URL_TOKEN} ", text)
    if _DIGIT_RE.search(text):
        text = _ORDER_RE.sub(_order_or_keep, text)
        text = _PHONE_RE.sub(_phone_or_keep, text)
        text = _LONG_NUMBER_RE.sub(f" {ORDER_TOKEN} ", text)
    if ":" in text or ";" in text or "=" in text or "<3" in text:
        text = _EMOTICON_RE.sub(_emoticon, text)
    if _DIGIT_RE.search(text):
        text = _RP_RE.sub("rp ", text)
        text = _THOUSANDS_RE.sub(lambda m: m.group(0).replace(".", ""), text)
        text = _MONEY_RE.sub(_money, text)
        text = _TIMES_RE.sub(r"\1 kali", text)
    if "-" in text:
        text = _CLITIC_RE.sub(r" \1", text)
        text = _PREFIX_RE.sub(r"\1 ", text)
    return text


def normalise(text: str) -> str:
    """Normalised form of a message: lower-case formal tokens separated by single spaces."""
    if not text:
        return ""
    words: list[str] = []
    for raw in _TOKEN_RE.findall(_prepare(text)):
        words.extend(normalise_word(raw))
    if any(w in _NUMBER_WORDS or w[0].isdigit() for w in words):
        words = _numbers_to_digits(words)
    # "😡😡😡" is one signal, not three
    out = [
        w for i, w in enumerate(words) if not (i and w == words[i - 1] and w.startswith("emoji_"))
    ]
    return " ".join(out)


def tokens(text: str, *, stem: bool = True, drop_stopwords: bool = False) -> list[str]:
    """Normalised tokens of a message, optionally without stop words, optionally stemmed."""
    words = normalise(text).split()
    if drop_stopwords:
        stop = stopwords()
        words = [w for w in words if w not in stop]
    if stem:
        words = [_stem(w) for w in words]
    return words


_stem = stem  # ``tokens`` has a keyword argument called ``stem``
