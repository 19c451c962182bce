"""The shared test world's parts as plain functions (conftest.py's docstring names them).

conftest.py's fixtures make them one by one for each test that asks; a module or class
whose tests only read a world makes it once, inside ``made_once`` (the API contract's, the
English pages', the search classes'), and calls them itself. ``fresh_memos`` is the caches'
and memos' state every test starts from (conftest.py's ``_fresh_cache``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services
from sigap.tickets.models import Ticket

USERS: dict[str, dict[str, Any]] = {
    "admin": {"username": "admin", "password": "rahasia-admin", "role": Role.ADMIN},
    "supervisor": {
        "username": "sari.spv",
        "password": "rahasia-spv",
        "role": Role.SUPERVISOR,
        "first_name": "Sari",
    },
    "agent": {
        "username": "rina.agen",
        "password": "rahasia-agen",
        "role": Role.AGENT,
        "first_name": "Rina",
    },
    "outsider_agent": {
        "username": "dodi.agen",
        "password": "rahasia-agen",
        "role": Role.AGENT,
        "first_name": "Dodi",
    },
    "other_supervisor": {
        "username": "yusuf.spv",
        "password": "rahasia-spv",
        "role": Role.SUPERVISOR,
    },
    "customer_user": {
        "username": "budi@contoh.id",
        "password": "rahasia-budi",
        "role": Role.CUSTOMER,
    },
    "other_customer_user": {
        "username": "siti@contoh.id",
        "password": "rahasia-siti",
        "role": Role.CUSTOMER,
    },
}


def make_user(name: str) -> User:
    return user_create(**USERS[name])


def make_team(supervisor: User, agent: User) -> Team:
    return team_create(name="Pengiriman", slug="pengiriman", supervisor=supervisor, members=[agent])


def make_other_team(other_supervisor: User, outsider_agent: User) -> Team:
    return team_create(
        name="Pembayaran", slug="pembayaran", supervisor=other_supervisor, members=[outsider_agent]
    )


def make_customer(customer_user: User) -> Customer:
    return customer_create(
        name="Budi Santoso",
        loyalty_tier="gold",
        contacts=[ContactIn("email", "budi@contoh.id"), ContactIn("phone", "0812-3456-7890")],
        user=customer_user,
    )


def make_other_customer(other_customer_user: User) -> Customer:
    return customer_create(
        name="Siti Rahmawati",
        contacts=[ContactIn("email", "siti@contoh.id")],
        user=other_customer_user,
    )


def make_ticket(agent: User, team: Team, customer: Customer) -> Ticket:
    return services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="whatsapp",
        subject="Paket belum sampai sejak seminggu",
        description="Halo min, paket saya BLJ-2026-104233 gak sampai-sampai, udah 7 hari.",
        category="service",
        severity="sederhana",
        team=team,
        assignee=agent,
        tags=["paket-terlambat"],
    )


def make_other_ticket(outsider_agent: User, other_team: Team, other_customer: Customer) -> Ticket:
    return services.ticket_create(
        actor=outsider_agent,
        customer=other_customer,
        kind="complaint",
        channel="email",
        subject="Saldo terpotong dua kali",
        description="Saldo saya terpotong dua kali untuk pesanan yang sama sebesar Rp 249.000.",
        category="mechanical",
        severity="kompleks",
        team=other_team,
        assignee=outsider_agent,
    )


def fresh_memos(*, every: bool) -> tuple[Any, ...]:
    """The caches and memos as a test starts with them (conftest.py's ``_fresh_cache``):
    the cache emptied, the signed-in users and the directory forgotten, no business row,
    edited message text or stored messaging connection; with ``every``, the memos loaded
    from the database (the SLA book, webhooks, automation rules, canned responses,
    brands) forgotten too. Returns those memos."""
    from django.core.cache import cache

    from sigap.accounts import brands, business, directory, message_templates, middleware
    from sigap.automations import engine
    from sigap.connectors import conf
    from sigap.sla import book
    from sigap.tickets import canned
    from sigap.webhooks import outbox

    memos = (book._book, outbox._hooks, engine._rules, canned.memo, brands.memo)
    cache.clear()
    middleware.forget_here()  # the signed-in users kept in memory, by id
    # the teams and staff by name: nearly every test makes users, so reloaded in each
    # (one statement at its first use)
    directory.memo.forget()
    # every test starts with no business row (not made by a migration): known without a
    # query, so a page's statement count does not depend on which test ran before
    business.memo.hold(business.NO_BUSINESS)
    # no edited message texts either (a test that saves one reloads them: its signals)
    message_templates.memo.hold(message_templates.NONE)
    # no messaging connection set up on the settings page either (the brands' own ones are
    # looked for on every reply)
    conf.stored.hold(conf.NOTHING_STORED)
    if every:
        for memo in memos:
            memo.forget()
    return memos


@contextmanager
def made_once(django_db_blocker: Any) -> Iterator[None]:
    """For a world made once for a module or a class and shared by its tests: made in a
    transaction rolled back at the end, each test running in a savepoint inside it (the
    ``db`` fixture's), rolled back after the test as ever. It is made before its first
    test's ``_fresh_cache`` runs, and rolled back after its last one: the memos are
    forgotten at both ends, so that none carries a row of an earlier test, or of the
    world, past them."""
    with django_db_blocker.unblock(), transaction.atomic():
        fresh_memos(every=True)
        yield
        transaction.set_rollback(True)
    fresh_memos(every=True)
