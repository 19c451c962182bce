"""Small helpers shared by the API routers (kept out of ``sigap.api`` to avoid cycles)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import JsonResponse

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
