"""Who may see and do what with tickets. The one way to get a ticket a user may see.

Rules:
- admin and supervisor: every ticket;
- agent: tickets of their teams, tickets assigned to them, and tickets with no team yet
  (the triage queue);
- customer: only tickets of the customer record linked to their account, and, when their
  organization shares visibility (``Organization.shared_visibility``), its other members'
  tickets too.
Opening a ticket follows the same rules (``require_may_open_in``).
A ticket the caller may not see raises ``NotFound``, exactly like a missing one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from sigap.accounts.models import Role, Team, User
from sigap.core.errors import NotFound, PermissionDenied
from sigap.customers.models import Customer, Organization
from sigap.tickets.models import Ticket

_MEMBERS = Team.members.through._meta.db_table
_MY_TEAMS = f'SELECT "team_id" FROM "{_MEMBERS}" WHERE "user_id" = %s'


def ticket_visibility(user: User) -> Q:
    if not user.is_active:
        return Q(pk__in=[])
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return Q()
    if user.role == Role.AGENT:
        # The agent's teams as a subquery written once (a queryset of the membership
        # table built and compiled as a subquery cost an agent's every list ~0.3 ms more
        # than a supervisor's, twice an inbox page).
        team_ids = RawSQL(_MY_TEAMS, (user.pk,))
        return Q(team_id__in=team_ids) | Q(assignee_id=user.pk) | Q(team_id__isnull=True)
    shared = Customer.objects.filter(user_id=user.pk, organization__shared_visibility=True).values(
        "organization_id"
    )
    return Q(customer__user_id=user.pk) | Q(customer__organization_id__in=shared)


def ticket_visibility_sql(user: User, ticket: str, customer: str) -> tuple[str, list[int]] | None:
    """``ticket_visibility`` as SQL for a statement written by hand: a condition on the
    ticket's table (alias ``ticket``) joined to its customer (``customer``) and its
    parameters; ``""`` when every ticket is visible, None when none is."""
    if not user.is_active:
        return None
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return "", []
    if user.role == Role.AGENT:
        members = Team.members.through._meta
        table = members.db_table
        return (
            f"({ticket}.team_id IN (SELECT team_id FROM {table} WHERE user_id = %s)"
            f" OR {ticket}.assignee_id = %s OR {ticket}.team_id IS NULL)",
            [user.pk, user.pk],
        )
    customers = Customer._meta.db_table
    organizations = Organization._meta.db_table
    return (
        f"({customer}.user_id = %s OR {customer}.organization_id IN ("
        f"SELECT me.organization_id FROM {customers} me JOIN {organizations} o"
        " ON o.id = me.organization_id WHERE me.user_id = %s AND o.shared_visibility))",
        [user.pk, user.pk],
    )


def visible_tickets(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_visibility(user))


def may_see(user: User, ticket: Ticket) -> bool:
    """``ticket_visibility`` for a ticket already in memory (at most one query)."""
    if not user.is_active:
        return False
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return True
    if user.role == Role.AGENT:
        if ticket.team_id is None or ticket.assignee_id == user.pk:
            return True
        return Team.members.through.objects.filter(user_id=user.pk, team_id=ticket.team_id).exists()
    if ticket.customer.user_id == user.pk:
        return True
    organization_id = ticket.customer.organization_id
    if organization_id is None:
        return False
    return Customer.objects.filter(
        user_id=user.pk, organization_id=organization_id, organization__shared_visibility=True
    ).exists()


def require_may_open_in(user: User, team: Team | None) -> None:
    """Whoever opens a ticket must be able to see it, by the rules above: an agent opens
    tickets in one of their teams or in none (the triage queue), admins and supervisors
    in any team. Checked before anything is written (a ticket opened where its author
    cannot see it would be written, then answered as missing). A transfer afterwards is
    ``ticket_update``'s business, not this rule's."""
    if team is None or user.role != Role.AGENT:
        return
    if Team.members.through.objects.filter(user_id=user.pk, team_id=team.pk).exists():
        return
    raise PermissionDenied(
        gettext(
            "Anda bukan anggota tim %(team)s, jadi tidak dapat membuat tiket di tim itu. "
            "Pilih tim Anda atau kosongkan tim agar tiket masuk antrean triase."
        )
        % {"team": team.name},
        fields={"team_id": [gettext("Bukan tim Anda.")]},
    )


def access_ticket(user: User, ticket_id: int, *, for_update: bool = False) -> Ticket:
    qs = visible_tickets(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(gettext("Tiket tidak ditemukan."))
    return ticket


def require_supervisor_for(user: User, ticket: Ticket) -> None:
    """Approvals on behalf of the company: an admin, or a supervisor of the ticket's team
    (any supervisor when the ticket has no team yet)."""
    if not user.is_active:
        raise PermissionDenied(gettext("Akun ini tidak aktif."))
    if user.role == Role.ADMIN:
        return
    if user.role != Role.SUPERVISOR:
        raise PermissionDenied(gettext("Hanya supervisor yang dapat menyetujui usulan ini."))
    if ticket.team_id is None:
        return
    if not Team.objects.filter(pk=ticket.team_id, supervisor_id=user.pk).exists():
        raise PermissionDenied(
            gettext("Hanya supervisor tim ini yang dapat menyetujui usulan ini.")
        )


def decidable_tickets_q(user: User, prefix: str = "") -> Q:
    """The tickets whose proposals ``user`` may decide, by ``require_supervisor_for``'s
    rules, as a filter (``prefix``: the path to the ticket, e.g. ``"ticket__"``): an admin
    every ticket, a supervisor those of the teams they supervise and those without a team,
    anyone else none."""
    if not user.is_active or user.role not in (Role.ADMIN, Role.SUPERVISOR):
        return Q(pk__in=[])
    if user.role == Role.ADMIN:
        return Q()
    return Q(**{f"{prefix}team__supervisor_id": user.pk}) | Q(**{f"{prefix}team__isnull": True})


def may_decide(user: User, ticket: Ticket) -> bool:
    """``require_supervisor_for`` as a question (at most one query)."""
    try:
        require_supervisor_for(user, ticket)
    except PermissionDenied:
        return False
    return True
