"""PostgreSQL timestamps read by psycopg's C loader (core/pgtypes.py), as Django reads them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from sigap.core import pgtypes
from sigap.tickets.models import Ticket

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's loaders (SQLite has none)")
UTC = datetime.UTC


def _loader() -> Any:
    from psycopg.pq import Format

    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    loader: Any = connection.connection.adapters.get_loader(oid, Format.TEXT)
    return loader


@pytest.mark.django_db
def test_connections_read_timestamps_with_the_c_loader() -> None:
    loader = _loader()
    assert loader.__module__ == "sigap.core.pgtypes"
    instance = loader(1184, connection.connection)
    # psycopg's C implementation answers for each value, no Python frame of ours between
    assert type(instance.load.__self__).__module__ == "psycopg_binary._psycopg"
    # the class's own method, for a caller that takes it from the class, answers the same
    text = b"2026-12-07 10:04:05.5+00"
    assert loader.load(instance, text) == instance.load(text)
    assert loader.load(instance, text) == datetime.datetime(2026, 12, 7, 10, 4, 5, 500000, UTC)
    # Django's cursors compare its zone with theirs, and keep it when they agree
    assert loader.timezone is connection.timezone is UTC


@pytest.mark.django_db
def test_values_as_djangos_own_loader_gives_them() -> None:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT timestamptz '2026-12-07 17:04:05.123456+07', "
            "timestamptz '1999-01-01 00:00:00+00', NULL::timestamptz, "
            "timestamptz '2026-03-01 08:00:00.5 Asia/Jayapura'"
        )
        got = cursor.fetchone()
    assert got[0] == datetime.datetime(2026, 12, 7, 10, 4, 5, 123456, tzinfo=UTC)
    assert got[1] == datetime.datetime(1999, 1, 1, tzinfo=UTC)
    assert got[2] is None
    assert got[3] == datetime.datetime(2026, 2, 28, 23, 0, 0, 500000, tzinfo=UTC)
    assert all(value.tzinfo is UTC for value in got if value is not None)

    class Django(BaseTzLoader):  # type: ignore[misc]
        timezone = UTC

    django_loader = Django(1184, connection.connection)
    for text in (b"2026-12-07 10:04:05.123456+00", b"1999-01-01 00:00:00+00"):
        assert _loader()(1184, connection.connection).load(text) == django_loader.load(text)


@pytest.mark.django_db
def test_a_model_reads_and_writes_its_times_unchanged(ticket: Ticket) -> None:
    when = datetime.datetime(2026, 8, 17, 10, 45, 0, 250000, tzinfo=UTC)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=when)
    read = Ticket.objects.get(pk=ticket.pk)
    assert read.resolved_at == when
    assert read.resolved_at is not None and read.resolved_at.tzinfo is UTC
    assert read.created_at.tzinfo is UTC


def test_another_database_zone_keeps_djangos_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a per-database TIME_ZONE Django's own loader, with its zone, stays."""
    wib = datetime.timezone(datetime.timedelta(hours=7))
    monkeypatch.setitem(connections[DEFAULT_DB_ALIAS].__dict__, "timezone", wib)
    assert pgtypes.use_c_timestamptz_loader() is False
