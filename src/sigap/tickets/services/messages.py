"""Messages on a ticket: inbound, public replies and internal notes, and the response clocks
they start and stop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sigap.accounts.models import User
from sigap.core import fastsql
from sigap.core.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from sigap.sla import book as sla_book
from sigap.tickets import events, hooks
from sigap.tickets.attachments import Upload, attachment_store, check_size, known_attachments
from sigap.tickets.models import (
    Channel,
    Message,
    MessageKind,
    Ticket,
)
from sigap.tickets.search import index_message
from sigap.tickets.services._common import S, _deliver, _lock, _set_status, _touch


def _message_create(
    ticket: Ticket,
    actor: User | None,
    kind: MessageKind,
    body: str,
    channel: str,
    external_id: str = "",
    created_at: datetime | None = None,
    handle_seconds: int | None = None,
    body_html: str = "",
    sender_address: str = "",
) -> Message:
    message = Message(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author=actor,
        body=body,
        body_html=body_html,
        sender_address=sender_address,
        external_id=external_id,
        created_at=created_at or timezone.now(),
    )
    fastsql.insert([message])
    events.message_event(message, handle_seconds=handle_seconds)
    if kind == MessageKind.REPLY:
        _deliver(message)
    fields: dict[str, Any] = {}
    if kind == MessageKind.REPLY:
        if ticket.first_responded_at is None:
            fields["first_responded_at"] = message.created_at
        if ticket.next_response_due_at is not None:  # answered: the clock stops
            fields["next_response_due_at"] = None
    _touch(ticket, **fields)
    return message


@transaction.atomic
def message_add(
    *,
    actor: User | None,
    ticket: Ticket,
    kind: str,
    body: str,
    channel: str | None = None,
    external_id: str = "",
    uploads: Sequence[Upload] = (),
    created_at: datetime | None = None,
    handle_seconds: int | None = None,
    chatbot: bool = True,
    bot_text: str = "",
    body_html: str = "",
    sender_address: str = "",
) -> Message:
    """Add an inbound message, a public reply or an internal note. ``handle_seconds``:
    how long the agent worked on it (the composer measures it; AHT in ``metrics``).
    ``chatbot=False``: the caller hands an inbound message to the automatic responders
    itself (live chat does, after acknowledging the message to the visitor, with
    ``hooks.react_now``); ``bot_text``: what they should read instead of the body (the
    quick-reply choice a tapped button stands for). ``body_html``: the message's sanitized
    HTML, beside its text (email); ``sender_address``: who wrote an inbound message, as the
    channel names them (an email's From), when that is known.

    A message with an ``external_id`` already stored for its channel is returned as is:
    a redelivered webhook or mail creates nothing twice.
    """
    msg_kind = MessageKind(kind)
    body = body.strip()
    if not body and not uploads:
        raise ValidationFailed(_("Pesan kosong."), fields={"body": [_("Wajib diisi.")]})
    if actor is not None and actor.is_customer and msg_kind != MessageKind.INBOUND:
        raise PermissionDenied(_("Pelanggan hanya dapat mengirim pesan."))
    for upload in uploads:
        check_size(upload.filename, len(upload.content))
    channel = channel or (Channel.PORTAL if actor and actor.is_customer else ticket.channel)
    if external_id:
        existing = Message.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return existing
    ticket = _lock(ticket)
    if ticket.status == S.CLOSED and msg_kind != MessageKind.NOTE:
        raise Conflict(
            _("Tiket %(ref)s sudah ditutup. Silakan buat tiket baru untuk masalah ini.")
            % {"ref": ticket.reference}
        )
    if msg_kind == MessageKind.REPLY:  # a channel may refuse it (WhatsApp's 24-hour window)
        hooks.publish(hooks.ReplyPosting(ticket=ticket, channel=channel, attachments=len(uploads)))
    try:
        with transaction.atomic():
            message = _message_create(
                ticket,
                actor,
                msg_kind,
                body,
                channel,
                external_id,
                created_at,
                handle_seconds,
                body_html=body_html,
                sender_address=sender_address,
            )
    except IntegrityError:
        return Message.objects.get(channel=channel, external_id=external_id)
    if chatbot and msg_kind == MessageKind.INBOUND and (bot_text or body):
        hooks.publish(
            hooks.CustomerWrote(ticket_id=ticket.pk, channel=channel, text=bot_text or body)
        )
    known_attachments(message, [attachment_store(message=message, upload=u) for u in uploads])
    _next_response_clock(ticket, message)
    if msg_kind == MessageKind.INBOUND and ticket.status == S.WAITING_CUSTOMER:
        _set_status(ticket, actor, S.IN_PROGRESS, gettext_noop("Pelanggan membalas."))
    elif msg_kind == MessageKind.INBOUND and ticket.status == S.RESOLVED:
        # Automation "re-open when the customer replies": the problem is not over for them.
        _set_status(
            ticket, actor, S.IN_PROGRESS, gettext_noop("Pelanggan membalas setelah tiket selesai.")
        )
    index_message(ticket.pk, msg_kind, body)
    hooks.publish(
        hooks.MessageAdded(
            ticket_id=ticket.pk,
            message_id=message.pk,
            kind=msg_kind,
            channel=channel,
            text=body,
        )
    )
    return message


def _next_response_clock(ticket: Ticket, message: Message) -> None:
    """A customer message after the first response starts the next-response clock, if
    it is not already running (a public reply stops it: ``_message_create``)."""
    if (
        message.kind == MessageKind.INBOUND
        and ticket.first_responded_at is not None
        and ticket.next_response_due_at is None
        and ticket.is_open
    ):
        due = sla_book.current().next_response_due(
            ticket.sla_policy_id, ticket.priority, message.created_at
        )
        if due is not None:
            _touch(ticket, next_response_due_at=due)
