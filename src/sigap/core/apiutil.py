"""Small helpers shared by the API routers (kept out of ``sigap.api`` to avoid cycles)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

# Parts of a validation error's location that name where, not what.
LOCATION_PARTS = frozenset({"body", "query", "path", "payload", "form", "filters"})


def field_errors(errors: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """pydantic/ninja errors -> ``{"field": ["message", ...]}`` for the error format."""
    fields: dict[str, list[str]] = {}
    for err in errors:
        parts = [str(p) for p in err.get("loc", []) if p not in LOCATION_PARTS]
        fields.setdefault(".".join(parts) or "body", []).append(str(err.get("msg")))
    return fields


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(BaseModel):
    """Bentuk satu-satunya untuk setiap galat API: ``code`` yang stabil, ``message`` dalam
    bahasa Indonesia, dan ``fields`` (kolom -> pesan; kosong bila tidak ada)."""

    error: ErrorDetail


UNSTORABLE = gettext_lazy("Tidak boleh berisi karakter NUL atau surrogate tunggal.")


def _storable(text: str) -> bool:
    if "\x00" in text:  # PostgreSQL refuses NUL in text and JSON
        return False
    try:
        text.encode()  # a lone surrogate ("\ud800" in JSON) is not UTF-8
    except UnicodeEncodeError:
        return False
    return True


def unstorable_fields(value: Any, where: str = "") -> dict[str, list[str]]:
    """The places in a request's parsed input holding text no database can store, as
    ``field_errors`` would name them (iterative: the input's depth is bounded already)."""
    found: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if not _storable(node):
                found[path or "body"] = [str(UNSTORABLE)]
        elif isinstance(node, dict):
            for key, child in node.items():
                name = f"{path}.{key}" if path else str(key)
                if not _storable(str(key)):
                    found[path or "body"] = [str(UNSTORABLE)]
                stack.append((name, child))
        elif isinstance(node, list):
            stack.extend((path, child) for child in node)
    return found


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """``data`` as the API's JSON, as ninja's renderer writes it (its encoder, its content
    type), without validating it through the operation's response schema first: for the
    hot reads whose dicts already hold exactly their schema's fields, in its order
    (``tickets.schemas``). The operation still declares the schema for the OpenAPI
    document."""
    return HttpResponse(
        json.dumps(data, default=_encode),
        status=status,
        content_type="application/json; charset=utf-8",
    )


_NINJA_ENCODER = NinjaJSONEncoder()


def _encode(value: Any) -> Any:
    """``NinjaJSONEncoder``'s answer for what JSON has no type for, datetimes first: a list
    page holds a hundred of them, and ninja's encoder asks each whether it is a pydantic
    model, a URL, an IP address or an enum before Django's writes it (0.2 ms a page)."""
    if type(value) is datetime:
        return DjangoJSONEncoder.default(_NINJA_ENCODER, value)
    return _NINJA_ENCODER.default(value)


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


# Explicit ``null`` in a PATCH. Left out, a field is not changed; sent as null, a field
# whose empty value means "not set" (notes, a category, tags) is cleared, as an empty value
# would clear it, and a field that cannot be empty (a name, a priority) is refused with a
# 422 naming it, instead of reaching the database as NULL.


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise PydanticCustomError(
            "not_null", _("{field} tidak boleh null."), {"field": info.field_name or _("nilai")}
        )
    return value


NOT_NULL = BeforeValidator(_not_null)


def null_clears(empty: Any) -> BeforeValidator:
    """``null`` stands for the field's empty value (a fresh copy each time for a list)."""

    def clear(value: Any) -> Any:
        if value is not None:
            return value
        return list(empty) if isinstance(empty, list) else empty

    return BeforeValidator(clear)
