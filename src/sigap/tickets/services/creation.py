"""Opening a ticket (with its first message, due times, timeline and the automatic
acknowledgement) and the chatbot's replies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sigap.accounts import brands, message_templates
from sigap.accounts.models import Team, User
from sigap.core import fastsql
from sigap.core.errors import (
    NotFound,
    ValidationFailed,
)
from sigap.customers.models import Customer
from sigap.tickets import events, hooks
from sigap.tickets.access import require_may_open_in
from sigap.tickets.attachments import Upload, attachment_store, check_size, known_attachments
from sigap.tickets.models import (
    Category,
    Channel,
    ComplainerGoal,
    ComplainerType,
    EventKind,
    Kind,
    Message,
    MessageKind,
    Priority,
    ResponseType,
    RootCause,
    Severity,
    Ticket,
)
from sigap.tickets.search import new_ticket_document
from sigap.tickets.services._common import _check_assignee, _choice, _deliver, _tag_objects
from sigap.tickets.sla import default_priority, due_for

PRODUCT_MAX = 100  # Ticket.product's length
# Each choice field's values, built once (``Choices.values`` builds a new list per call).
_CHOICES = tuple(
    (name, frozenset(choices.values))
    for name, choices in (
        ("kind", Kind),
        ("channel", Channel),
        ("category", Category),
        ("severity", Severity),
        ("complainer_type", ComplainerType),
        ("complainer_goal", ComplainerGoal),
        ("response_type", ResponseType),
        ("root_cause", RootCause),
    )
)
_PRIORITIES = frozenset(Priority.values)


def ticket_create_within(
    *,
    actor: User | None,
    customer: Customer,
    kind: str,
    channel: str,
    subject: str,
    description: str,
    category: str = "",
    severity: str = "",
    priority: int | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    complainer_type: str = "",
    complainer_goal: str = "",
    response_type: str = "",
    root_cause: str = "",
    external_id: str = "",
    uploads: Sequence[Upload] = (),
    created_at: datetime | None = None,
    body_html: str = "",
    sender_address: str = "",
    brand_id: int | None = None,
    product: str = "",
) -> Ticket:
    """Open a ticket; its description is stored as the first inbound message too
    (``body_html``: that message's sanitized HTML, when it came as HTML;
    ``sender_address``: who wrote it, as the channel names them, e.g. an email's From;
    ``brand_id``: the brand of the channel it came in on, by default the default brand;
    ``product``: what it is about, as the business names it, up to 100 characters, in the
    "created" event's data when given; staff only, like the category).

    ``ticket_create_within`` opens no transaction of its own: its caller's must roll back
    entirely when it raises (``transaction.atomic(savepoint=False)`` inside a request's
    own transaction, as the API's idempotent POST does). ``ticket_create`` is the same in
    its own transaction (a savepoint when nested)."""
    if actor is not None and actor.is_customer:
        linked = getattr(actor, "customer", None)
        if linked is None or linked.pk != customer.pk:
            raise NotFound(_("Pelanggan tidak ditemukan."))
        channel = Channel.PORTAL
        team = assignee = None
        priority = None
        # Severity, category and product are the company's assessment (triage), not the
        # customer's.
        severity = category = product = ""
    elif actor is not None:
        require_may_open_in(actor, team)
    values = [kind, channel, category, severity, complainer_type, complainer_goal]
    values += [response_type, root_cause]  # in ``_CHOICES``' order
    for (field_name, choices), value in zip(_CHOICES, values, strict=True):
        _choice(value, choices, field_name)
    if priority is not None:
        _choice(priority, _PRIORITIES, "priority")
    for upload in uploads:
        check_size(upload.filename, len(upload.content))
    subject = subject.strip()
    description = description.strip()
    product = product.strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Subjek wajib diisi.")]
    if not description:
        errors["description"] = [_("Deskripsi wajib diisi.")]
    if len(product) > PRODUCT_MAX:
        errors["product"] = [_("Paling banyak 100 karakter.")]
    if errors:
        raise ValidationFailed(_("Data tiket belum lengkap."), fields=errors)
    _check_assignee(assignee, team)
    now = created_at or timezone.now()
    advice = hooks.publish(
        hooks.TicketIntake(
            subject=subject,
            description=description,
            kind=kind,
            channel=channel,
            severity=severity,
            priority=priority,
            loyalty_tier=customer.loyalty_tier,
            customer_kind=customer.kind,
        )
    )
    notes: list[dict[str, Any]] = []
    for given in advice:
        if given.overrides:  # danger to people: the tightest handling, whatever was given
            severity = given.severity if given.severity is not None else severity
            priority = given.priority if given.priority is not None else priority
        elif priority is None and given.priority is not None:
            priority = given.priority
        tags = [*tags, *given.tags]
        if given.note is not None:
            notes.append(dict(given.note))
    if priority is None:
        priority = default_priority(severity, customer.loyalty_tier)
    sla = due_for(
        channel,
        priority,
        now,
        severity=severity,
        kind=kind,
        tier=customer.loyalty_tier,
        team_id=team.pk if team else None,
        category=category,
    )
    ticket = Ticket(
        kind=kind,
        channel=channel,
        subject=subject,
        description=description,
        category=category,
        severity=severity,
        priority=priority,
        complainer_type=complainer_type,
        complainer_goal=complainer_goal,
        response_type=response_type,
        root_cause=root_cause,
        product=product,
        customer=customer,
        team=team,
        assignee=assignee,
        created_by=actor,
        brand_id=brands.info(brand_id).id,
        first_response_due_at=sla.first_response,
        resolution_due_at=sla.resolution,
        sla_warn_at=sla.warn_at,
        sla_policy_id=sla.policy_id,
        created_at=now,
        updated_at=now,
    )
    message = Message(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        channel=channel,
        author=actor if actor is not None and actor.is_customer else None,
        body=description,
        body_html=body_html,
        sender_address=sender_address,
        external_id=external_id,
        created_at=now,
    )
    fastsql.insert_with_child(ticket, message, fk="ticket")  # one statement on PostgreSQL
    tag_objs = _tag_objects(tags)
    if tag_objs:
        ticket.tags.add(*tag_objs)
    known_attachments(message, [attachment_store(message=message, upload=u) for u in uploads])
    # its search document in the same statement as its first two timeline entries
    events.ticket_opened_events(ticket, actor, message, along=[new_ticket_document(ticket)])
    for note in notes:
        events.sla_event(ticket, EventKind.AUTOMATION, data=note)
    # A caller hears it from the agent; a public comment gets the agent's own first reply
    # (moved to a private message by the channel), not an automatic one; a live chat is a
    # conversation: the chatbot greets the visitor there (``kb.conversation``) and the
    # widget shows the ticket number and, when nobody is online, the deadline.
    if (
        settings.SIGAP_AUTO_ACK
        and (actor is None or actor.is_customer)
        and channel not in (Channel.PHONE, Channel.LIVECHAT)
        and not external_id.startswith("comment:")
    ):
        _acknowledge(ticket, customer, now)
    by_customer = actor is None or actor.is_customer
    changed = hooks.publish(
        hooks.TicketCreated(
            ticket_id=ticket.pk,
            kind=kind,
            channel=channel,
            by_customer=by_customer,
            text=description,
            assignee_id=ticket.assignee_id,
            author_id=ticket.created_by_id,
            external_id=external_id,
        )
    )
    # An automatic responder answers a customer writing in, not staff logging a ticket.
    if by_customer:
        hooks.publish(hooks.CustomerWrote(ticket_id=ticket.pk, channel=channel, text=description))
    if any(changed):  # an automation rule acted on it in this transaction
        ticket.refresh_from_db()
    else:
        setattr(ticket, _CREATED_TAGS, [t.name for t in tag_objs])
    return ticket


ticket_create = transaction.atomic(ticket_create_within)

_CREATED_TAGS = "_sigap_created_tags"


def tags_as_created(ticket: Ticket) -> list[str] | None:
    """The tag names ``ticket_create`` gave a ticket, when nothing else can have changed
    them in its transaction (no automation ran); None: read them from the database."""
    names: list[str] | None = getattr(ticket, _CREATED_TAGS, None)
    return names


# The default text (the settings page's "Tanda terima tiket" may change it per brand and
# language: ``accounts.message_templates``).
ACKNOWLEDGEMENT = message_templates.KEYS["acknowledgement"].body["id"]


def bot_reply(*, ticket: Ticket, body: str) -> Message:
    """An automatic responder's answer to the customer (the chatbot): a public reply with
    no author, sent on the ticket's channel. Not a person's response: the SLA clocks keep
    running, like for the automatic acknowledgement."""
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        channel=ticket.channel,
        author=None,
        body=body,
        created_at=timezone.now(),
    )
    events.message_event(message)
    _deliver(message)
    return message


def _acknowledge(ticket: Ticket, customer: Customer, now: datetime) -> None:
    """The automatic acknowledgement: the customer learns the ticket number and the
    deadlines at once. It is not the first response (the SLA clock keeps running)."""
    from sigap.tickets.guidance import when

    language = customer.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):  # the deadlines in the customer's words too
        body = message_templates.render_message(
            "acknowledgement",
            language=language,
            # the ticket's brand once tickets carry one; the default brand until then
            brand=getattr(ticket, "brand_id", None),
            context={
                "nama_depan": message_templates.first_name(customer.name),
                "nomor_tiket": ticket.reference,
                "subjek": ticket.subject,
                "tenggat_balasan": when(ticket.first_response_due_at, customer.time_zone),
                "tenggat": when(ticket.resolution_due_at, customer.time_zone),
            },
        ).body
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        channel=ticket.channel,
        author=None,
        body=body,
        created_at=now,
    )
    events.message_event(message)
    _deliver(message)
