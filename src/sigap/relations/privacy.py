"""A customer's personal data (UU PDP) across the apps: what the export holds besides the
customer's own rows, and what erasing them removes. Registered with
``customers.services.on_export`` and ``on_erase`` in ``RelationsConfig.ready()``: the
relations app sits above every app that keeps rows about a customer (tickets, surveys,
the channels, loyalty and consent), so one module names them all.

Erasing keeps the rows the metrics count (tickets with their status, times, channel and
category; messages with their kind and time; surveys with their scores; calls with their
durations; points and vouchers) and removes or redacts their words: ticket subjects and
descriptions, message bodies, attachments (the files once the erasure commits), survey
comments, call numbers and notes, the raw channel payloads, live-chat visitor details,
consents, campaign addresses and the reasons people typed on the points ledger; and
follows a ticket of theirs merged into one later filed under someone else (along the
whole merge chain, the merge notice written to them included), and redacts their name on
a ticket filed away from them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

from sigap.connectors.livechat.models import Chat
from sigap.connectors.models import (
    EmailParticipant,
    EmailReceipt,
    InboundDelivery,
    OutboundDelivery,
    ProposalOffer,
    QuarantinedEmail,
)
from sigap.connectors.phone.models import Call
from sigap.core.refs import ticket_reference
from sigap.customers import services as customer_services
from sigap.customers.models import ContactKind, Customer, CustomerContact
from sigap.notifications.models import Notification
from sigap.relations.models import (
    WORDED_KINDS,
    CampaignRecipient,
    Consent,
    PointsEntry,
    TierOverride,
    Voucher,
)
from sigap.surveys.models import Survey
from sigap.tickets.models import (
    Apology,
    Attachment,
    Confirmation,
    EventKind,
    Message,
    MessageKind,
    MissedDeadline,
    Proposal,
    Ticket,
    TicketSearchDocument,
    TimelineEvent,
)
from sigap.tickets.search import index_ticket

# Timeline events that carry the words of a ticket field (old → new) or the customer's
# name or temperament, and the keys of an event's data that hold words someone wrote or
# an address (``tickets/events.py``): a subject, recorded facts, a confirmation's
# restatement and response, a proposal's summary and reasons, a compensation note, a
# call's notes, a formal escalation's words, the reason given for a change, a bounced
# reply's recipient. Redacted on erasure through the timeline's one sanctioned UPDATE
# (tickets/0027); the events stay.
_WORDED_FIELDS = (
    "subject",
    "description",
    "facts",
    "resolution_reason",
    "product",
    "customer",  # the ticket filed under another customer: "<name> (#id)" both ways
    "temperament",  # set from the ticket (``ticket_customer_update``); blanked on the record
)
_WORDED_KEYS = (
    "subject",
    "facts",
    "restatement",
    "response",
    "summary",
    "reason",
    "approval_reason",
    "note",
    "notes",
    "words",
)


def _rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``values()`` as plain JSON: times in ISO 8601."""
    return [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()} for row in rows
    ]


def _by_ticket(rows: list[dict[str, Any]], ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for row in rows:
        grouped[row.pop("ticket_id")].append(row)
    return grouped


# --- the export -------------------------------------------------------------------------------


def export_tickets(customer: Customer) -> list[dict[str, Any]]:
    """Every ticket with its messages (text, internal notes included: they are data held
    about the person), attachments by name and proposals: four queries."""
    tickets = _rows(
        Ticket.objects.filter(customer_id=customer.pk)
        .order_by("pk")
        .values(
            "id",
            "kind",
            "channel",
            "subject",
            "description",
            "category",
            "status",
            "product",
            "facts",
            "resolution_reason",
            "created_at",
            "resolved_at",
            "closed_at",
        )
    )
    ids = [t["id"] for t in tickets]
    files: dict[int, list[str]] = {}
    for message_id, filename in Attachment.objects.filter(ticket_id__in=ids).values_list(
        "message_id", "filename"
    ):
        files.setdefault(message_id, []).append(filename)
    messages = _rows(
        Message.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "created_at", "pk")
        .values("id", "ticket_id", "kind", "channel", "body", "sender_address", "created_at")
    )
    for m in messages:
        m["attachments"] = files.get(m["id"], [])
    proposals = _rows(
        Proposal.objects.filter(ticket_id__in=ids)
        .order_by("pk")
        .values(
            "id",
            "ticket_id",
            "summary",
            "compensation_type",
            "compensation_amount",
            "status",
            "rejection_reason",
            "created_at",
            "answered_at",
        )
    )
    by_message, by_proposal = _by_ticket(messages, ids), _by_ticket(proposals, ids)
    return [
        {**t, "messages": by_message[t["id"]], "proposals": by_proposal[t["id"]]} for t in tickets
    ]


def export_surveys(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        Survey.objects.filter(customer_id=customer.pk)
        .order_by("pk")
        .values(
            "id", "kind", "ticket_id", "sent_at", "answered_at", "csat", "ces", "nps", "comment"
        )
    )


def export_calls(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        Call.objects.filter(customer_id=customer.pk)
        .order_by("pk")
        .values(
            "id",
            "ticket_id",
            "direction",
            "from_number",
            "to_number",
            "started_at",
            "duration",
            "outcome",
            "notes",
        )
    )


def export_loyalty(customer: Customer) -> dict[str, Any]:
    return {
        "points": _rows(
            PointsEntry.objects.filter(customer_id=customer.pk)
            .order_by("at", "pk")
            .values("at", "kind", "points", "spend", "reason", "external_id", "expires_at")
        ),
        "vouchers": _rows(
            Voucher.objects.filter(issued_to_id=customer.pk)
            .order_by("issued_at", "pk")
            .values("code", "pool__name", "issued_at", "redeemed_at")
        ),
    }


def export_consents(customer: Customer) -> list[dict[str, Any]]:
    return _rows(
        Consent.objects.filter(customer_id=customer.pk)
        .order_by("at", "pk")
        .values("purpose", "granted", "source", "at")
    )


# --- erasure ------------------------------------------------------------------------------------


def erase(customer: Customer) -> None:
    """Removes or redacts the customer's personal data in every app's rows (inside
    ``customer_erase``'s transaction, before the customer's contacts go)."""
    redacted = gettext("[Dihapus atas permintaan pelanggan (UU PDP)]")
    addresses = list(
        CustomerContact.objects.filter(customer_id=customer.pk).values_list("value", flat=True)
    )
    emails = list(
        CustomerContact.objects.filter(customer_id=customer.pk, kind=ContactKind.EMAIL).values_list(
            "value", flat=True
        )
    )
    # Subqueries, not lists of ids: a long history stays one statement per table.
    tickets = Ticket.objects.filter(customer_id=customer.pk)
    ticket_ids = tickets.values("pk")
    elsewhere, copies, moved, notices = _merged_elsewhere(customer)
    messages = Message.objects.filter(
        Q(ticket__customer_id=customer.pk) | Q(pk__in=moved) | Q(pk__in=notices)
    )
    message_ids = messages.values("pk")

    tickets.update(
        subject=redacted, description=redacted, facts="", resolution_reason="", product=""
    )
    messages.update(body=redacted, body_html="", sender_address="")
    _delete_attachments(Q(ticket_id__in=ticket_ids) | Q(message_id__in=moved))
    TicketSearchDocument.objects.filter(ticket_id__in=ticket_ids).update(
        staff_text="", public_text=""
    )
    records = [
        customer.pk,
        *Customer.objects.filter(merged_into=customer).values_list("pk", flat=True),
    ]
    _redact_timeline(
        Q(ticket_id__in=ticket_ids) | Q(pk__in=copies),  # the copies there
        redacted,
        own=tuple(f"(#{pk})" for pk in records),
    )
    _moved_away(customer, redacted)
    for pk in elsewhere:  # their documents held the moved messages' words
        index_ticket(pk)
    Confirmation.objects.filter(ticket_id__in=ticket_ids).update(
        restatement=redacted, customer_response=""
    )
    Apology.objects.filter(ticket_id__in=ticket_ids).update(
        recognition=redacted, responsibility="", remorse="", restitution="", repetition=""
    )
    MissedDeadline.objects.filter(ticket_id__in=ticket_ids).update(escalation_words="")
    Notification.objects.filter(ticket_id__in=ticket_ids).update(text=redacted)  # may name them
    Proposal.objects.filter(ticket_id__in=ticket_ids).update(
        summary=redacted, rejection_reason="", compensation_note="", review_note=""
    )

    Survey.objects.filter(customer_id=customer.pk).update(comment="")
    Call.objects.filter(Q(customer_id=customer.pk) | Q(ticket_id__in=ticket_ids)).update(
        from_number="", to_number="", notes="", recording_url=""
    )
    Chat.objects.filter(
        Q(ticket_id__in=ticket_ids) | Q(provisional_customer_id=customer.pk)
    ).update(  # and the resume credentials: the visitor's browser reopens nothing
        visitor_name=customer_services.erased_name(),
        visitor_email="",
        visitor_phone="",
        browser_key_hash="",
        code_hash="",
        code_expires_at=None,
    )
    InboundDelivery.objects.filter(
        Q(message_id__in=message_ids) | Q(sender__in=addresses) | Q(address__in=addresses)
    ).update(payload={}, parsed={}, media={}, sender="", address="")
    OutboundDelivery.objects.filter(message_id__in=message_ids).update(
        recipient="", template_params=[]
    )
    ProposalOffer.objects.filter(message_id__in=message_ids).update(recipient="")
    EmailParticipant.objects.filter(ticket_id__in=ticket_ids).delete()
    EmailReceipt.objects.filter(sender__in=emails).delete()
    QuarantinedEmail.objects.filter(sender__in=emails).delete()

    Consent.objects.filter(customer_id=customer.pk).delete()
    # The ledger keeps every line and its points; the reasons people typed may name them.
    PointsEntry.objects.filter(customer_id=customer.pk, kind__in=WORDED_KINDS).exclude(
        reason=redacted
    ).redact_reasons(redacted)
    TierOverride.objects.filter(customer_id=customer.pk).update(reason=redacted)
    CampaignRecipient.objects.filter(customer_id=customer.pk).update(  # a provider's error
        address="",
        params={},
        error="",  # can quote the address
    )


_TICKETS = Ticket._meta.db_table
# The tickets the customer's merged tickets went into, hop by hop (a ticket merged into
# one that was itself merged on), that are now filed under someone else: one statement.
_CHAIN_SQL = f"""
WITH RECURSIVE chain(id) AS (
    SELECT merged_into_id FROM {_TICKETS}
    WHERE customer_id = %s AND merged_into_id IS NOT NULL
    UNION
    SELECT t.merged_into_id FROM {_TICKETS} t JOIN chain c ON t.id = c.id
    WHERE t.merged_into_id IS NOT NULL
)
SELECT t.id FROM {_TICKETS} t JOIN chain c ON t.id = c.id
WHERE t.customer_id <> %s ORDER BY t.id
"""


def _merged_elsewhere(customer: Customer) -> tuple[list[int], list[int], list[int], list[int]]:
    """Where the customer's words went beyond their own tickets: a ticket of theirs
    merged into another (same customer, ``ticket_merge``) that was later filed under
    someone else (``ticket_change_customer``), or merged on from there, took their
    messages (moved along), a copy of their timeline (``merged_from``, copied again at
    each further merge) and the "tickets merged" notice written to them. Returns those
    tickets, the copies of their events there, the moved messages (by the ids the
    customer's own timelines recorded as each was added) and the notices (the replies
    there naming a merged ticket of theirs). No more than five reads; one when nothing
    went elsewhere."""
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_SQL, [customer.pk, customer.pk])
        elsewhere = [int(pk) for (pk,) in cursor.fetchall()]
    if not elsewhere:
        return [], [], [], []
    sources = list(
        Ticket.objects.filter(customer_id=customer.pk, merged_into__isnull=False).values_list(
            "pk", flat=True
        )
    )
    # A copy keeps its original's kind, field, actor and time, whichever hop made it; the
    # customer's merged tickets hold (copies of) every event that went on from them.
    # Its values too: events written in bulk share a time (a tag renamed on many tickets,
    # the SLA's), and another customer's copy must not match one of theirs.
    theirs = list(
        TimelineEvent.objects.filter(ticket_id__in=sources).values_list(
            "kind", "field", "actor_id", "created_at", "old_value", "new_value", "data__message_id"
        )
    )

    def signature(row: tuple[Any, ...]) -> tuple[Any, ...]:
        kind, field, actor, at, old, new = row
        return (
            kind,
            field,
            actor,
            at,
            json.dumps(old, sort_keys=True),
            json.dumps(new, sort_keys=True),
        )

    signatures = {signature(row[:6]) for row in theirs}
    ids = {row[6] for row in theirs if isinstance(row[6], int)}
    copies = [
        row[0]
        for row in TimelineEvent.objects.filter(
            ticket_id__in=elsewhere, data__has_key="merged_from"
        ).values_list("pk", "kind", "field", "actor_id", "created_at", "old_value", "new_value")
        if signature(row[1:]) in signatures
    ]
    moved = list(
        Message.objects.filter(pk__in=ids, ticket_id__in=elsewhere).values_list("pk", flat=True)
    )
    references = [ticket_reference(pk) for pk in sources]
    named = Q()
    for reference in references:
        named |= Q(body__contains=reference)
    # a whole reference, not the start of a longer one (SGP-100000 in SGP-1000000)
    alternatives = "|".join(re.escape(r) for r in references)
    whole = re.compile(f"(?:{alternatives})(?!\\d)")
    notices = [
        pk
        for pk, body in Message.objects.filter(
            named, ticket_id__in=elsewhere, kind=MessageKind.REPLY
        )
        .exclude(pk__in=moved)
        .values_list("pk", "body")
        if whole.search(body)
    ]
    return elsewhere, copies, sorted(moved), sorted(notices)


def _moved_away(customer: Customer, redacted: str) -> None:
    """A ticket filed away from the customer (or a record merged into theirs) to
    someone else: its change of customer names them, "<name> (#id)", on one side; that
    side is redacted, the other customer's name stays. One read, one UPDATE per batch
    (the timeline's sanctioned redaction)."""
    ids = [customer.pk, *Customer.objects.filter(merged_into=customer).values_list("pk", flat=True)]
    names = Q()
    for pk in ids:  # the values are JSON strings: '"Budi (#12)"' as text, both engines
        names |= Q(old_text__endswith=f'(#{pk})"') | Q(new_text__endswith=f'(#{pk})"')
    now = timezone.now()
    events = list(
        TimelineEvent.objects.filter(kind=EventKind.FIELD_CHANGED, field="customer")
        .exclude(ticket__customer_id=customer.pk)
        .alias(old_text=Cast("old_value", TextField()), new_text=Cast("new_value", TextField()))
        .filter(names)
        .only("pk", "old_value", "new_value", "data", "redacted_at")
    )
    suffixes = tuple(f"(#{pk})" for pk in ids)
    for e in events:
        for attr in ("old_value", "new_value"):
            if isinstance(getattr(e, attr), str) and getattr(e, attr).endswith(suffixes):
                setattr(e, attr, redacted)
        e.redacted_at = now
    TimelineEvent.objects.bulk_update(
        events, ["old_value", "new_value", "data", "redacted_at"], batch_size=500
    )


_SOMEONE = re.compile(r"\(#\d+\)\Z")  # "<name> (#id)": a customer's side of a change


def _redacted_event(event: TimelineEvent, redacted: str, own: tuple[str, ...]) -> bool:
    """Blanks the personal words in one event (in memory); whether anything changed. A
    change of customer keeps the other customer's side (``own``: the suffixes "(#id)" of
    the erased customer's records)."""
    changed = False
    if event.field in _WORDED_FIELDS:
        for attr in ("old_value", "new_value"):
            value = getattr(event, attr)
            if value in (None, "", redacted):
                continue
            if (
                event.field == "customer"
                and isinstance(value, str)
                and _SOMEONE.search(value)
                and not value.endswith(own)
            ):
                continue  # someone else's name
            setattr(event, attr, redacted)
            changed = True
    data = dict(event.data or {})
    for key in _WORDED_KEYS:
        if data.get(key) not in (None, "", redacted):
            data[key] = redacted
    if isinstance(data.get("bounce"), dict):  # a bounced reply names the recipient
        data["bounce"] = {**data["bounce"], "recipient": ""}
        data["rule"] = redacted
    if data != (event.data or {}):
        event.data = data
        changed = True
    return changed


def _redact_timeline(which: Q, redacted: str, own: tuple[str, ...]) -> None:
    """The words in the events ``which`` (of the customer's tickets, and the copies of
    their timeline elsewhere): one read, one UPDATE per batch, each event marked
    ``redacted_at`` (the trigger lets only such an UPDATE through, and only of those
    columns)."""
    now = timezone.now()
    events = [
        e
        for e in TimelineEvent.objects.filter(which).only(
            "pk", "field", "old_value", "new_value", "data", "redacted_at"
        )
        if _redacted_event(e, redacted, own)
    ]
    for e in events:
        e.redacted_at = now
    TimelineEvent.objects.bulk_update(
        events, ["old_value", "new_value", "data", "redacted_at"], batch_size=500
    )


def _delete_attachments(which: Q) -> None:
    """The rows ``which`` now; their files once the erasure commits (a rollback keeps
    them), each unless another attachment still shares it (files are stored by content
    hash)."""
    rows = Attachment.objects.filter(which)
    names = set(rows.values_list("file", flat=True))
    if not names:
        return
    rows.delete()
    orphans = names - set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))

    def remove() -> None:
        for name in orphans:
            default_storage.delete(name)  # the attachments' storage (no storage= of its own)

    transaction.on_commit(remove)


def connect() -> None:
    customer_services.on_export("tickets", export_tickets)
    customer_services.on_export("surveys", export_surveys)
    customer_services.on_export("calls", export_calls)
    customer_services.on_export("loyalty", export_loyalty)
    customer_services.on_export("consents", export_consents)
    customer_services.on_erase(erase)
