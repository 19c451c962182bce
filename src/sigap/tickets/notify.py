"""Who hears of what happens to a ticket: the ticket hooks turned into notifications.

Connected in ``TicketsConfig.ready()``. Every handler runs INSIDE the change's transaction,
so a notification commits (or rolls back) with its change and is pushed after the commit
(``notifications.services.notify_many``). Nobody is notified of what they did themselves.

=====================  ========================================  =========================
Kind                   Event                                     Who
=====================  ========================================  =========================
``assigned``           a new assignee (``TicketUpdated``,        the new assignee
                       ``TicketCreated``)
``transferred``        a new team (``TicketUpdated``)            the team's supervisor and
                                                                 the assignee, if any
``approval_needed``    a proposal waits (``ApprovalRequested``)  the team's supervisor (any
                                                                 supervisor without a team);
                                                                 admins who chose to hear
``proposal_decided``   ``ProposalDecided``: approved, rejected,  who made the proposal
                       changes asked; the customer's answer
``customer_replied``   an inbound message (``MessageAdded``)     the assignee
``mentioned``          ``@username`` in a note (``MessageAdded``)  each mentioned colleague
                                                                 who may see the ticket
``escalated`` …        the SLA sweep, escalation, rules          (``sweep.py``,
                                                                 ``procedure.py``)
=====================  ========================================  =========================

The notifications themselves name the ticket when shown: ``labels`` below, registered
with the notifications app.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.models import Role, Team, User
from sigap.core.refs import ticket_reference
from sigap.notifications.models import NotificationKind as K
from sigap.notifications.services import (
    Row,
    TicketLabel,
    chose,
    label_tickets_with,
    notify_many,
)
from sigap.tickets import hooks, mentions
from sigap.tickets.models import Message, MessageKind, Proposal, Ticket

SNIPPET = 140
E = TypeVar("E")


def stored(handler: Callable[[E], None]) -> Callable[[E], None]:
    """The handler writing its notices in the default language, whoever's request runs it:
    their text is stored, and read by others."""

    def in_default_language(event: E) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            handler(event)

    return in_default_language


def connect() -> None:
    label_tickets_with(labels)
    inside = hooks.INSIDE
    hooks.subscribe(
        hooks.TicketCreated, stored(on_created), phase=inside, name="notifications.assigned"
    )
    hooks.subscribe(
        hooks.TicketUpdated, stored(on_updated), phase=inside, name="notifications.moved"
    )
    hooks.subscribe(
        hooks.MessageAdded, stored(on_message), phase=inside, name="notifications.message"
    )
    hooks.subscribe(
        hooks.ApprovalRequested,
        stored(on_approval_requested),
        phase=inside,
        name="notifications.approval_needed",
    )
    hooks.subscribe(
        hooks.ProposalDecided,
        stored(on_proposal_decided),
        phase=inside,
        name="notifications.proposal_decided",
    )


def labels(ticket_ids: Collection[int]) -> dict[int, TicketLabel]:
    return {
        pk: TicketLabel(ticket_reference(pk), subject, customer)
        for pk, subject, customer in Ticket.objects.filter(pk__in=ticket_ids).values_list(
            "pk", "subject", "customer__name"
        )
    }


def _name(user_id: int | None) -> str:
    if user_id is None:
        return "Sigap"
    user = User.objects.filter(pk=user_id).only("first_name", "last_name", "username").first()
    return (user.get_full_name() or user.get_username()) if user else "Sigap"


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def on_created(event: hooks.TicketCreated) -> None:
    """A ticket opened with an assignee (by an agent for a colleague, or a rule)."""
    assignee, author = event.assignee_id, event.author_id
    if assignee is None or assignee == author:
        return
    notify_many(
        [
            (
                assignee,
                event.ticket_id,
                K.ASSIGNED,
                _("%(who)s membuka tiket ini untuk Anda.") % {"who": _name(author)},
            )
        ]
    )


def on_updated(event: hooks.TicketUpdated) -> None:
    changes = event.changes
    if "assignee" not in changes and "team" not in changes:
        return
    actor = event.actor_id
    by = _name(actor)
    rows: list[Row] = []
    assignee = int(changes["assignee"]) if changes.get("assignee") else None
    if assignee and assignee != actor:
        rows.append(
            (
                assignee,
                event.ticket_id,
                K.ASSIGNED,
                _("%(who)s menugaskan tiket ini kepada Anda.") % {"who": by},
            )
        )
    if changes.get("team"):
        team = Team.objects.filter(pk=int(changes["team"])).only("name", "supervisor_id").first()
        current = Ticket.objects.filter(pk=event.ticket_id).values_list("assignee_id", flat=True)
        owner = assignee or current.first()
        if team is not None:
            text = _("%(who)s memindahkan tiket ini ke tim %(team)s.") % {
                "who": by,
                "team": team.name,
            }
            told = owner if owner != assignee else None  # a new assignee heard it above
            to = {u for u in (team.supervisor_id, told) if u and u != actor}
            rows += [(u, event.ticket_id, K.TRANSFERRED, text) for u in sorted(to)]
    notify_many(rows)


def on_message(event: hooks.MessageAdded) -> None:
    if event.kind == MessageKind.INBOUND:
        _customer_replied(event)
    elif event.kind == MessageKind.NOTE and "@" in event.text:
        _mentioned(event)


def _customer_replied(event: hooks.MessageAdded) -> None:
    found = (
        Message.objects.filter(pk=event.message_id)
        .values_list("author_id", "ticket__assignee_id")
        .first()
    )
    if found is None or found[1] is None or found[0] == found[1]:
        return  # nobody owns the ticket (the inbox shows it), or the owner logged it
    notify_many(
        [
            (
                found[1],
                event.ticket_id,
                K.CUSTOMER_REPLIED,
                _("Pelanggan menulis: %(text)s") % {"text": _snippet(event.text)},
            )
        ]
    )


def _mentioned(event: hooks.MessageAdded) -> None:
    message = Message.objects.select_related("ticket", "author").get(pk=event.message_id)
    found = mentions.find(message.ticket, message.body)
    author = message.author
    by = (author.get_full_name() or author.get_username()) if author else "Sigap"
    notify_many(
        (
            u.pk,
            event.ticket_id,
            K.MENTIONED,
            _("%(who)s menyebut Anda: %(text)s") % {"who": by, "text": _snippet(message.body)},
        )
        for u in found.notify
        if u.pk != message.author_id
    )


def on_approval_requested(event: hooks.ApprovalRequested) -> None:
    found = (
        Proposal.objects.filter(pk=event.proposal_id)
        .values_list("summary", "created_by_id")
        .first()
    )
    if found is None:
        return
    summary, proposer = found
    supervisor = (
        Team.objects.filter(pk=event.team_id).values_list("supervisor_id", flat=True).first()
        if event.team_id
        else None
    )
    if supervisor:
        supervisors = {supervisor}
    else:  # no team yet (or none supervises it): any supervisor may approve
        supervisors = set(
            User.objects.filter(role=Role.SUPERVISOR, is_active=True).values_list("pk", flat=True)
        )
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
    to = (supervisors | chose(admins, K.APPROVAL_NEEDED)) - {proposer}
    about = {"who": _name(proposer), "summary": _snippet(summary)}
    text = (
        _("%(who)s mengajukan ulang: %(summary)s") % about
        if event.resubmitted
        else _("%(who)s mengusulkan: %(summary)s") % about
    )
    if event.reason:
        text = _("%(text)s (perlu persetujuan: %(why)s)") % {"text": text, "why": event.reason}
    notify_many((u, event.ticket_id, K.APPROVAL_NEEDED, text) for u in sorted(to))


DECISIONS = {
    "approved": gettext_lazy("Usulan Anda disetujui"),
    "declined": gettext_lazy("Supervisor menolak usulan Anda"),
    "changes_requested": gettext_lazy("Supervisor meminta perubahan pada usulan Anda"),
    "accepted": gettext_lazy("Pelanggan menerima usulan Anda"),
}


def on_proposal_decided(event: hooks.ProposalDecided) -> None:
    """The proposer hears the supervisor's decision (approved, declined, changes asked,
    with the note) and the customer's answer (accepted, rejected, with the reason); a
    withdrawal is the proposer's own doing. ``note`` and ``actor_id`` are read when the
    event carries them (the approvals add them)."""
    proposal = (
        Proposal.objects.filter(pk=event.proposal_id)
        .only(
            "created_by_id",
            "approved_by_id",
            "approved_at",
            "requires_approval",
            "rejection_reason",
        )
        .first()
    )
    if proposal is None or proposal.created_by_id is None or event.decision == "withdrawn":
        return
    actor = getattr(event, "actor_id", None)
    if event.decision == "approved":
        actor = actor or proposal.approved_by_id
    if actor == proposal.created_by_id:
        return
    note = str(getattr(event, "note", "") or "")
    decision = event.decision
    # an old "rejected" of a proposal never approved, so never offered: the supervisor's
    by_supervisor = decision in ("approved", "declined") or "change" in decision
    if decision == "rejected" and proposal.requires_approval and proposal.approved_at is None:
        decision, by_supervisor = "declined", True
    if decision == "rejected":
        text = _("Pelanggan menolak usulan Anda")
        note = note or proposal.rejection_reason
    elif "change" in decision:
        text = str(DECISIONS["changes_requested"])
    else:
        known = DECISIONS.get(decision)
        text = str(known) if known else _("Usulan Anda: %(what)s") % {"what": decision}
    if actor and by_supervisor:
        text = f"{text} ({_name(actor)})"
    if note:
        text = f"{text}: {_snippet(note)}"
    notify_many([(proposal.created_by_id, event.ticket_id, K.PROPOSAL_DECIDED, f"{text}.")])
