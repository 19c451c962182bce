"""The signed-in user of a session comes from memory (``accounts.middleware``), and every
change that must end or alter a session still does at the next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts import middleware, sessions
from sigap.accounts import services as accounts
from sigap.accounts.models import Role, User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def user_reads(client: Client) -> tuple[int, int]:
    """(status of ``/api/v1/me``, statements that read the users' table)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/me")
    reads = [q for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    return response.status_code, len(reads)


@pytest.fixture
def kept_long(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow first request (imports, a busy machine) must not outlast the cache time."""
    monkeypatch.setattr(accounts, "TOKEN_CACHE_SECONDS", 600.0)


def test_the_user_is_read_once_then_kept(agent: User, kept_long: None) -> None:
    client = signed_in(agent)

    assert user_reads(client) == (200, 1)
    assert user_reads(client) == (200, 0)
    assert client.get("/api/v1/me").json()["username"] == "rina.agen"


def test_a_deactivated_account_is_signed_out_at_once(agent: User) -> None:
    client = signed_in(agent)
    assert user_reads(client) == (200, 1)

    agent.is_active = False
    agent.save()

    assert client.get("/api/v1/me").status_code == 401


def test_a_new_role_is_seen_at_once(agent: User) -> None:
    client = signed_in(agent)
    assert client.get("/api/v1/me").json()["role"] == "agent"

    agent.role = Role.SUPERVISOR
    agent.save()

    assert client.get("/api/v1/me").json()["role"] == "supervisor"


def test_a_new_password_ends_the_other_sessions(agent: User) -> None:
    client = signed_in(agent)
    assert user_reads(client) == (200, 1)

    agent.set_password("kata-sandi-baru-123")
    agent.save()

    assert client.get("/api/v1/me").status_code == 401


def test_ending_every_session_signs_the_browser_out_at_once(agent: User) -> None:
    client = signed_in(agent)
    assert user_reads(client) == (200, 1)

    sessions.end_all(agent)  # moves the session epoch on with update(): no signal

    assert client.get("/api/v1/me").status_code == 401


def test_a_change_made_elsewhere_is_seen_after_the_cache_time(
    agent: User, kept_long: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(agent)
    assert user_reads(client) == (200, 1)
    # Another process deactivates the account without a signal reaching this one.
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 200  # still kept here

    monkeypatch.setattr(accounts, "TOKEN_CACHE_SECONDS", 0.0)

    assert client.get("/api/v1/me").status_code == 401


def test_each_request_gets_its_own_user_instance(agent: User) -> None:
    first, second = middleware.cached_user(agent.pk), middleware.cached_user(agent.pk)

    assert first is not None and second is not None
    assert first == second and first is not second


def test_a_missing_account_is_nobody(agent: User) -> None:
    client = signed_in(agent)
    assert user_reads(client) == (200, 1)

    pk = agent.pk
    agent.delete()

    assert client.get("/api/v1/me").status_code == 401
    assert middleware.cached_user(pk) is None
