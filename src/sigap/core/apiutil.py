"""Small helpers shared by the API routers (kept out of ``sigap.api`` to avoid cycles)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import JsonResponse
from pydantic import BeforeValidator, ValidationInfo
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


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


# Explicit ``null`` in a PATCH. Left out, a field is not changed; sent as null, a field
# whose empty value means "not set" (notes, a category, tags) is cleared, as an empty value
# would clear it, and a field that cannot be empty (a name, a priority) is refused with a
# 422 naming it, instead of reaching the database as NULL.


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise PydanticCustomError(
            "not_null", "{field} tidak boleh null.", {"field": info.field_name or "nilai"}
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
