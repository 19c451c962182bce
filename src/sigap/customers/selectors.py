from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from sigap.accounts.models import User
from sigap.core import fastsql
from sigap.core.errors import NotFound
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.search import PHONE_KINDS, as_phone


def customers_for(*, user: User, q: str = "", erased: bool = False) -> QuerySet[Customer]:
    """Staff see every customer; a customer only themself. Erased customers (UU PDP) are
    left out unless ``erased`` (their own page, an admin's list); a search never finds
    them."""
    qs = Customer.objects.filter(merged_into__isnull=True)  # merged records are retired
    if not user.is_agent_or_above:
        qs = qs.filter(user_id=user.pk)
    q = q.strip()
    if q or not erased:
        qs = qs.filter(erased_at__isnull=True)
    if q:
        # A phone number in any format and an email address in any case meet the stored,
        # normalised contact exactly (the unique index); the rest by substring.
        contact = Q(value__icontains=q.lower())
        phone = as_phone(q) if any(ch.isdigit() for ch in q) else None
        if phone is not None:
            contact |= Q(kind__in=PHONE_KINDS, value=phone)
        by_contact = CustomerContact.objects.filter(contact).values("customer_id")
        qs = qs.filter(Q(name__icontains=q) | Q(pk__in=by_contact))
    return qs.prefetch_related("contacts")


def access_customer(user: User, customer_id: int) -> Customer:
    customer = customers_for(user=user, erased=True).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(gettext("Pelanggan tidak ditemukan."))
    return customer


_CONTACTS = CustomerContact._meta.db_table
_CONTACT_ORDER = "is_primary DESC, kind, id"  # the model's order


def contact_pairs(customer_id: int) -> list[tuple[str, str]]:
    """A customer's contacts as (kind, value), primary first (the model's order), in one
    plain query: the API's ticket creation reads them on every call."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, value FROM {_CONTACTS} WHERE customer_id = %s ORDER BY {_CONTACT_ORDER}",
            [customer_id],
        )
        return [(str(kind), str(value)) for kind, value in cursor.fetchall()]


def customer_with_contacts(customer_id: int) -> tuple[Customer, list[tuple[str, str]]] | None:
    """The customer by id (any, as ``Customer.objects.filter(pk=...).first()``) and its
    ``contact_pairs``, in one statement: a new ticket over the API needs both."""
    found = fastsql.get_with_rows(
        Customer,
        customer_id,
        table=_CONTACTS,
        fk="customer_id",
        columns=f"{_CONTACTS}.kind, {_CONTACTS}.value",
        order=", ".join(f"{_CONTACTS}.{term}" for term in _CONTACT_ORDER.split(", ")),
    )
    if found is None:
        return None
    customer, rows = found
    return customer, [(str(kind), str(value)) for kind, value in rows]
