"""No page sends the browser off-site after a POST (issue "Trust", finding 10): a ``next``
field or a Referer pointing elsewhere falls back to the page's own default."""

from __future__ import annotations

import pytest
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db

EVIL = ["https://phish.example/masuk", "//phish.example/masuk", "https:phish.example"]


def logged(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("target", EVIL)
def test_bulk_actions_and_their_undo_stay_on_the_site(
    supervisor: User, ticket: Ticket, team: Team, target: str
) -> None:
    c = logged(supervisor)
    data = {"tickets": [ticket.pk], "action": "tag", "tag": "cek", "confirmed": "1"}
    done = c.post("/inbox/bulk/", {**data, "next": target})
    assert done.status_code == 302 and done["Location"] == "/inbox/"
    undo = c.post("/inbox/bulk/undo/", {"next": target})
    assert undo.status_code == 302 and undo["Location"] == "/inbox/"
    kept = c.post("/inbox/bulk/", {**data, "next": "/inbox/?view=mine"})
    assert kept["Location"] == "/inbox/?view=mine"  # a local page is still honoured


@pytest.mark.parametrize("target", EVIL)
def test_the_call_form_does_not_follow_a_foreign_referer(agent: User, target: str) -> None:
    response = logged(agent).post("/calls/start/", {}, HTTP_REFERER=target)
    assert response.status_code in (302, 303)
    assert response["Location"] == "/inbox/"


@pytest.mark.parametrize("target", EVIL)
def test_the_agent_status_form_stays_on_the_site(agent: User, target: str) -> None:
    response = logged(agent).post("/agen/status/", {"status": "online", "next": target})
    assert response["Location"] == "/inbox/"
