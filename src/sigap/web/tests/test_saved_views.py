"""Personal saved views of the inbox and the filters that search as you type: only the
owner sees, renames or deletes a view; lookups answer only what the user may see; the
inbox's queries do not grow with saved views or chosen filters."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket
from sigap.web.models import SavedView
from sigap.web.saved_views import clean_query

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_clean_query_keeps_filters_and_sort_only() -> None:
    kept = clean_query("view=all&sort=priority&status=new&status=open&cursor=abc&evil=1&q=")
    assert kept == "view=all&sort=priority&status=new&status=open"


def test_an_agent_saves_and_opens_a_view(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    response = c.post(
        "/inbox/views/",
        {"name": "Keluhan WA", "query": "view=all&channel=whatsapp&sort=priority&cursor=x"},
    )
    view = SavedView.objects.get(owner=agent)
    assert view.name == "Keluhan WA" and view.query == "view=all&sort=priority&channel=whatsapp"
    assert response.status_code == 302
    assert response["Location"] == f"/inbox/?{view.query}&saved={view.pk}"
    page = c.get(response["Location"])
    html = page.content.decode()
    assert f'data-saved-view="{view.pk}"' in html and "Keluhan WA" in html
    assert str(ticket.pk) in re.findall(r'data-ticket="(\d+)"', html)
    assert page.context["sort"] == "priority" and page.context["view"] == "all"


def test_bad_names_are_refused_precisely_and_the_filters_stay(agent: User) -> None:
    c = logged(agent)
    empty = c.post("/inbox/views/", {"name": " ", "query": "view=all&status=new"})
    assert empty["Location"] == "/inbox/?view=all&status=new"
    assert "Beri nama tampilan ini" in c.get(empty["Location"]).content.decode()
    SavedView.objects.create(owner=agent, name="Penting", query="")
    twice = c.post("/inbox/views/", {"name": "penting", "query": "view=due"})
    assert twice["Location"] == "/inbox/?view=due"
    assert "sudah punya tampilan bernama" in c.get(twice["Location"]).content.decode()
    assert SavedView.objects.filter(owner=agent).count() == 1


def test_a_view_of_x_is_invisible_and_unchangeable_to_y(agent: User, outsider_agent: User) -> None:
    mine = SavedView.objects.create(owner=agent, name="Punya Rina", query="view=all")
    other = logged(outsider_agent)
    html = other.get("/inbox/").content.decode()
    assert "Punya Rina" not in html and f'data-saved-view="{mine.pk}"' not in html
    html = other.get(f"/inbox/?saved={mine.pk}").content.decode()
    assert "Punya Rina" not in html
    assert other.post(f"/inbox/views/{mine.pk}/rename/", {"name": "Curian"}).status_code == 404
    assert other.post(f"/inbox/views/{mine.pk}/delete/").status_code == 404
    mine.refresh_from_db()
    assert mine.name == "Punya Rina"
    # the owner renames and deletes it
    c = logged(agent)
    c.post(f"/inbox/views/{mine.pk}/rename/", {"name": "Semua"})
    mine.refresh_from_db()
    assert mine.name == "Semua"
    c.post(f"/inbox/views/{mine.pk}/delete/")
    assert not SavedView.objects.filter(pk=mine.pk).exists()


def test_customers_are_sent_to_the_portal(customer_user: User, customer: Customer) -> None:
    c = logged(customer_user)
    assert c.post("/inbox/views/", {"name": "x"})["Location"] == "/portal/"
    assert c.get("/inbox/lookup/customer/?q=Budi")["Location"] == "/portal/"


def lookup(user: User, kind: str, q: str, base: str = "") -> str:
    response = logged(user).get(f"/inbox/lookup/{kind}/", {"q": q, "base": base})
    assert response.status_code == 200
    return response.content.decode()


def test_lookups_find_by_name_and_link_with_ids(
    agent: User, team: Team, customer: Customer
) -> None:
    html = lookup(agent, "customer", "budi", base="view=all&status=new&cursor=zz")
    assert "Budi Santoso" in html
    assert f'href="?view=all&amp;status=new&amp;customer={customer.pk}"' in html
    assert "cursor" not in html
    assert "Pengiriman" in lookup(agent, "team", "giri")
    assert f"assignee={agent.pk}" in lookup(agent, "agent", "rina")
    assert "minimal 2 huruf" in lookup(agent, "team", "k")
    assert logged(agent).get("/inbox/lookup/password/", {"q": "ab"}).status_code == 404


def test_lookups_answer_only_what_the_user_may_see(
    agent: User, outsider_agent: User, team: Team, other_team: Team, supervisor: User
) -> None:
    # Agents: their own teams and the people in them; not another team or its agents.
    assert "Pembayaran" not in lookup(agent, "team", "Pem")
    assert "Dodi" not in lookup(agent, "agent", "dod")
    assert "Sari" in lookup(agent, "agent", "sar")  # their team's supervisor
    # Supervisors see every team and every agent.
    assert "Pembayaran" in lookup(supervisor, "team", "Pem")
    assert "Dodi" in lookup(supervisor, "agent", "dod")


def test_chosen_filters_show_names_with_a_way_to_remove_them(
    agent: User, team: Team, customer: Customer, ticket: Ticket
) -> None:
    html = logged(agent).get(f"/inbox/?view=all&customer={customer.pk}").content.decode()
    assert 'data-chosen="customer">Budi Santoso' in html
    assert 'href="?view=all"' in html  # removes the customer filter
    assert "Pelanggan (ID)" not in html


def test_inbox_queries_do_not_grow_with_saved_views_and_chosen_filters(
    agent: User, team: Team, customer: Customer, ticket: Ticket
) -> None:
    c = logged(agent)
    url = f"/inbox/?view=all&customer={customer.pk}&team={team.pk}&assignee={agent.pk}"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    c.get(url)  # warm the per-process caches
    one = count()
    for i in range(10):
        SavedView.objects.create(owner=agent, name=f"Tampilan {i}", query=f"view=all&tag=t{i}")
    c.get(url)  # the saved views read again once (their cached list was dropped)
    assert count() == one


def test_saved_views_come_from_the_cache_and_follow_each_change(agent: User) -> None:
    c = logged(agent)

    def inbox() -> tuple[str, bool]:
        with CaptureQueriesContext(connection) as ctx:
            html = c.get("/inbox/").content.decode()
        return html, any('"web_savedview"' in q["sql"] for q in ctx.captured_queries)

    inbox()
    assert inbox()[1] is False  # the second page: from the cache
    c.post("/inbox/views/", {"name": "Keluhan WA", "query": "view=all&channel=whatsapp"})
    html, read = inbox()
    assert "Keluhan WA" in html and read
    view = SavedView.objects.get(owner=agent)
    c.post(f"/inbox/views/{view.pk}/rename/", {"name": "WA saja"})
    html = inbox()[0]
    assert re.search(rf'data-saved-view="{view.pk}"[^>]*>WA saja</a>', html)
    assert "Keluhan WA" not in html
    c.post(f"/inbox/views/{view.pk}/delete/")
    assert f'data-saved-view="{view.pk}"' not in inbox()[0]
