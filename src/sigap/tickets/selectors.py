"""Reads. Lists start from what the user may see (``access.visible_tickets``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db.models import Prefetch, QuerySet

from sigap.accounts.models import User
from sigap.core.errors import NotFound
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import (
    CUSTOMER_VISIBLE_PROPOSAL_STATUSES,
    Attachment,
    Message,
    MessageKind,
    Proposal,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.search import TicketSearch, search_tickets, ticket_search


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    priority: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    assignee: list[int] = field(default_factory=list)
    unassigned: bool = False
    customer: int | None = None
    tag: list[str] = field(default_factory=list)
    q: str = ""


def ticket_list_for(*, user: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    f = filters or TicketFilters()
    qs = visible_tickets(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.channel:
        qs = qs.filter(channel__in=f.channel)
    if f.category:
        qs = qs.filter(category__in=f.category)
    if f.severity:
        qs = qs.filter(severity__in=f.severity)
    if f.priority:
        qs = qs.filter(priority__in=f.priority)
    if f.kind:
        qs = qs.filter(kind__in=f.kind)
    if f.team:
        qs = qs.filter(team_id__in=f.team)
    if f.assignee:
        qs = qs.filter(assignee_id__in=f.assignee)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.customer is not None:
        qs = qs.filter(customer_id=f.customer)
    for tag in f.tag:
        qs = qs.filter(tags__name=tag)
    if f.q.strip():
        qs = search_tickets(qs, f.q.strip(), include_internal=not user.is_customer)
    qs = qs.select_related("customer", "team", "assignee")
    if user.is_customer:  # a customer never sees the tags: no query for them
        return qs
    return qs.prefetch_related("tags")


def ticket_search_for(*, user: User, filters: TicketFilters) -> TicketSearch:
    """What the search box finds (``search.ticket_search``: the ticket with that number,
    the tickets of the customer found by phone, email or name, then the full-text hits),
    among the tickets ``user`` may see that match the other filters."""
    qs = ticket_list_for(user=user, filters=replace(filters, q=""))
    return ticket_search(
        qs,
        filters.q.strip(),
        include_internal=not user.is_customer,
        by_customer=not user.is_customer,
    )


def ticket_detail_for(*, user: User, ticket_id: int) -> Ticket:
    """One ticket with everything its page shows, in a constant number of queries."""
    qs = visible_tickets(user).filter(pk=ticket_id).select_related("customer", "team", "assignee")
    # a customer never sees the tags: no query for them
    related = ["customer__contacts"] if user.is_customer else ["tags", "customer__contacts"]
    ticket = qs.prefetch_related(*related).first()
    if ticket is None:
        raise NotFound("Tiket tidak ditemukan.")
    return ticket


def messages_for(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    qs = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if user.is_customer:
        qs = qs.exclude(kind=MessageKind.NOTE)
    return qs.order_by("created_at", "id")


def proposals_for(*, user: User, ticket: Ticket) -> QuerySet[Proposal]:
    qs = ticket.proposals.select_related("created_by", "approved_by")
    if user.is_customer:
        qs = qs.filter(status__in=CUSTOMER_VISIBLE_PROPOSAL_STATUSES)
    return qs.order_by("id")


def timeline_for(*, user: User, ticket: Ticket) -> QuerySet[TimelineEvent]:
    """The kronologi: every event in order; customers see only the public ones."""
    qs = ticket.events.select_related("actor")
    if user.is_customer:
        qs = qs.filter(public=True)
    return qs.order_by("created_at", "id")
