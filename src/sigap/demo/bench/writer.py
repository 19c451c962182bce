"""Bulk rows for bench-seed: ``COPY`` on PostgreSQL, ``executemany`` on SQLite, every column
of the models written (``columns_of``), so the seeder cannot drift from them."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone


def weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> list[str]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights, k=1000)


class Writer:
    """Bulk rows into a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.timings: dict[str, float] = {}

    def write_rows(self, model: type[Model], rows: Iterable[dict[str, Any]]) -> None:
        """Rows of ``model`` given by field (``attname``): every column of the model is
        written, a field the row leaves out gets its default (or NULL), and a required one
        left out is an error, so the seeder cannot drift from the models."""
        spec = columns_of(model)
        self.write(
            model._meta.db_table,
            [column for column, _, _ in spec],
            (tuple(_value(row, attname, default) for _, attname, default in spec) for row in rows),
        )

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        started = time.monotonic()
        self._write(table, columns, rows)
        self.timings[table] = self.timings.get(table, 0.0) + time.monotonic() - started

    def _write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        cols = ", ".join(columns)
        with connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor  # psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(rows))

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return int(cursor.fetchone()[0]) + 1

    def fix_sequence(self, table: str) -> None:
        if not self.pg:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


_REQUIRED = object()


def columns_of(model: type[Model]) -> list[tuple[str, str, Any]]:
    """``(column, attname, default)`` of every concrete field of ``model``."""
    spec = []
    for field in model._meta.concrete_fields:
        if field.has_default():
            default = field.get_default()
            if isinstance(field, JSONField):
                default = json.dumps(default)
        elif field.null:
            default = None
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = timezone.now()
        else:
            default = _REQUIRED
        spec.append((str(field.column), field.attname, default))
    return spec


def _value(row: dict[str, Any], attname: str, default: Any) -> Any:
    if attname in row:
        return row[attname]
    if default is _REQUIRED:
        raise KeyError(f"bench-seed: no value for the required column {attname!r}")
    return default


def json_value(value: Any, pg: bool) -> Any:
    """JSON column value for the writer."""
    return json.dumps(value) if value is not None else None
