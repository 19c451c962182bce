"""The inbox search box: an exact number opens the ticket, a customer's phone, email or
name lists their tickets first, then the full-text hits; never another team's tickets."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def make(agent: User, team: Team | None, customer: Customer, subject: str) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=subject,
        description=subject,
        team=team,
        tags=["cari"],
    )


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def ids_on(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-ticket="(\d+)"', html)]


@pytest.mark.parametrize("form", ["SGP-{:06d}", "sgp-{}", "#{}", "{}", " SGP-{:06d} "])
def test_an_exact_number_opens_the_ticket(agent: User, ticket: Ticket, form: str) -> None:
    response = logged(agent).get("/inbox/", {"q": form.format(ticket.pk), "view": "all"})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"


def test_another_teams_number_is_neither_opened_nor_listed(
    agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    c = logged(agent)
    for q in (f"SGP-{other_ticket.pk:06d}", str(other_ticket.pk)):
        response = c.get("/inbox/", {"q": q, "view": "all"})
        assert response.status_code == 200
        html = response.content.decode()
        # (A bare number may be a word of a visible ticket's text: "udah 7 hari".)
        assert other_ticket.pk not in ids_on(html)
        assert "Saldo terpotong" not in html
    # ... and answers exactly as a number that does not exist does.
    missing = c.get("/inbox/", {"q": "SGP-999999", "view": "all"})
    assert missing.status_code == 200 and ids_on(missing.content.decode()) == []


def test_typing_as_you_go_lists_rather_than_jumps(agent: User, ticket: Ticket) -> None:
    response = logged(agent).get(
        "/inbox/",
        {"q": str(ticket.pk), "view": "all"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="inbox-rows",
    )
    assert response.status_code == 200
    assert ids_on(response.content.decode()) == [ticket.pk]


@pytest.mark.parametrize("q", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"])
def test_a_phone_lists_the_customers_tickets_first_then_the_text(
    agent: User, team: Team, customer: Customer, other_customer: Customer, q: str
) -> None:
    theirs = [make(agent, team, customer, "Kartu ditolak") for _ in range(2)]
    make(agent, team, other_customer, "Kartu ditolak")
    response = logged(agent).get("/inbox/", {"q": q, "view": "all"})
    html = response.content.decode()
    assert ids_on(html) == [theirs[1].pk, theirs[0].pk]
    assert f'data-customer="{customer.pk}"' in html  # the customer, linked


def test_name_and_text_merge_customer_first(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    mentions = make(agent, team, other_customer, "Titip pesan untuk Budi")  # newer ...
    own = make(agent, team, customer, "Barang rusak")
    newest_mention = make(agent, team, other_customer, "Budi menelepon lagi")
    html = logged(agent).get("/inbox/", {"q": "budi", "view": "all"}).content.decode()
    # ... but the customer's own ticket comes first.
    assert ids_on(html) == [own.pk, newest_mention.pk, mentions.pk]
    assert "Budi Santoso" in html and "Pelanggan yang cocok" in html


def test_search_pages_run_through_every_segment_once(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    own = [make(agent, team, customer, "Budi: refund") for _ in range(20)]
    text = [make(agent, team, other_customer, "Kabar dari Budi") for _ in range(20)]
    c = logged(agent)
    seen: list[int] = []
    url: str | None = "/inbox/?view=all&q=budi"
    while url:
        response = c.get(url)
        seen += ids_on(response.content.decode())
        url = response.context["next_url"] and "/inbox/" + response.context["next_url"]
    assert seen == [t.pk for t in reversed(own)] + [t.pk for t in reversed(text)]


def test_a_bad_cursor_is_refused_politely(agent: User, ticket: Ticket) -> None:
    response = logged(agent).get("/inbox/", {"q": "paket", "view": "all", "cursor": "zz"})
    assert response.status_code == 200
    assert "Halaman tidak valid" in response.content.decode()


def test_a_new_search_looks_in_every_view(agent: User, team: Team, customer: Customer) -> None:
    html = logged(agent).get("/inbox/").content.decode()
    assert '<input type="hidden" name="view" value="all">' in html
    assert "nomor tiket" in html  # the placeholder says what the box finds


def test_search_runs_a_bounded_number_of_queries(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    def count(q: str) -> int:
        """The fewer of two warm reads: the views' counts are cached for seconds, which a
        loaded machine can spend between two reads, and their expiry adds statements to one
        read; a statement per ticket would be in both."""
        c = logged(agent)
        c.get("/inbox/", {"q": q, "view": "all"})  # warm: session, counts cache
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                assert c.get("/inbox/", {"q": q, "view": "all"}).status_code == 200
            counts.append(len(ctx.captured_queries))
        return min(counts)

    make(agent, team, customer, "Budi refund")
    make(agent, team, other_customer, "Kabar Budi")
    few = {q: count(q) for q in ("budi", "0812-3456-7890", "refund")}
    for _ in range(15):
        make(agent, team, customer, "Budi refund")
        make(agent, team, other_customer, "Kabar Budi")
    many = {q: count(q) for q in few}
    assert few == many
    # session+user, teams, staff, customers by contact/name, per segment rows + tags; the
    # full text's estimate and, for a word its statistics do not call common, its index read
    assert many["budi"] <= 14
    assert many["0812-3456-7890"] <= 11
    assert many["refund"] <= 12


def test_customer_list_finds_a_phone_in_any_format(
    agent: User, customer: Customer, other_customer: Customer
) -> None:
    wa = customer_create(
        name="Andi Wijaya", contacts=[ContactIn("whatsapp", "6281399998888", verified=True)]
    )
    c = logged(agent)
    for q, who in [
        ("0812-3456-7890", customer),
        ("+62 812 3456 7890", customer),
        ("6281234567890", customer),
        ("0813 9999 8888", wa),
        ("BUDI@CONTOH.ID", customer),
        ("rahma", other_customer),
    ]:
        html = c.get("/customers/", {"q": q}).content.decode()
        found = [int(x) for x in re.findall(r'href="/customers/(\d+)/"', html)]
        assert found == [who.pk], q
