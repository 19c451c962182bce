"""Merge, split and links from the ticket page, and merging customers with a picker:
who may, what the pages show, errors that keep the input, and their query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services
from sigap.tickets.models import Message, Status, Ticket, TicketLink
from sigap.web.tests.pages import ticket_html

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def source(agent: User, team: Team, customer: Customer) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject="Tanya status paket lagi",
        description="Paket BLJ-2026-104233 belum datang juga.",
        team=team,
        assignee=agent,
    )


def test_the_picker_finds_the_customers_other_open_tickets(
    agent: User, ticket: Ticket, source: Ticket, other_ticket: Ticket
) -> None:
    c = logged(agent)
    page = ticket_html(c, ticket.pk)
    assert 'id="merge-q"' in page and f"/tickets/{ticket.pk}/merge/search/" in page
    for q in ("", source.reference, str(source.pk), "status paket"):
        found = text(c.get(f"/tickets/{ticket.pk}/merge/search/", {"q": q}))
        assert f'data-merge-candidate="{source.pk}"' in found, q
        assert other_ticket.reference not in found
    nothing = text(c.get(f"/tickets/{ticket.pk}/merge/search/", {"q": "saldo"}))
    assert "data-merge-candidate" not in nothing and "Tidak ada tiket terbuka lain" in nothing


def test_merge_from_the_page_confirms_then_moves_and_points(
    agent: User, ticket: Ticket, source: Ticket
) -> None:
    c = logged(agent)
    confirm = c.get(f"/tickets/{ticket.pk}/merge/", {"other": source.pk})
    assert confirm.status_code == 200
    body = text(confirm)
    assert f"{source.reference} digabung ke {ticket.reference}" in body
    assert "1 pesan" in body and 'name="notice"' in body
    response = c.post(
        f"/tickets/{ticket.pk}/merge/", {"other": source.pk, "notice": "Kak, kami satukan ya."}
    )
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    source.refresh_from_db()
    assert source.merged_into_id == ticket.pk and source.status == Status.CLOSED
    assert Message.objects.filter(ticket=ticket, body="Kak, kami satukan ya.").count() == 2
    retired = ticket_html(c, source.pk)
    assert f'data-merged-into="{ticket.pk}"' in retired and ticket.reference in retired
    assert 'id="merge-q"' not in retired
    kept = text(c.get(f"/tickets/{ticket.pk}/links/list/"))
    assert f'Gabungan dari: <a href="/tickets/{source.pk}/">{source.reference}</a>' in kept


def test_keep_the_other_ticket_instead(agent: User, ticket: Ticket, source: Ticket) -> None:
    c = logged(agent)
    body = text(c.get(f"/tickets/{ticket.pk}/merge/", {"other": source.pk, "keep": "other"}))
    assert f"{ticket.reference} digabung ke {source.reference}" in body
    c.post(f"/tickets/{ticket.pk}/merge/", {"other": source.pk, "keep": "other"})
    ticket.refresh_from_db()
    assert ticket.merged_into_id == source.pk


def test_another_customers_ticket_is_refused_with_the_reason(
    admin: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    c = logged(admin)
    response = c.get(f"/tickets/{ticket.pk}/merge/", {"other": other_ticket.pk})
    assert response.status_code == 422
    assert "pelanggan yang sama" in text(response) and 'id="form-merge"' not in text(response)
    response = c.post(f"/tickets/{ticket.pk}/merge/", {"other": other_ticket.pk})
    assert response.status_code == 422 and "pelanggan yang sama" in text(response)
    other_ticket.refresh_from_db()
    assert other_ticket.merged_into_id is None


def test_another_teams_agent_gets_404_everywhere(
    outsider_agent: User, agent: User, ticket: Ticket, source: Ticket
) -> None:
    c = logged(outsider_agent)
    inbound = Message.objects.filter(ticket=ticket, kind="inbound").first()
    assert inbound is not None
    for url in (
        f"/tickets/{ticket.pk}/merge/?other={source.pk}",
        f"/tickets/{ticket.pk}/merge/search/?q=paket",
        f"/tickets/{ticket.pk}/links/search/?q=paket",
        f"/tickets/{ticket.pk}/links/list/",
        f"/tickets/{ticket.pk}/split/{inbound.pk}/",
    ):
        assert c.get(url).status_code == 404, url
    for url, data in (
        (f"/tickets/{ticket.pk}/merge/", {"other": source.pk}),
        (f"/tickets/{ticket.pk}/links/", {"other": source.pk}),
        (f"/tickets/{ticket.pk}/links/{source.pk}/remove/", {}),
        (f"/tickets/{ticket.pk}/split/{inbound.pk}/", {"subject": "X"}),
    ):
        assert c.post(url, data).status_code == 404, url
    # and a ticket of their own cannot reach into one they may not see
    own = services.ticket_create(
        actor=outsider_agent,
        customer=ticket.customer,
        kind="inquiry",
        channel="email",
        subject="Punya tim lain",
        description="x",
    )
    assert c.get(f"/tickets/{own.pk}/merge/", {"other": ticket.pk}).status_code == 404
    assert c.post(f"/tickets/{own.pk}/links/", {"other": ticket.pk}).status_code == 302
    assert not TicketLink.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).merged_into_id is None


def test_split_a_message_from_the_timeline(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    message = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Oh ya, saldo saya terpotong dua kali"
    )
    page = text(c.get(f"/tickets/{ticket.pk}/"))
    assert f'data-split="{message.pk}"' in page
    form = c.get(f"/tickets/{ticket.pk}/split/{message.pk}/")
    assert form.status_code == 200 and "saldo saya terpotong" in text(form)
    empty = c.post(f"/tickets/{ticket.pk}/split/{message.pk}/", {"subject": "  "})
    assert empty.status_code == 422 and "Subjek tiket baru wajib diisi" in text(empty)
    response = c.post(f"/tickets/{ticket.pk}/split/{message.pk}/", {"subject": "Saldo terpotong"})
    new = Ticket.objects.get(subject="Saldo terpotong")
    assert response.status_code == 302 and response["Location"] == f"/tickets/{new.pk}/"
    assert f'Dipisah dari: <a href="/tickets/{ticket.pk}/">' in text(
        c.get(f"/tickets/{new.pk}/links/list/")
    )
    reply = services.message_add(actor=agent, ticket=ticket, kind="reply", body="Baik")
    assert c.get(f"/tickets/{ticket.pk}/split/{reply.pk}/").status_code == 404


def test_link_and_unlink_from_the_card(agent: User, ticket: Ticket, source: Ticket) -> None:
    c = logged(agent)
    found = text(c.get(f"/tickets/{ticket.pk}/links/search/", {"q": source.reference}))
    assert f'name="other" value="{source.pk}"' in found
    assert c.post(f"/tickets/{ticket.pk}/links/", {"other": source.pk}).status_code == 302
    page = text(c.get(f"/tickets/{source.pk}/links/list/"))
    assert f'Terkait: <a href="/tickets/{ticket.pk}/">' in page
    bad = c.post(f"/tickets/{ticket.pk}/links/", {"other": "abc"}, follow=True)
    assert "Pilih tiket yang akan ditautkan." in text(bad)
    c.post(f"/tickets/{source.pk}/links/{ticket.pk}/remove/")
    assert not TicketLink.objects.exists()


def test_the_links_card_costs_the_ticket_page_nothing_and_its_list_a_constant(
    agent: User, team: Team, customer: Customer, ticket: Ticket, source: Ticket
) -> None:
    c = logged(agent)
    c.get(f"/tickets/{ticket.pk}/")  # the session's first page: not counted
    with CaptureQueriesContext(connection) as bare:
        c.get(f"/tickets/{ticket.pk}/?part=side")  # the links card is in the side column
    services.ticket_link(actor=agent, ticket=ticket, other=source)
    with CaptureQueriesContext(connection) as one:
        c.get(f"/tickets/{ticket.pk}/links/list/")
    for i in range(5):
        more = services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject=f"Tanya {i}",
            description="x",
            team=team,
        )
        services.ticket_link(actor=agent, ticket=ticket, other=more)
    with CaptureQueriesContext(connection) as six:
        card = text(c.get(f"/tickets/{ticket.pk}/links/list/"))
    assert card.count('data-link="related"') == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 8
    with CaptureQueriesContext(connection) as linked:
        page = text(c.get(f"/tickets/{ticket.pk}/?part=side"))
    assert f"/tickets/{ticket.pk}/links/list/" in page
    assert len(linked.captured_queries) == len(bare.captured_queries)


def test_merge_pages_query_counts(
    agent: User,
    team: Team,
    customer: Customer,
    ticket: Ticket,
    source: Ticket,
    django_assert_max_num_queries: object,
) -> None:
    c = logged(agent)
    for i in range(8):
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="inquiry",
            channel="email",
            subject=f"Tanya paket {i}",
            description="x",
            team=team,
        )
    c.get(f"/tickets/{ticket.pk}/merge/search/")
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        found = text(c.get(f"/tickets/{ticket.pk}/merge/search/", {"q": "paket"}))
    assert found.count("data-merge-candidate") == 9
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        c.get(f"/tickets/{ticket.pk}/merge/", {"other": source.pk})
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        c.get(f"/tickets/{ticket.pk}/links/search/", {"q": "paket"})
    inbound = Message.objects.filter(ticket=ticket, kind="inbound").first()
    assert inbound is not None
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        c.get(f"/tickets/{ticket.pk}/split/{inbound.pk}/")


# --- customers -------------------------------------------------------------------------


@pytest.fixture
def duplicate(db: None) -> Customer:
    return customer_create(
        name="Budi S.",
        contacts=[ContactIn("whatsapp", "+6281234567890"), ContactIn("email", "budi.s@contoh.id")],
    )


def test_customer_merge_picker_finds_by_name_phone_and_email(
    supervisor: User, customer: Customer, duplicate: Customer, other_customer: Customer
) -> None:
    c = logged(supervisor)
    page = text(c.get(f"/customers/{customer.pk}/"))
    assert 'id="cmerge-q"' in page
    for q in ("Budi S", "0812-3456", "+62812345", "budi.s@"):
        found = text(c.get(f"/customers/{customer.pk}/merge/search/", {"q": q}))
        assert f'data-customer-candidate="{duplicate.pk}"' in found, q
        assert f'data-customer-candidate="{customer.pk}"' not in found  # not itself
    none = text(c.get(f"/customers/{customer.pk}/merge/search/", {"q": "Siti"}))
    assert f'data-customer-candidate="{other_customer.pk}"' in none
    assert "paling sedikit 2" in text(c.get(f"/customers/{customer.pk}/merge/search/", {"q": "B"}))


def test_customer_merge_preview_then_confirm(
    supervisor: User, agent: User, customer: Customer, duplicate: Customer, ticket: Ticket
) -> None:
    c = logged(supervisor)
    preview = text(c.get(f"/customers/{customer.pk}/merge/", {"other": duplicate.pk}))
    assert "budi@contoh.id" in preview and "budi.s@contoh.id" in preview
    assert 'data-tickets="1"' in preview and 'data-tickets="0"' in preview
    assert "Gabungkan Budi S. ke Budi Santoso" in preview
    response = c.post(f"/customers/{customer.pk}/merge/", {"other": duplicate.pk})
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == customer.pk
    again = c.post(f"/customers/{customer.pk}/merge/", {"other": duplicate.pk})
    assert again.status_code == 404  # a merged record is retired: not found any more


def test_customer_merge_is_for_supervisors(
    agent: User, customer: Customer, duplicate: Customer
) -> None:
    c = logged(agent)
    assert 'id="cmerge-q"' not in text(c.get(f"/customers/{customer.pk}/"))
    assert c.get(f"/customers/{customer.pk}/merge/search/", {"q": "Budi"}).status_code == 403
    assert c.get(f"/customers/{customer.pk}/merge/", {"other": duplicate.pk}).status_code == 403
    assert c.post(f"/customers/{customer.pk}/merge/", {"other": duplicate.pk}).status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_customer_merge_pages_query_counts(
    supervisor: User,
    customer: Customer,
    duplicate: Customer,
    django_assert_max_num_queries: object,
) -> None:
    c = logged(supervisor)
    for i in range(6):
        customer_create(name=f"Budi {i}", contacts=[ContactIn("email", f"budi{i}@contoh.id")])
    c.get(f"/customers/{customer.pk}/merge/search/", {"q": "Budi"})
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        found = text(c.get(f"/customers/{customer.pk}/merge/search/", {"q": "Budi"}))
    assert found.count("data-customer-candidate") == 7
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        c.get(f"/customers/{customer.pk}/merge/", {"other": duplicate.pk})


def test_the_duplicates_page_leads_to_the_preview_without_typed_ids(
    supervisor: User, customer: Customer, duplicate: Customer
) -> None:
    page = text(logged(supervisor).get("/calls/customers/duplicates/"))
    assert 'name="target"' not in page and 'name="source"' not in page
    assert "/merge/?other=" in page and "Tinjau: gabungkan" in page
