"""Search-result snippets: the part of an article's text where the query's terms are
densest, with each word that matches a term (after the search's own stemming, synonyms
and informal spellings: "nyampe" marks "sampai") wrapped in ``<mark>``."""

from __future__ import annotations

import re
from bisect import bisect_left

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sigap.kb.search import query_terms, terms

SNIPPET_CHARS = 220
SCAN_CHARS = 6000  # of an article's text, where a snippet is looked for
LEAD_CHARS = 40  # context kept before the first match
WORD = re.compile(r"\w[\w'-]*")


def _matches(text: str, wanted: frozenset[str]) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end()) for m in WORD.finditer(text) if not wanted.isdisjoint(terms(m.group()))
    ]


def _marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))


def highlight(text: str, q: str) -> SafeString:
    """The whole ``text`` (a title), its matching words marked."""
    wanted = frozenset(query_terms(q))
    return _marked(text, _matches(text, wanted) if wanted else [])


def snippet(body: str, q: str, *, chars: int = SNIPPET_CHARS) -> SafeString:
    """About ``chars`` characters of ``body`` around its densest run of matches (its
    start when nothing matches), matches marked, cut at word boundaries."""
    text = " ".join(body[:SCAN_CHARS].split())
    wanted = frozenset(query_terms(q))
    spans = _matches(text, wanted) if wanted else []
    begin = 0
    if spans:
        starts = [s for s, _e in spans]
        best, best_count = starts[0], 0
        for s in starts:  # the window holding the most matches
            count = bisect_left(starts, s + chars - LEAD_CHARS) - bisect_left(starts, s)
            if count > best_count:
                best, best_count = s, count
        begin = max(0, best - LEAD_CHARS)
        if begin:
            space = text.find(" ", begin)
            begin = space + 1 if 0 <= space < best else begin
    end = begin + chars
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    piece = text[begin:end]
    shown = [(s - begin, e - begin) for s, e in spans if s >= begin and e <= end]
    prefix = "… " if begin else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + _marked(piece, shown) + suffix)
