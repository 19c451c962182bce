"""Search by ticket number and by customer (phone, email, name), merged with the full text.

The same assertions run on SQLite (FTS5 on names) and PostgreSQL (tsvector 'simple', GIN).
"""

from __future__ import annotations

import pytest

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.search import customers_by_name, name_words
from sigap.customers.services import ContactIn, customer_create, customer_update
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.tickets.search import parse_query
from sigap.tickets.selectors import TicketFilters, ticket_search_for

pytestmark = pytest.mark.django_db


def make(agent: User, team: Team, customer: Customer, subject: str, body: str = "") -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=subject,
        description=body or subject,
        team=team,
        assignee=agent,
    )


def results(user: User, q: str) -> list[list[int]]:
    """Each segment's ticket ids, newest first."""
    search = ticket_search_for(user=user, filters=TicketFilters(q=q))
    return [list(s.order_by("-pk").values_list("pk", flat=True)) for s in search.segments]


def flat(user: User, q: str) -> list[int]:
    return [pk for segment in results(user, q) for pk in segment]


@pytest.mark.parametrize(
    ("q", "number", "exact"),
    [
        ("SGP-000305", 305, True),
        ("sgp-305", 305, True),
        ("SGP305", 305, True),
        ("#305", 305, True),
        ("305", 305, True),
        ("  305  ", 305, True),
        ("SGP-000305,", 305, True),
        ("SGP-000305 refund", 305, False),
        ("305 refund", 305, False),
        ("0", None, False),
        ("SGP-", None, False),
        ("refund", None, False),
    ],
)
def test_ticket_number_forms(q: str, number: int | None, exact: bool) -> None:
    parsed = parse_query(q)
    assert (parsed.numbers[0] if parsed.numbers else None) == number
    assert parsed.exact_number == (number if exact else None)


def test_a_reference_is_not_a_word_but_a_bare_number_is() -> None:
    assert parse_query("SGP-000305 refund").text == "refund"
    assert parse_query("#305").text == ""
    assert parse_query("305 refund").text == "305 refund"  # amounts, order numbers


@pytest.mark.parametrize(
    "q", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "081234567890", "(0812) 34567890"]
)
def test_phone_forms_are_normalised_to_e164(q: str) -> None:
    parsed = parse_query(q)
    assert parsed.phones == ("+6281234567890",)
    assert parsed.numbers == () and parsed.text == ""


def test_email_is_lower_cased_and_words_remain() -> None:
    parsed = parse_query("Budi@Contoh.ID paket")
    assert parsed.emails == ("budi@contoh.id",)
    assert parsed.text == "paket"


def test_name_words_are_letters_and_digits_only() -> None:
    assert name_words("Budi  O'Brien & Co. budi") == ["budi", "o", "brien", "co"]
    assert name_words("' OR 1=1 --") == ["or", "1"]


def test_number_finds_the_ticket_first_then_the_text(
    admin: User, agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    first = make(agent, team, other_customer, "Paket hilang")
    mention = make(agent, team, other_customer, f"Lanjutan kasus {first.pk}")
    for q in (f"SGP-{first.pk:06d}", f"sgp-{first.pk}", f"#{first.pk}"):
        assert results(admin, q) == [[first.pk]]
    # A bare number: the ticket, then the tickets whose text has that number.
    assert results(admin, str(first.pk)) == [[first.pk], [mention.pk]]


@pytest.mark.parametrize("q", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"])
def test_phone_in_any_format_finds_the_customers_tickets(
    admin: User, agent: User, team: Team, customer: Customer, other_customer: Customer, q: str
) -> None:
    mine = [make(agent, team, customer, "Refund belum masuk") for _ in range(2)]
    make(agent, team, other_customer, "Refund belum masuk")
    assert results(admin, q) == [[mine[1].pk, mine[0].pk]]


def test_whatsapp_contacts_are_phones_too(admin: User, agent: User, team: Team) -> None:
    wa = customer_create(
        name="Andi Wijaya",
        contacts=[ContactIn("whatsapp", "6281399998888", verified=True)],
    )
    t = make(agent, team, wa, "Voucher tidak bisa dipakai")
    assert flat(admin, "0813-9999-8888") == [t.pk]


def test_email_in_any_case_finds_the_customer(
    admin: User, agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    t = make(agent, team, customer, "Pesanan ganda")
    make(agent, team, other_customer, "Pesanan ganda")
    assert flat(admin, "BUDI@contoh.id") == [t.pk]
    assert flat(admin, "budi@contoh.co") == []  # exact, not a substring


def test_name_prefix_finds_the_customer_then_the_text(
    admin: User, agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    budis = make(agent, team, customer, "Barang rusak")
    about_budi = make(agent, team, other_customer, "Titip pesan untuk Budi")
    make(agent, team, other_customer, "Barang rusak")
    for q in ("Budi", "budi san", "SANTOSO", "bu sa"):
        assert customers_by_name(name_words(q)) == [customer], q
    # The customer's tickets first, then the text hits.
    assert results(admin, "budi") == [[budis.pk], [about_budi.pk]]
    assert results(admin, "budi santoso") == [[budis.pk], []]
    assert customers_by_name(name_words("budi rahma")) == []
    assert customers_by_name(name_words("antoso")) == []  # prefixes of words, not substrings


def test_renamed_and_new_customers_are_found_by_their_new_name(customer: Customer) -> None:
    customer_update(customer=customer, version=customer.version, changes={"name": "Bambang Tri"})
    assert customers_by_name(name_words("bamb")) == [customer]
    assert customers_by_name(name_words("budi")) == []
    fresh = customer_create(name="Dewi Lestari")
    assert customers_by_name(name_words("dew les")) == [fresh]


def test_merged_customers_are_not_found(customer: Customer, other_customer: Customer) -> None:
    Customer.objects.filter(pk=other_customer.pk).update(merged_into=customer)
    assert customers_by_name(name_words("siti")) == []


def test_phone_with_words_lists_the_customer_then_the_words(
    admin: User, agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    own = make(agent, team, customer, "Kartu kredit ditolak")
    other = make(agent, team, other_customer, "Paket tertahan di gudang")
    assert results(admin, "0812 3456 7890 paket") == [[own.pk], [other.pk]]


def test_a_ticket_is_listed_once(admin: User, agent: User, team: Team, customer: Customer) -> None:
    t = make(agent, team, customer, "Budi menunggu paket")
    assert results(admin, f"#{t.pk} budi") == [[t.pk], [], []]
    assert flat(admin, "budi paket") == [t.pk]


def test_other_teams_tickets_are_never_found(
    agent: User, team: Team, other_ticket: Ticket, other_customer: Customer
) -> None:
    reference = f"SGP-{other_ticket.pk:06d}"
    assert flat(agent, reference) == []
    assert other_ticket.pk not in flat(agent, str(other_ticket.pk))
    assert flat(agent, "siti@contoh.id") == []
    assert flat(agent, "siti") == []
    assert flat(agent, "saldo") == []


def test_customers_find_only_their_own_and_never_by_other_customers(
    customer_user: User, agent: User, team: Team, customer: Customer, other_ticket: Ticket
) -> None:
    own = make(agent, team, customer, "Garansi ditolak")
    assert flat(customer_user, f"SGP-{own.pk:06d}") == [own.pk]
    assert flat(customer_user, f"SGP-{other_ticket.pk:06d}") == []
    assert flat(customer_user, "siti@contoh.id") == []
    search = ticket_search_for(user=customer_user, filters=TicketFilters(q="Siti"))
    assert search.customers == []


def test_other_filters_still_apply(
    admin: User, agent: User, team: Team, customer: Customer
) -> None:
    t = make(agent, team, customer, "Refund")
    search = ticket_search_for(
        user=admin, filters=TicketFilters(q=f"SGP-{t.pk:06d}", status=["resolved"])
    )
    assert [list(s) for s in search.segments] == [[]]


@pytest.mark.parametrize(
    "q",
    ['"budi', "budi*", "bu:* | s", "NEAR(budi)", "%_%", "'; DROP TABLE x; --", "#", "@", "+62"],
)
def test_hostile_input_is_only_text(admin: User, customer: Customer, q: str) -> None:
    ticket_search_for(user=admin, filters=TicketFilters(q=q))  # no syntax error
    customers_by_name(name_words(q))
