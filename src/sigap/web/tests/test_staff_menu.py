"""The staff menu's own state (unread notifications, the agent's status) comes from one
per-user cache entry that the services changing it drop (core.menucache, decision 0009)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.accounts.models import User
from sigap.core import menucache
from sigap.notifications.models import Notification
from sigap.notifications.services import mark_read, notify_many
from sigap.tickets.models import Ticket
from sigap.triage.models import AgentProfile, AgentStatus
from sigap.triage.routing import set_status

pytestmark = pytest.mark.django_db

MENU_TABLES = ('"notifications_notification"', '"triage_agentprofile"')


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def menu(c: Client) -> tuple[str, str, list[str]]:
    """(unread count shown, status selected, the statements the page sent)."""
    with CaptureQueriesContext(connection) as queries:
        response = c.get("/inbox/")
    assert response.status_code == 200
    html = response.content.decode()
    unread = re.search(r"data-unread>([^<]*)</span>", html)
    status = re.search(r'<option value="(\w+)" selected>', html.split('id="agent-status"')[1])
    assert unread and status
    return unread.group(1), status.group(1), [q["sql"] for q in queries.captured_queries]


def reads_menu_tables(sql: list[str]) -> bool:
    return any(table in q for q in sql for table in MENU_TABLES)


def test_the_menu_is_read_once_then_follows_each_change(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    assert menu(c)[:2] == ("", AgentStatus.ONLINE)  # read from the database, then stored
    unread, status, sql = menu(c)
    assert (unread, status) == ("", AgentStatus.ONLINE)
    assert not reads_menu_tables(sql)  # from the cache: no statement for either
    assert menucache.get(agent.pk) == {"unread": 0, "status": AgentStatus.ONLINE}

    notify_many([(agent.pk, ticket.pk, "customer_replied", "Balasan baru")])
    assert menu(c)[0] == "1"
    notify_many([(agent.pk, None, "mention", "Disebut")])
    assert menu(c)[0] == "2"
    mark_read(agent.pk)
    assert menu(c)[0] == ""

    set_status(agent, AgentStatus.AWAY)
    assert menu(c)[1] == AgentStatus.AWAY
    # saved elsewhere (the admin): its post_save drops the entry too
    profile = AgentProfile.objects.get(user=agent)
    profile.status = AgentStatus.OFFLINE
    profile.save()
    assert menu(c)[1] == AgentStatus.OFFLINE
    Notification.objects.create(
        user=agent, kind="mention", text="Dari admin", created_at=timezone.now()
    )
    assert menu(c)[0] == "1"


def test_one_users_change_leaves_the_others_entry(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    mine, theirs = logged(agent), logged(supervisor)
    menu(mine), menu(theirs)
    notify_many([(supervisor.pk, ticket.pk, "customer_replied", "Balasan")])
    assert menucache.get(agent.pk) is not None and menucache.get(supervisor.pk) is None
    assert menu(mine)[0] == "" and menu(theirs)[0] == "1"


def test_without_a_shared_cache_the_menu_reads_the_database(
    agent: User, ticket: Ticket, settings: Any
) -> None:
    settings.STAFF_MENU_CACHE = False  # a per-process cache would miss the worker's writes
    c = logged(agent)
    menu(c)
    unread, _status, sql = menu(c)
    assert reads_menu_tables(sql) and unread == ""
    assert cache.get(menucache.key(agent.pk)) is None
    notify_many([(agent.pk, ticket.pk, "customer_replied", "Balasan")])
    assert menu(c)[0] == "1"


def test_a_fragment_without_the_menu_reads_nothing_of_it(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    c.get("/inbox/")
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert c.get(f"/tickets/{ticket.pk}/?part=side").status_code == 200
    assert not reads_menu_tables([q["sql"] for q in queries.captured_queries])
