"""Safety detector: does a customer message report danger to a person?

Injury, danger to life, fire or explosion, poisoning, electric shock, gas leaks, choking,
violence, threats and self-harm are "Penting" complaints (DOMAIN.md §5): they must reach a
person at once, so the detector is built for recall and accepts some false alarms.

``detect`` normalises the text (``sigap.text.indonesian``), stems each token and runs the
rules of ``data/safety_lexicon.txt`` over the tokens. A rule is a short pattern of words or
stems ("patah tulang", "~bakar"), optionally required to occur near some context
("api" near "keluar", "asap", "percikan"…) and cancelled by a common ordinary use nearby
("mati lampu", "racun banget", "ayam bakar", "API key"). Unknown words one typing slip
away from a lexicon word ("kebakran", "keracunaan") are read as that word.

Measured figures are in ``bench/safety.py``; the lexicon was tuned on
``data/safety_dev.tsv`` only, and ``data/safety_eval.tsv`` is the held-out check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from sigap.text.indonesian import is_known, normalise, normalise_word, stem

NEAR_WINDOW = 5  # tokens either side of a match where a "near" context must occur
UNLESS_WINDOW = 3  # tokens either side of a match where an exclusion cancels it
FUZZY_MIN_LENGTH = 6  # shorter unknown words are not corrected
_PREFIXES = ("", "ter", "ke", "ber", "di", "me", "mem", "men", "meng", "meny", "pe", "pem", "pen")
_SUFFIXES = ("", "an", "kan", "i", "nya")


@dataclass(frozen=True)
class SafetyResult:
    is_safety: bool
    signals: tuple[str, ...] = ()  # short labels in order of appearance: "kebakaran", "cedera"
    words: tuple[str, ...] = ()  # the matched words, as normalised


@dataclass(frozen=True)
class Slot:
    """One position of a pattern: a token matching any of the terms."""

    words: frozenset[str] = frozenset()  # the token or its stem
    surfaces: frozenset[str] = frozenset()  # the token itself
    affixed: frozenset[str] = frozenset()  # the stem, the token being longer
    number: bool = False
    wildcard: bool = False
    optional: bool = False

    def matches(self, token: str, token_stem: str) -> bool:
        return (
            self.wildcard
            or token in self.surfaces
            or token in self.words
            or token_stem in self.words
            or (token_stem in self.affixed and token != token_stem)
            or (self.number and token[0].isdigit())
        )

    def index_words(self) -> frozenset[str]:
        return self.words | self.surfaces | self.affixed


Phrase = tuple[Slot, ...]


@dataclass(frozen=True)
class Context:
    phrase: Phrase
    anywhere: bool = False


@dataclass(frozen=True)
class Rule:
    signal: str
    pattern: Phrase
    near: tuple[Context, ...] = ()
    unless: tuple[Context, ...] = ()
    window: int = NEAR_WINDOW


@dataclass(frozen=True)
class Lexicon:
    rules: tuple[Rule, ...]
    index: dict[str, tuple[Rule, ...]]  # a first-slot word -> the rules starting with it
    fuzzy_targets: frozenset[str]


def _parse_slot(text: str, defines: dict[str, str]) -> Slot:
    if text == "_":
        return Slot(wildcard=True)
    if text == "_?":
        return Slot(wildcard=True, optional=True)
    words: set[str] = set()
    surfaces: set[str] = set()
    affixed: set[str] = set()
    number = False
    for term in _expand(text, defines).split("|"):
        if term == "#num":
            number = True
        elif term.startswith("="):
            surfaces.add(term[1:])
        elif term.startswith("~"):
            affixed.add(term[1:])
        elif term:
            words.add(term)
    return Slot(frozenset(words), frozenset(surfaces), frozenset(affixed), number)


def _expand(text: str, defines: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in defines:
            raise ValueError(f"safety lexicon: unknown set ${name}")
        return defines[name]

    return re.sub(r"\$([A-Z]+)", one, text)


def _parse_phrase(text: str, defines: dict[str, str]) -> Phrase:
    phrase = tuple(_parse_slot(slot, defines) for slot in text.split())
    if not phrase or phrase[0].wildcard:
        raise ValueError(f"safety lexicon: a phrase must start with a word: {text!r}")
    return phrase


def _parse_contexts(text: str, defines: dict[str, str]) -> tuple[Context, ...]:
    contexts = []
    for part in text.split(";"):
        part = part.strip()
        if part:
            anywhere = part.startswith("@")
            contexts.append(Context(_parse_phrase(part.lstrip("@"), defines), anywhere))
    return tuple(contexts)


def _affixed_forms(word: str) -> Iterator[str]:
    for prefix in _PREFIXES:
        for suffix in _SUFFIXES:
            yield prefix + word + suffix


def parse_lexicon(text: str) -> Lexicon:
    defines: dict[str, str] = {}
    rules: list[Rule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if cols[0] == "define" and len(cols) == 3:
            defines[cols[1]] = cols[2]
        elif cols[0] == "rule" and len(cols) in (5, 6):
            window = int(cols[5]) if len(cols) == 6 else NEAR_WINDOW
            rules.append(
                Rule(
                    signal=cols[1],
                    pattern=_parse_phrase(cols[2], defines),
                    near=_parse_contexts(cols[3], defines),
                    unless=_parse_contexts(cols[4], defines),
                    window=window,
                )
            )
        else:
            raise ValueError(f"safety lexicon line {number}: cannot read {line!r}")
    index: dict[str, list[Rule]] = {}
    targets: set[str] = set()
    for rule in rules:
        first = rule.pattern[0]
        for key in first.index_words():
            index.setdefault(key, []).append(rule)
        for slot in rule.pattern:
            targets.update(slot.surfaces)
            for word in slot.words | slot.affixed:
                targets.update(_affixed_forms(word) if len(word) >= 4 else (word,))
    return Lexicon(
        rules=tuple(rules),
        index={key: tuple(found) for key, found in index.items()},
        fuzzy_targets=frozenset(t for t in targets if len(t) >= FUZZY_MIN_LENGTH),
    )


@cache
def lexicon() -> Lexicon:
    path = resources.files("sigap.text") / "data" / "safety_lexicon.txt"
    return parse_lexicon(path.read_text(encoding="utf-8"))


@cache
def _deletions() -> dict[str, str]:
    """Each fuzzy target with one letter left out -> the target."""
    out: dict[str, str] = {}
    for target in sorted(lexicon().fuzzy_targets):
        for k in range(1, len(target)):
            out.setdefault(target[:k] + target[k + 1 :], target)
    return out


@lru_cache(maxsize=50_000)
def _canonical(token: str) -> str:
    """A lexicon word for an unknown token one slip away from it (a letter missing, extra
    or swapped, never the first); otherwise the token itself."""
    if len(token) < FUZZY_MIN_LENGTH or not token.isalpha() or is_known(token):
        return token
    targets = lexicon().fuzzy_targets
    if token in targets:
        return token
    if (found := _deletions().get(token)) is not None:
        return found
    for k in range(1, len(token)):
        if (shorter := token[:k] + token[k + 1 :]) in targets:
            return shorter
    for k in range(1, len(token) - 1):
        swapped = token[:k] + token[k + 1] + token[k] + token[k + 2 :]
        if swapped in targets:
            return swapped
    return token


def _match(pattern: Phrase, toks: Sequence[str], stems: Sequence[str], i: int, s: int = 0) -> int:
    """End index of ``pattern`` matched from ``toks[i]``, or -1."""
    if s == len(pattern):
        return i
    slot = pattern[s]
    if slot.optional:
        end = _match(pattern, toks, stems, i, s + 1)
        if end >= 0 or i >= len(toks):
            return end
        return _match(pattern, toks, stems, i + 1, s + 1)
    if i >= len(toks) or not slot.matches(toks[i], stems[i]):
        return -1
    return _match(pattern, toks, stems, i + 1, s + 1)


def _occurs(
    contexts: tuple[Context, ...],
    toks: Sequence[str],
    stems: Sequence[str],
    start: int,
    end: int,
    window: int,
) -> bool:
    for context in contexts:
        lo, hi = (0, len(toks)) if context.anywhere else (max(0, start - window), end + window)
        for p in range(lo, min(hi, len(toks))):
            if _match(context.phrase, toks, stems, p) >= 0:
                return True
    return False


def detect(text: str) -> SafetyResult:
    """Whether ``text`` reports danger to a person, with the signals and words found."""
    original = normalise(text).split()
    if not original:
        return SafetyResult(is_safety=False)
    toks = [_canonical(t) for t in original]
    stems = [stem(t) for t in toks]
    lex = lexicon()
    signals: dict[str, None] = {}
    words: dict[str, None] = {}
    for i, (token, token_stem) in enumerate(zip(toks, stems, strict=True)):
        candidates = lex.index.get(token, ())
        if token_stem != token:
            candidates += lex.index.get(token_stem, ())
        for rule in dict.fromkeys(candidates):
            end = _match(rule.pattern, toks, stems, i)
            if end < 0:
                continue
            if rule.near and not _occurs(rule.near, toks, stems, i, end, rule.window):
                continue
            if rule.unless and _occurs(rule.unless, toks, stems, i, end, UNLESS_WINDOW):
                continue
            signals[rule.signal] = None
            words[" ".join(original[i:end])] = None
    return SafetyResult(is_safety=bool(signals), signals=tuple(signals), words=tuple(words))


def clear_caches() -> None:
    """Empty the per-word memo tables (stems, slang, typo repair); the data stay loaded."""
    for memoised in (stem, normalise_word, _canonical):
        memoised.cache_clear()
