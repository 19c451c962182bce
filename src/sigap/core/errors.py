"""Domain exceptions with stable codes.

Services raise these; the API maps them to HTTP once (``sigap.api``), so every error
has the same JSON shape: ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import ClassVar


class SigapError(Exception):
    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(SigapError):
    """Missing, or not visible to the caller: the two look the same on purpose."""

    code = "not_found"
    http_status = 404


class PermissionDenied(SigapError):
    """The caller may see the object but not do this to it."""

    code = "permission_denied"
    http_status = 403


class InvalidJson(SigapError, ValueError):
    """The request body cannot be read as JSON: broken, not UTF-8, or nested too deep
    (``sigap.core.jsonbody``). A ``ValueError`` too, as ``json.loads``'s own errors are."""

    code = "invalid_json"
    http_status = 400


class ValidationFailed(SigapError):
    code = "validation_failed"
    http_status = 422


class TransitionNotAllowed(SigapError):
    code = "transition_not_allowed"
    http_status = 409


class Conflict(SigapError):
    """A rule about the current state of the data refuses the change."""

    code = "conflict"
    http_status = 409


class StaleVersion(SigapError):
    code = "stale_version"
    http_status = 409


class IdempotencyConflict(SigapError):
    code = "idempotency_conflict"
    http_status = 409


class PayloadTooLarge(SigapError):
    code = "payload_too_large"
    http_status = 413
