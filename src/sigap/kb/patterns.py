"""Admins' regular expressions (the chatbot's required facts) run on what customers type,
with a time limit.

A pattern is the admin's own text, and some patterns take exponential time on some inputs
("catastrophic backtracking": ``(a+)+$`` on a long run of a's followed by another letter).
Python's ``re`` cannot be stopped once it has started, so a customer's message could hold a
worker for minutes. The ``regex`` package (PyPI) takes a ``timeout`` on every match: a
search that runs out of time finds nothing (the bot asks for the fact again) and is logged.
A pattern that already runs out of time on the saving check's hostile samples is refused
when saved, with the reason."""

from __future__ import annotations

import logging
import string
from typing import Any

import regex

log = logging.getLogger(__name__)

# A fact is a short thing in a message (an order number, a phone number): a sound pattern
# finds it in microseconds, also in a long message
MATCH_SECONDS = 0.05
# Inputs on which backtracking patterns blow up: long runs of one kind of character, then
# a character no pattern wants and every printable one (the search looks for a pattern's
# literal characters first, and tries the run only when they are there), so that every
# way of splitting the run is tried before the search gives up
_TAIL = "\x00" + string.ascii_letters + string.digits + string.punctuation + " "
_RUNS = ("a" * 3000, "A" * 3000, "1" * 3000, " " * 3000, "-" * 3000, "ab" * 1500, "a1" * 1500)
_HOSTILE = [run + _TAIL for run in _RUNS]

Pattern = Any  # regex.Pattern[str]; the package ships no type information
error = regex.error


def compile_pattern(pattern: str) -> Pattern:
    """``pattern`` compiled (``re``'s syntax); ``regex.error`` when it is not valid."""
    return regex.compile(pattern, flags=regex.VERSION0)


def find(pattern: Pattern, text: str) -> str:
    """The first match of ``pattern`` in ``text`` ("" when none, or when the search ran out
    of its time)."""
    try:
        match = pattern.search(text, timeout=MATCH_SECONDS)
    except TimeoutError:
        log.warning("pattern %r ran out of time on a %d-character text", pattern.pattern, len(text))
        return ""
    return str(match.group(0)) if match else ""


def too_slow(pattern: Pattern) -> bool:
    """True when ``pattern`` runs out of time on any of the hostile samples."""
    for sample in _HOSTILE:
        try:
            pattern.search(sample, timeout=MATCH_SECONDS)
        except TimeoutError:
            return True
    return False
