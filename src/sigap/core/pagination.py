"""Keyset (cursor) pagination on ``id`` descending: page N costs what page 1 costs."""

from __future__ import annotations

import base64
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext

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
        raise ValidationFailed(
            gettext("Cursor tidak valid."), fields={"cursor": [gettext("Tidak valid.")]}
        ) from exc


def page(qs: QuerySet[M], *, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(
            gettext("limit harus 1–%(max)s.") % {"max": MAX_LIMIT},
            fields={"limit": [gettext("Antara 1 dan %(max)s.") % {"max": MAX_LIMIT}]},
        )
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows = list(qs.order_by("-pk")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def as_page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


def encode_segment_cursor(segment: int, last_id: int) -> str:
    raw = f"seg:{segment}:{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_segment_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, segment, last_id = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        if kind != "seg":
            raise ValueError(kind)
        return int(segment), int(last_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            gettext("Cursor tidak valid."), fields={"cursor": [gettext("Tidak valid.")]}
        ) from exc


def page_segments(
    segments: list[QuerySet[M]], *, cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """One page over several querysets in turn (a search's ranked parts: the exact match,
    then the next best, …), each ``id`` descending; ``cursor`` says where in which part.
    A part is read only when the earlier ones did not fill the page."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(
            gettext("limit harus 1–%(max)s.") % {"max": MAX_LIMIT},
            fields={"limit": [gettext("Antara 1 dan %(max)s.") % {"max": MAX_LIMIT}]},
        )
    start, after = decode_segment_cursor(cursor) if cursor else (0, 0)
    rows: list[M] = []
    for index in range(start, len(segments)):
        qs = segments[index]
        if index == start and after:
            qs = qs.filter(pk__lt=after)
        need = limit - len(rows)
        # A full page still asks the next part for one row: is there a next page?
        got = list(qs.order_by("-pk")[: need + 1])
        if len(got) > need:
            rows += got[:need]
            return rows, encode_segment_cursor(index, rows[-1].pk if need else 0)
        rows += got
    return rows, None
