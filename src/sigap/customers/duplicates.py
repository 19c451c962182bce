"""Suggested merges: customer records that are probably the same person.

A pair is suggested when the two records share
- a phone number, whatever its format (``0812-...``, ``62812...``, ``+62812...``) and
  whichever phone kind (telephone or WhatsApp);
- an email address, compared case-insensitively;
- the same normalised name (case, accents, spacing, honorifics such as "Bapak" or "Kak"
  ignored) *and* an overlapping partial contact: the same last eight digits of a phone
  number, or the same handle (an email's local part, an Instagram/X/Telegram/Facebook name).

One pass over the contacts of active records, in Python, since the rules need
normalisation the database cannot do portably. Keys shared by many records (a company
switchboard, ``info@``) are skipped: they say nothing about one person.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext, gettext_noop

from sigap.core.errors import ValidationFailed
from sigap.core.phone import normalize_phone
from sigap.customers.models import ContactKind, Customer, CustomerContact

MAX_GROUP = 10  # a key shared by more records than this is not a personal identity
HONORIFICS = frozenset(
    {"bapak", "bpk", "pak", "ibu", "bu", "sdr", "sdri", "saudara", "saudari", "kak", "mas",
     "mbak", "mba", "tn", "ny", "nn", "dr", "ir", "h", "hj"}
)  # fmt: skip
PHONE_KINDS = frozenset({ContactKind.PHONE, ContactKind.WHATSAPP})
HANDLE_KINDS = frozenset(
    {ContactKind.TELEGRAM, ContactKind.INSTAGRAM, ContactKind.FACEBOOK, ContactKind.X}
)

# said in the reader's language when the suggestions are made
SAME_PHONE = gettext_noop("Nomor telepon sama")
SAME_EMAIL = gettext_noop("Email sama")
SAME_NAME = gettext_noop("Nama sama dan kontak mirip")


@dataclass
class Suggestion:
    keep: Customer  # the older record, kept by default
    merge: Customer
    reasons: list[str] = field(default_factory=list)
    tickets_keep: int = 0
    tickets_merge: int = 0


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.sub(r"[^\w\s]", " ", text).split()
    return " ".join(w for w in words if w not in HONORIFICS)


def _strong_key(kind: str, value: str) -> tuple[str, str] | None:
    if kind in PHONE_KINDS:
        try:
            return "phone", normalize_phone(value)
        except ValidationFailed:
            return None
    if kind == ContactKind.EMAIL:
        return "email", value.strip().casefold()
    return None


def _partial_keys(kind: str, value: str) -> Iterable[str]:
    value = value.strip().casefold()
    if kind in PHONE_KINDS:
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 8:
            yield "digits:" + digits[-8:]
    elif kind == ContactKind.EMAIL:
        local = value.split("@", 1)[0]
        if len(local) >= 3:
            yield "handle:" + local
    elif kind in HANDLE_KINDS:
        handle = value.lstrip("@")
        if len(handle) >= 3:
            yield "handle:" + handle


def _pairs(groups: Mapping[Any, set[int]]) -> Iterable[tuple[int, int]]:
    for ids in groups.values():
        if 1 < len(ids) <= MAX_GROUP:
            yield from combinations(sorted(ids), 2)


def duplicate_suggestions(*, limit: int = 100) -> list[Suggestion]:
    """Likely duplicates among active records (not merged, not erased), newest first."""
    strong: dict[tuple[str, str], set[int]] = defaultdict(set)
    partial: dict[str, set[int]] = defaultdict(set)
    rows = CustomerContact.objects.filter(
        customer__merged_into__isnull=True, customer__erased_at__isnull=True
    ).values_list("customer_id", "kind", "value")
    for customer_id, kind, value in rows.iterator(chunk_size=2000):
        key = _strong_key(kind, value)
        if key is not None:
            strong[key].add(customer_id)
        for pkey in _partial_keys(kind, value):
            partial[pkey].add(customer_id)
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key, ids in strong.items():
        label = SAME_PHONE if key[0] == "phone" else SAME_EMAIL
        for pair in _pairs({key: ids}):
            if label not in reasons[pair]:
                reasons[pair].append(label)
    candidates = set(_pairs(partial))
    names = dict(
        Customer.objects.filter(pk__in={i for pair in candidates for i in pair}).values_list(
            "pk", "name"
        )
    )
    for a, b in sorted(candidates):
        same = normalize_name(names.get(a, "")) == normalize_name(names.get(b, ""))
        if same and names.get(a) is not None and SAME_NAME not in reasons[(a, b)]:
            reasons[(a, b)].append(SAME_NAME)
    chosen = sorted((p for p in reasons if reasons[p]), key=lambda p: (-p[1], -p[0]))[:limit]
    ids = {i for pair in chosen for i in pair}
    customers = Customer.objects.filter(pk__in=ids).annotate(n=Count("tickets")).in_bulk()
    return [
        Suggestion(
            keep=customers[a],
            merge=customers[b],
            reasons=[gettext(r) for r in reasons[(a, b)]],
            tickets_keep=customers[a].n,
            tickets_merge=customers[b].n,
        )
        for a, b in chosen
        if a in customers and b in customers
    ]
