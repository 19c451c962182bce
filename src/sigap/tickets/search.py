"""Full-text search over tickets and their messages (interim: replaced by the search work)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sigap.tickets.models import Ticket


def index_ticket(ticket_id: int) -> None:
    """Refresh the search document of one ticket (inside the caller's transaction)."""


def search_tickets(qs: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    return qs.filter(Q(subject__icontains=q) | Q(description__icontains=q))
