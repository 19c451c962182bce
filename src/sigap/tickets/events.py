"""Timeline writers. The only code that creates ``TimelineEvent`` rows; none updates one
(the one sanctioned update is an erasure's redaction, ``relations.privacy``).

Each service calls one of these inside its transaction, so a change and its record are
committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from sigap.accounts.models import User
from sigap.core import fastsql
from sigap.core.locale import said_in_default_language
from sigap.tickets import live
from sigap.tickets.models import EventKind, Message, MessageKind, Proposal, Ticket, TimelineEvent
from sigap.webhooks import outbox

Json = Any


def _event(
    ticket: Ticket,
    actor: User | None,
    kind: EventKind,
    *,
    public: bool,
    field: str = "",
    old: Json = None,
    new: Json = None,
    data: dict[str, Json] | None = None,
    at: datetime | None = None,
) -> TimelineEvent:
    event = _build(
        ticket, actor, kind, public=public, field=field, old=old, new=new, data=data, at=at
    )
    return _record(ticket, [event])[0]


def _build(
    ticket: Ticket,
    actor: User | None,
    kind: EventKind,
    *,
    public: bool,
    field: str = "",
    old: Json = None,
    new: Json = None,
    data: dict[str, Json] | None = None,
    at: datetime | None = None,
) -> TimelineEvent:
    return TimelineEvent(
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        old_value=old,
        new_value=new,
        data=data or {},
        public=public,
        created_at=at or timezone.now(),
    )


def _record(
    ticket: Ticket,
    events: list[TimelineEvent],
    *,
    new: bool = False,
    along: Sequence[models.Model] = (),
) -> list[TimelineEvent]:
    """Insert ``events`` of one ticket in one statement (with the rows ``along``, of one
    other model, on PostgreSQL), announce the ticket once, and record the webhook
    deliveries they cause."""
    live.ticket_changed(ticket.pk, new=new)
    fastsql.insert_together(events, along)
    created = events
    if outbox.has_hooks():
        for event in created:
            outbox.record(str(event.kind), _payload(event, ticket))
    return created


def ticket_payload(ticket: Ticket) -> dict[str, Json]:
    """A ticket's key fields for integrations: ids, no personal data (the API gives the
    rest to whoever may read it)."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "kind": ticket.kind,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "customer_id": ticket.customer_id,
    }


def _payload(event: TimelineEvent, ticket: Ticket) -> dict[str, Json]:
    """What an integration receives: the event and the ticket's key fields."""
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "public": event.public,
        "actor_id": event.actor_id,
        "ticket": ticket_payload(ticket),
    }


def ticket_opened_events(
    ticket: Ticket, actor: User | None, message: Message, *, along: Sequence[models.Model] = ()
) -> list[TimelineEvent]:
    """A new ticket's first two entries, "created" and its first message, in one INSERT
    (with ``along``, rows of one other model: its search document)."""
    return _record(ticket, [_created(ticket, actor), _message(message)], new=True, along=along)


def _created(ticket: Ticket, actor: User | None) -> TimelineEvent:
    return _build(
        ticket,
        actor,
        EventKind.CREATED,
        public=True,
        data={"channel": ticket.channel, "kind": ticket.kind, "subject": ticket.subject}
        | ({"product": ticket.product} if ticket.product else {}),
        at=ticket.created_at,
    )


def field_changed_event(
    ticket: Ticket, actor: User | None, field: str, old: Json, new: Json, reason: str = ""
) -> TimelineEvent:
    kind = {
        "assignee": EventKind.ASSIGNED,
        "team": EventKind.TEAM_CHANGED,
        "tags": EventKind.TAGS_CHANGED,
    }.get(field, EventKind.FIELD_CHANGED)
    data = {"reason": reason} if reason else {}
    return _event(ticket, actor, kind, public=False, field=field, old=old, new=new, data=data)


def status_changed_event(
    ticket: Ticket, actor: User | None, old: str, new: str, reason: str
) -> TimelineEvent:
    data = {"reason": reason} if reason else {}
    return _event(
        ticket,
        actor,
        EventKind.STATUS_CHANGED,
        public=True,
        field="status",
        old=old,
        new=new,
        data=data,
    )


def message_event(message: Message, *, handle_seconds: int | None = None) -> TimelineEvent:
    return _record(message.ticket, [_message(message, handle_seconds=handle_seconds)])[0]


def _message(message: Message, *, handle_seconds: int | None = None) -> TimelineEvent:
    kind = {
        MessageKind.INBOUND: EventKind.MESSAGE_RECEIVED,
        MessageKind.REPLY: EventKind.REPLY_SENT,
        MessageKind.NOTE: EventKind.NOTE_ADDED,
    }[MessageKind(message.kind)]
    return _build(
        message.ticket,
        message.author,
        kind,
        public=message.is_public,
        data={"message_id": message.pk, "channel": message.channel}
        | ({"handle_seconds": handle_seconds} if handle_seconds else {}),
        at=message.created_at,
    )


def recorded_event(ticket: Ticket, actor: User | None, facts: str) -> TimelineEvent:
    return _event(ticket, actor, EventKind.RECORDED, public=False, data={"facts": facts})


def confirmation_event(
    ticket: Ticket, actor: User | None, restatement: str, confirmed: bool, response: str
) -> TimelineEvent:
    return _event(
        ticket,
        actor,
        EventKind.CONFIRMATION,
        public=True,
        data={"restatement": restatement, "customer_confirmed": confirmed, "response": response},
    )


def apology_event(ticket: Ticket, actor: User | None, apology_id: int) -> TimelineEvent:
    return _event(ticket, actor, EventKind.APOLOGY, public=True, data={"apology_id": apology_id})


def _proposal_data(proposal: Proposal) -> dict[str, Json]:
    return {
        "proposal_id": proposal.pk,
        "summary": proposal.summary,
        "compensation_type": proposal.compensation_type,
        "compensation_amount": proposal.compensation_amount,
        "status": proposal.status,
    } | ({"approval_reason": proposal.approval_reason} if proposal.approval_reason else {})


def proposal_event(
    proposal: Proposal,
    actor: User | None,
    kind: EventKind,
    *,
    public: bool,
    reason: str = "",
    extra: dict[str, Json] | None = None,
) -> TimelineEvent:
    """``extra``: more facts of the step (the customer's answer: by whom, how, when)."""
    data = _proposal_data(proposal)
    if reason:
        data["reason"] = reason
    data.update(extra or {})
    return _event(proposal.ticket, actor, kind, public=public, data=data)


def proposal_note_event(proposal: Proposal, actor: User | None, note: str) -> TimelineEvent:
    """The supervisor's note on approving a proposal: for the staff only."""
    data = _proposal_data(proposal) | {"reason": note}
    return _event(proposal.ticket, actor, EventKind.PROPOSAL_REVIEW_NOTE, public=False, data=data)


def compensation_event(proposal: Proposal, actor: User | None) -> TimelineEvent:
    """An accepted proposal's compensation was given (voucher code, refund reference) or
    could not be given (why): internal."""
    data = _proposal_data(proposal) | {
        "given": proposal.compensation_given,
        "reference": proposal.compensation_reference,
        "note": proposal.compensation_note,
    }
    return _event(proposal.ticket, actor, EventKind.COMPENSATION_RECORDED, public=False, data=data)


def sla_event(
    ticket: Ticket,
    kind: EventKind,
    *,
    data: dict[str, Json] | None = None,
    actor: User | None = None,
    at: datetime | None = None,
) -> TimelineEvent:
    """SLA bookkeeping (pause, resume, warning, breach, escalation): internal."""
    return _event(ticket, actor, kind, public=False, data=data or {}, at=at)


def overdue_apology_event(
    ticket: Ticket, *, target: str, deadline: datetime, new_estimate: datetime
) -> TimelineEvent:
    """Sigap's apology to the customer for a promised deadline that passed, with the new
    estimate: public, so it counts among the apologies the customer was given."""
    data = {
        "target": target,
        "deadline": deadline.isoformat(),
        "new_estimate": new_estimate.isoformat(),
    }
    return _event(ticket, None, EventKind.OVERDUE_APOLOGY, public=True, data=data)


def formal_escalation_event(
    ticket: Ticket, actor: User, *, words: str, deadline: datetime, level: int
) -> TimelineEvent:
    """The customer's teguran resmi, in their words (public: it is theirs)."""
    data = {"words": words, "deadline": deadline.isoformat(), "level": level}
    return _event(ticket, actor, EventKind.FORMAL_ESCALATION, public=True, data=data)


def sla_events(
    rows: list[tuple[Ticket, EventKind, dict[str, Json]]], *, at: datetime
) -> list[TimelineEvent]:
    """Many SLA events in one INSERT (the sweep)."""
    for ticket, _, _ in rows:
        live.ticket_changed(ticket.pk)
    created = TimelineEvent.objects.bulk_create(
        TimelineEvent(ticket_id=t.pk, kind=k, data=d, public=False, created_at=at)
        for t, k, d in rows
    )
    if outbox.has_hooks():
        for event, (ticket, _, _) in zip(created, rows, strict=True):
            outbox.record(str(event.kind), _payload(event, ticket))
    return created


def email_bounced_event(
    message: Message, *, recipient: str, reason: str, status: str, report_id: str
) -> TimelineEvent:
    """An emailed reply came back undelivered (a DSN or a mailer-daemon notice): internal,
    written as an automation entry so the timeline shows it without a new event kind."""
    return _event(
        message.ticket,
        None,
        EventKind.AUTOMATION,
        public=False,
        data={
            "rule": gettext("Email balasan tidak terkirim ke %(to)s: %(why)s")
            % {"to": recipient or gettext("pelanggan"), "why": reason},
            "applied": [gettext("balasan ditandai gagal terkirim")],
            "bounce": {
                "message_id": message.pk,
                "external_id": message.external_id,
                "recipient": recipient,
                "reason": reason,
                "status": status,
                "report_id": report_id,
            },
        },
    )


# --- merge, split and links (``services/links.py``) ---------------------------------------


def merged_events(
    source: Ticket, target: Ticket, actor: User | None, data: dict[str, Json]
) -> None:
    """One entry on each ticket: the kept one says what came in, the retired one where it
    went. Public: the customer sees on both that their two requests are now one."""
    common = {"source_id": source.pk, "target_id": target.pk} | data
    _event(target, actor, EventKind.MERGED, public=True, data=common | {"role": "target"})
    _event(source, actor, EventKind.MERGED, public=True, data=common | {"role": "source"})


def merge_copies(target: Ticket, source: Ticket, events: list[TimelineEvent]) -> int:
    """The retired ticket's timeline copied onto the kept one: same kind, actor, time,
    visibility and data, plus ``merged_from``. Timeline rows are append-only, so the
    originals stay where they happened and the kept ticket gets copies; the metrics skip
    the copies (``metrics.facts``, so nothing is counted twice) and no webhook delivery
    is recorded for them (integrations get the one "merged" event)."""
    copies = [
        TimelineEvent(
            ticket=target,
            actor_id=e.actor_id,
            kind=e.kind,
            field=e.field,
            old_value=e.old_value,
            new_value=e.new_value,
            data={**(e.data or {}), "merged_from": source.pk},
            public=e.public,
            created_at=e.created_at,
        )
        for e in events
    ]
    if copies:
        live.ticket_changed(target.pk)
        fastsql.insert(copies)
    return len(copies)


TAG_EVENTS_PER_STATEMENT = 500


def tag_renamed_events(
    ticket_ids: list[int], actor: User | None, old: str, new: str, *, merged: bool
) -> int:
    """One "tags" entry on each of ``ticket_ids`` saying tag ``old`` became ``new`` (an
    admin renamed it or merged it into ``new``, ``tickets.tag_settings``): inserted in
    bulk, a statement per ``TAG_EVENTS_PER_STATEMENT`` tickets, no query per ticket. Like
    the merge copies, no webhook delivery is recorded for them (staff bookkeeping)."""
    text = (
        gettext_lazy("Label %(old)s digabungkan ke %(new)s di pengaturan.")
        if merged
        else gettext_lazy("Label %(old)s diganti nama menjadi %(new)s di pengaturan.")
    )
    reason = said_in_default_language(text, old=old, new=new)
    now = timezone.now()
    rows = [
        TimelineEvent(
            ticket_id=pk,
            actor_id=actor.pk if actor is not None else None,
            kind=EventKind.TAGS_CHANGED,
            field="tags",
            old_value=[old],
            new_value=[new],
            data={"reason": reason, "tag": {"from": old, "to": new, "merged": merged}},
            public=False,
            created_at=now,
        )
        for pk in ticket_ids
    ]
    for start in range(0, len(rows), TAG_EVENTS_PER_STATEMENT):
        fastsql.insert(rows[start : start + TAG_EVENTS_PER_STATEMENT])
    return len(rows)


def split_events(original: Ticket, new: Ticket, actor: User | None, message_id: int) -> None:
    data = {"original_id": original.pk, "new_id": new.pk, "message_id": message_id}
    _event(original, actor, EventKind.SPLIT, public=True, data=data | {"role": "original"})
    _event(new, actor, EventKind.SPLIT, public=True, data=data | {"role": "new"})


def linked_events(a: Ticket, b: Ticket, actor: User | None, *, linked: bool) -> None:
    """Internal entries on both tickets when a "related" link is added or removed."""
    for ticket, other in ((a, b), (b, a)):
        _event(
            ticket,
            actor,
            EventKind.LINKED,
            public=False,
            data={"other_id": other.pk, "linked": linked},
        )


def incident_link_event(
    ticket: Ticket,
    actor: User | None,
    *,
    incident_id: int,
    title: str,
    how: str,
    linked: bool = True,
) -> TimelineEvent:
    """Internal entry when the ticket is linked to an incident (by a supervisor, by the
    detector, or automatically as it came in: ``how``) or unlinked from it."""
    return _event(
        ticket,
        actor,
        EventKind.INCIDENT_LINKED,
        public=False,
        data={"incident_id": incident_id, "title": title, "how": how, "linked": linked},
    )
