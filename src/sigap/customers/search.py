"""Finding customers from what an agent types: a phone number in any format, an email
address in any case, or the beginning of the words of a name.

Contacts are stored normalised (``services.contact_normalize``: E.164, lower case) under a
unique ``(kind, value)`` index, so a typed number or address is normalised the same way and
looked up exactly. Names are matched by word prefix ("budi san" finds "Budi Santoso") on an
index on both databases (migration ``0004_name_search``): PostgreSQL a generated tsvector
column ('simple' configuration) with a GIN index, SQLite an FTS5 table kept by triggers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from sigap.core.errors import ValidationFailed
from sigap.core.phone import normalize_phone
from sigap.customers.models import ContactKind, Customer, CustomerContact

PHONE_KINDS = (ContactKind.PHONE, ContactKind.WHATSAPP)
NAME_WORD = re.compile(r"[^\W_]+")
MAX_NAME_WORDS = 6
MAX_NAME_CUSTOMERS = 20  # a name shared by more people says little; ask for more of it

# A run that may be a phone number: an optional +, then digits with the separators people
# type ("0812-3456-7890", "+62 812 3456 7890", "(021) 555 1234"); at least 7 characters.
PHONE_RUN = re.compile(r"(?<![\w@.])\+?\(?\d[\d\s().-]{5,}\d(?![\w@])")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?![\w-])")


def as_phone(text: str) -> str | None:
    """The E.164 form of ``text`` when it is a valid phone number, else None."""
    try:
        return normalize_phone(text)
    except ValidationFailed:
        return None


def phones_in(text: str) -> list[tuple[str, str]]:
    """The phone numbers written in ``text``: (as written, E.164) pairs."""
    found = []
    for match in PHONE_RUN.finditer(text):
        written = match.group(0).strip()
        e164 = as_phone(written)
        if e164 is not None:
            found.append((written, e164))
    return found


def emails_in(text: str) -> list[str]:
    """The email addresses written in ``text``, lower-cased as contacts are stored."""
    return [m.group(0).lower() for m in EMAIL.finditer(text)]


def customers_by_contact(
    *, phones: Sequence[str] = (), emails: Sequence[str] = ()
) -> list[Customer]:
    """Active customers with one of these (already normalised) phones or emails."""
    if not phones and not emails:
        return []
    contacts = CustomerContact.objects.none()
    if phones:
        contacts |= CustomerContact.objects.filter(kind__in=PHONE_KINDS, value__in=phones)
    if emails:
        contacts |= CustomerContact.objects.filter(kind=ContactKind.EMAIL, value__in=emails)
    return list(
        _active()
        .filter(pk__in=contacts.values("customer_id"))
        .order_by("name", "pk")[:MAX_NAME_CUSTOMERS]
    )


def name_words(text: str) -> list[str]:
    """The words of ``text`` a name search uses: letters and digits, lower-cased."""
    words: list[str] = []
    for word in NAME_WORD.findall(text.casefold()):
        if word not in words:
            words.append(word)
    return words[:MAX_NAME_WORDS]


def filter_by_name(qs: QuerySet[Customer], words: Sequence[str]) -> QuerySet[Customer]:
    """Customers of ``qs`` whose name has, for every word, a word starting with it."""
    if not words:
        return qs.none()
    if connection.vendor == "postgresql":
        # Words are letters and digits only (NAME_WORD), so none is tsquery syntax.
        query = " & ".join(f"{w}:*" for w in words)
        return qs.extra(where=["name_tsv @@ to_tsquery('simple', %s)"], params=[query])
    match = " AND ".join('"{}"*'.format(w.replace('"', '""')) for w in words)
    fts = RawSQL("SELECT rowid FROM customers_name_fts WHERE customers_name_fts MATCH %s", [match])
    return qs.filter(pk__in=fts)


def customers_by_name(words: Sequence[str], *, limit: int = MAX_NAME_CUSTOMERS) -> list[Customer]:
    """Active customers whose name matches ``words`` by prefix, by name, at most ``limit``."""
    return list(filter_by_name(_active(), words).order_by("name", "pk")[:limit])


def _active() -> QuerySet[Customer]:
    # Only what the search shows: a customer's id and name.
    return Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True).only(
        "id", "name"
    )
