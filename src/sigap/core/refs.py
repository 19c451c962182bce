"""How Sigap names its records to people."""

from __future__ import annotations


def ticket_reference(pk: int | None) -> str:
    """``SGP-000305``: a ticket's number as agents and customers see it."""
    return f"SGP-{pk:06d}" if pk else "SGP-baru"
