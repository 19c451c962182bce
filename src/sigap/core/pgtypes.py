"""PostgreSQL's timestamps read by psycopg's C loader, not Django's Python one.

Django registers its own loader for ``timestamptz`` on every PostgreSQL connection
(``django.db.backends.postgresql.psycopg_any.BaseTzLoader``): a subclass of psycopg's
pure-Python ``TimestamptzLoader``, which parses each value with a regular expression and
then replaces its time zone with the connection's (UTC). So every timestamp read, on every
page, is parsed in Python even though psycopg's C implementation (``psycopg[binary]``)
has a loader for it: a list page of 25 tickets reads about a hundred of them (a tenth of
the API list's CPU; docs/decisions/0009, "eighth pass").

Django connects with the session's ``TimeZone`` set to UTC and expects aware datetimes in
``datetime.timezone.utc`` (its wrapper's ``timezone`` with ``USE_TZ`` and no
per-database ``TIME_ZONE``). psycopg's C loader returns exactly that for a UTC session,
so ``use_c_timestamptz_loader`` registers it, wrapped, in the adapters template every
connection of Django's (pooled or not) is made from. Anything else (another time zone,
no C implementation) keeps Django's loader.
"""

from __future__ import annotations

import datetime
from typing import Any


def use_c_timestamptz_loader() -> bool:
    """Register the C loader for Django's PostgreSQL connections; whether it did."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or connection.timezone is not datetime.UTC:
        return False
    import psycopg
    from django.db.backends.postgresql.psycopg_any import get_adapters_template

    if psycopg.pq.__impl__ == "python":
        return False
    template = get_adapters_template(settings.USE_TZ, connection.timezone)
    template.register_loader("timestamptz", _loader_class())
    return True


def _loader_class() -> type:
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    c_loader: Any = psycopg.adapters.get_loader(
        psycopg.adapters.types["timestamptz"].oid, Format.TEXT
    )

    class TimestamptzLoader(Loader):
        """psycopg's C ``timestamptz`` text loader (a final class: wrapped, not
        subclassed), with the ``timezone`` Django's cursors compare with their own."""

        timezone = datetime.UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._c_load = c_loader(oid, context).load
            # psycopg takes ``loader.load`` once per column: the C loader's own method
            # there, so each value is loaded with no Python frame between. In a UTC
            # session it answers in datetime.timezone.utc.
            self.load = self._c_load  # type: ignore[method-assign]

        def load(self, data: Any) -> Any:
            """The C loader's answer (the instance's ``load`` is that method itself)."""
            return self._c_load(data)

    return TimestamptzLoader
