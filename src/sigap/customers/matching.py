"""Finding a customer as staff type them, and the customers a new record would duplicate.

Reads only. Staff search by name, email or phone however it is written (``0812-3456``,
``62812...``, ``+62 812 ...``): contacts are stored normalised (E.164, lower case), so the
typed text is normalised the same way before it is compared.

Before a new customer is written (``new_customer_check``):
- a phone number (as a telephone or a WhatsApp contact) or an email that already belongs
  to a customer is a *taken* contact: the record must not be created, the owner is the one
  to use;
- the same normalised name (``duplicates.normalize_name``) with a near contact (the same
  last eight digits of a phone number, or the same email local part) is a *similar*
  record: a warning the agent may overrule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sigap.core.errors import ValidationFailed
from sigap.core.phone import normalize_phone
from sigap.customers.duplicates import normalize_name
from sigap.customers.models import ContactKind, Customer, CustomerContact
from sigap.customers.services import ContactIn, contact_normalize

PHONE_KINDS = (ContactKind.PHONE, ContactKind.WHATSAPP)
SEARCH_LIMIT = 10
MIN_QUERY = 2
MIN_PHONE_DIGITS = 4
SIMILAR_CANDIDATES = 50  # contacts looked at for a near match; a shared key says little
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")


def active_customers() -> QuerySet[Customer]:
    """Customers one may still file a ticket under: not merged away, not erased."""
    return Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def active_customer(customer_id: int) -> Customer | None:
    return active_customers().filter(pk=customer_id).prefetch_related("contacts").first()


def _national_digits(text: str) -> str:
    """The digits of a typed number without its country or trunk prefix (``62``/``0``),
    which is how every stored Indonesian number continues after ``+62``."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("62"):
        return digits[2:]
    return digits.removeprefix("0")


def looks_like_phone(text: str) -> bool:
    return (
        bool(_PHONE_LIKE.match(text.strip())) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS
    )


def search(q: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Active customers whose name, email or phone matches what was typed (at least two
    characters), contacts prefetched; a phone number matches in any format."""
    q = q.strip()[:100]
    if len(q) < MIN_QUERY:
        return []
    by_contact = Q(value__icontains=q.lower())
    by_name = Q(name__icontains=q)
    if _PHONE_LIKE.match(q):
        national = _national_digits(q)
        if len(national) >= MIN_PHONE_DIGITS:
            by_contact |= Q(kind__in=PHONE_KINDS, value__contains=national)
        by_name = Q(pk__in=[])  # digits are not a name
    ids = CustomerContact.objects.filter(by_contact).values("customer_id")
    return list(
        active_customers()
        .filter(by_name | Q(pk__in=ids))
        .prefetch_related("contacts")
        .order_by("name", "pk")[:limit]
    )


@dataclass(frozen=True)
class Match:
    customer: Customer
    reason: str  # what the two records share, for the agent to judge


@dataclass
class NewCustomerCheck:
    """What ``new_customer_check`` found: the contacts to store (normalised), the errors
    by field (Indonesian), the owners of taken contacts and the similar records."""

    contacts: list[ContactIn] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    taken: list[Match] = field(default_factory=list)
    similar: list[Match] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def matches(self) -> list[Customer]:
        seen: dict[int, Customer] = {}
        for match in (*self.taken, *self.similar):
            seen.setdefault(match.customer.pk, match.customer)
        return list(seen.values())


def _owners(kinds: tuple[str, ...], value: str) -> list[Customer]:
    ids = CustomerContact.objects.filter(kind__in=kinds, value=value).values("customer_id")
    return list(active_customers().filter(pk__in=ids).prefetch_related("contacts"))


def _near(name: str, contacts: Q, exclude: set[int], reason: str) -> list[Match]:
    wanted = normalize_name(name)
    if not wanted:
        return []
    ids = {
        cid
        for cid in CustomerContact.objects.filter(contacts)
        .values_list("customer_id", flat=True)
        .distinct()[:SIMILAR_CANDIDATES]
        if cid not in exclude
    }
    found = active_customers().filter(pk__in=ids).prefetch_related("contacts").order_by("pk")
    return [Match(c, reason) for c in found if normalize_name(c.name) == wanted]


def new_customer_check(
    *, name: str, phone: str, email: str, whatsapp: bool = False, complete: bool = True
) -> NewCustomerCheck:
    """Check a customer about to be created from what staff typed. ``whatsapp``: store
    the number as a WhatsApp contact too (the customer wrote on WhatsApp). ``complete``:
    the form was submitted, so what is missing is an error too (as-you-type checks only
    report what is there)."""
    check = NewCustomerCheck()
    name, phone, email = name.strip(), phone.strip(), email.strip()
    if complete and not name:
        check.error("name", _("Nama pelanggan wajib diisi."))
    if complete and not phone and not email:
        check.error(
            "phone",
            _(
                "Isi nomor telepon atau email pelanggan, agar ia dapat dihubungi dan tidak "
                "tercatat ganda."
            ),
        )
    number = address = ""
    if phone:
        try:
            number = normalize_phone(phone)
        except ValidationFailed:
            check.error(
                "phone",
                _(
                    "Nomor telepon %(phone)s tidak valid. Tulis seperti 0812-3456-7890 "
                    "atau +62 812-3456-7890."
                )
                % {"phone": repr(phone)},
            )
    if email:
        try:
            address = contact_normalize(ContactKind.EMAIL, email)
        except ValidationFailed:
            check.error("email", _("Alamat email %(email)s tidak valid.") % {"email": repr(email)})
    if number:
        for owner in _owners(PHONE_KINDS, number):
            check.taken.append(
                Match(owner, _("Nomor %(number)s milik pelanggan ini") % {"number": number})
            )
            check.error(
                "phone",
                _("Nomor %(number)s sudah terdaftar atas nama %(name)s.")
                % {"number": number, "name": owner.name},
            )
        check.contacts.append(ContactIn(ContactKind.PHONE, number, is_primary=True))
        if whatsapp:
            check.contacts.append(ContactIn(ContactKind.WHATSAPP, number, is_primary=True))
    if address:
        for owner in _owners((ContactKind.EMAIL,), address):
            check.taken.append(
                Match(owner, _("Email %(address)s milik pelanggan ini") % {"address": address})
            )
            check.error(
                "email",
                _("Email %(address)s sudah terdaftar atas nama %(name)s.")
                % {"address": address, "name": owner.name},
            )
        check.contacts.append(ContactIn(ContactKind.EMAIL, address, is_primary=True))
    if name and not check.taken:
        exclude: set[int] = set()
        if number and len(number) >= 8:
            near = Q(kind__in=PHONE_KINDS, value__endswith=number[-8:])
            check.similar += _near(name, near, exclude, _("Nama sama dan nomor telepon mirip"))
            exclude |= {m.customer.pk for m in check.similar}
        local = address.split("@", 1)[0]
        if len(local) >= 3:
            near = Q(kind=ContactKind.EMAIL, value__startswith=local + "@")
            check.similar += _near(name, near, exclude, _("Nama sama dan email mirip"))
    return check
