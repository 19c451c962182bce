"""Keyset (cursor) pagination on ``id`` descending: page N costs what page 1 costs."""

from __future__ import annotations

import base64
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from sigap.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("Cursor tidak valid.", fields={"cursor": ["Tidak valid."]}) from exc


def page(qs: QuerySet[M], *, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(
            f"limit harus 1–{MAX_LIMIT}.", fields={"limit": [f"Antara 1 dan {MAX_LIMIT}."]}
        )
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows = list(qs.order_by("-pk")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def as_page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}
