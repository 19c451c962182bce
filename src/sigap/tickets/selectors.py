"""Reads. Lists start from what the user may see (``access.visible_tickets``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)

from sigap.accounts.models import STAFF_ROLES, Role, Team, User
from sigap.core.errors import NotFound
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import (
    CUSTOMER_VISIBLE_PROPOSAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    Proposal,
    Ticket,
    TicketLink,
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


def ticket_detail_for(*, user: User, ticket_id: int, tags: bool = True) -> Ticket:
    """One ticket with everything its page shows, in a constant number of queries
    (``tags=False``: a page that does not show them)."""
    qs = visible_tickets(user).filter(pk=ticket_id).select_related("customer", "team", "assignee")
    # a customer never sees the tags: no query for them
    related = (
        ["tags", "customer__contacts"] if tags and not user.is_customer else ["customer__contacts"]
    )
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
    qs = ticket.proposals.select_related(
        "created_by", "approved_by", "reviewed_by", "compensation_recorded_by"
    )
    if user.is_customer:
        qs = qs.filter(status__in=CUSTOMER_VISIBLE_PROPOSAL_STATUSES)
    return qs.order_by("id")


def timeline_for(*, user: User, ticket: Ticket) -> QuerySet[TimelineEvent]:
    """The kronologi: every event in order; customers see only the public ones."""
    qs = ticket.events.select_related("actor")
    if user.is_customer:
        qs = qs.filter(public=True)
    return qs.order_by("created_at", "id")


# The ticket page draws the newest events of the timeline; older ones load on request.
TIMELINE_PAGE = 40


@dataclass(frozen=True)
class TimelinePage:
    """The newest ``TIMELINE_PAGE`` events (before ``before``), oldest first; ``earlier``:
    the id of the first of them when there are older ones (the cursor of the next page),
    else None; ``apologised``: whether the ticket's timeline holds an apology at all."""

    events: Sequence[TimelineEvent]
    earlier: int | None
    apologised: bool


def timeline_page(
    *, user: User, ticket: Ticket, before: int | None = None, size: int = TIMELINE_PAGE
) -> TimelinePage:
    """One page of the kronologi (``timeline_for``'s order): one query, one more for a
    cursor (``before``)."""
    qs = timeline_for(user=user, ticket=ticket)
    if before is not None:
        cursor = qs.filter(pk=before).values("created_at", "id").first()
        if cursor is None:
            return TimelinePage([], None, False)
        qs = qs.filter(
            Q(created_at__lt=cursor["created_at"])
            | Q(created_at=cursor["created_at"], id__lt=cursor["id"])
        )
    # whether there was an apology, in the same query: the subquery does not depend on the
    # row, so the database evaluates it once
    apology = TimelineEvent.objects.filter(ticket_id=ticket.pk, kind=EventKind.APOLOGY)
    rows = list(qs.annotate(apologised=Exists(apology)).reverse()[: size + 1])
    more = len(rows) > size
    events = rows[:size][::-1]
    apologised = bool(rows) and bool(rows[0].apologised)
    return TimelinePage(events, events[0].pk if more else None, apologised)


# An agent's load counts up to here ("99+"): each count reads at most this many index
# entries, whatever the agent holds (at 1,000,000 tickets an agent of the benchmark holds
# about 20,000 open ones, and the full counts took most of the ticket page's time).
LOAD_CAP = 100


class _CountOf(Subquery):
    """The number of rows a (sliced) subquery returns: ``COUNT(*)`` over it, so a
    ``[:n]`` bounds the count at n."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def staff_for(ticket: Ticket) -> list[tuple[User, int | None]]:
    """The active staff (whose names the ticket's timeline shows), by name, each with their
    open tickets (their load, counted up to ``LOAD_CAP``) when they may own ``ticket`` (the
    rule of ``services._check_assignee``: an active member or the supervisor of its team,
    or an admin; anyone on the staff while it has no team), else None. One query."""
    load = Ticket.objects.filter(assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES).order_by()
    open_load: Any = _CountOf(load.values("pk")[:LOAD_CAP])
    if ticket.team_id is not None:
        members = Team.members.through.objects.filter(team_id=ticket.team_id).values("user_id")
        supervisor = Team.objects.filter(pk=ticket.team_id).values("supervisor_id")
        may_own = Q(role=Role.ADMIN) | Q(pk__in=members) | Q(pk__in=supervisor)
        open_load = Case(When(may_own, then=open_load), default=None, output_field=IntegerField())
    rows = User.objects.filter(is_active=True, role__in=STAFF_ROLES).annotate(open_load=open_load)
    return [(u, u.open_load) for u in rows.order_by("first_name", "username")]


@dataclass(frozen=True)
class LinkedTicket:
    """One line of the ticket page's links card: how ``other`` relates to the ticket."""

    label: str
    other: Ticket
    kind: str
    removable: bool


_LINK_LABELS = {  # (kind, the ticket is the link's "from" side) -> label
    (LinkKind.RELATED, True): "Terkait",
    (LinkKind.RELATED, False): "Terkait",
    (LinkKind.SPLIT, True): "Dipisah dari",
    (LinkKind.SPLIT, False): "Dipisah menjadi",
    (LinkKind.MERGED, True): "Digabung ke",
    (LinkKind.MERGED, False): "Gabungan dari",
}


def links_for(*, user: User, ticket: Ticket) -> list[LinkedTicket]:
    """The tickets linked to ``ticket`` that ``user`` may see: one query for the links
    (with both tickets), one more for the visibility of the others when there are any."""
    rows = list(
        TicketLink.objects.filter(Q(from_ticket_id=ticket.pk) | Q(to_ticket_id=ticket.pk))
        .select_related("from_ticket", "to_ticket")
        .order_by("id")
    )
    if not rows:
        return []
    others = {r.to_ticket_id if r.from_ticket_id == ticket.pk else r.from_ticket_id for r in rows}
    shown = set(visible_tickets(user).filter(pk__in=others).values_list("pk", flat=True))
    out = []
    for r in rows:
        outgoing = r.from_ticket_id == ticket.pk
        other = r.to_ticket if outgoing else r.from_ticket
        if other.pk in shown:
            label = _LINK_LABELS[(LinkKind(r.kind), outgoing)]
            out.append(LinkedTicket(label, other, r.kind, r.kind == LinkKind.RELATED))
    return out


def merge_candidates(*, user: User, ticket: Ticket, q: str = "", limit: int = 10) -> list[Ticket]:
    """The customer's other open tickets ``user`` may work on, newest first, that
    ``ticket`` could be merged with: by reference ("SGP-000305", "305") or subject words."""
    qs = (
        visible_tickets(user)
        .filter(customer_id=ticket.customer_id, status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(pk=ticket.pk)
    )
    q = q.strip()
    if q:
        digits = q.upper().removeprefix("SGP-").lstrip("0")
        if digits.isdigit():
            qs = qs.filter(Q(pk=int(digits)) | Q(subject__icontains=q))
        else:
            qs = qs.filter(subject__icontains=q)
    return list(qs.order_by("-pk").only("id", "subject", "status", "channel", "created_at")[:limit])
