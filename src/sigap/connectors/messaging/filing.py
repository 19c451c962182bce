"""Filing an accepted message on a ticket: its customer found or created, the ticket threaded
or opened, one transaction per message; the addresses and times the providers' windows count
from."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts import brands
from sigap.connectors import conf, registry
from sigap.connectors.messaging.inbound import (
    PROPOSAL_REPLY_IGNORED,
    SUBJECT_LENGTH,
    SURVEY_REPLY_IGNORED,
    Inbound,
)
from sigap.connectors.messaging.media import _fetch_later
from sigap.connectors.models import (
    InboundDelivery,
    InboundStatus,
    MediaState,
    ProposalOffer,
)
from sigap.core.errors import Conflict, SigapError, StaleVersion
from sigap.customers.models import Customer
from sigap.customers.services import (
    ContactIn,
    customer_create,
    customer_find_by_contact,
    customer_update,
)
from sigap.tickets import services
from sigap.tickets.models import Message, MessageKind, Status, Ticket

log = logging.getLogger(__name__)


def _inbound(row: InboundDelivery) -> Inbound:
    parsed = dict(row.parsed)
    return Inbound(
        provider=row.provider,
        external_id=row.external_id,
        address=row.address,
        sender=row.sender,
        sent_at=row.sent_at or row.received_at,
        payload=row.payload,
        aliases=tuple((k, v) for k, v in parsed.pop("aliases", [])),
        also=tuple((k, v) for k, v in parsed.pop("also", [])),
        **parsed,
    )


def file_received(inbound_id: int) -> str:
    """File one stored message on a ticket: ``created``, ``appended``, ``failed`` (kept
    with the reason) or ``skipped`` (already filed, or being filed by another worker).
    Database errors propagate (the job fails; the periodic sweep files the row later)."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                row = (
                    InboundDelivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=inbound_id, status=InboundStatus.RECEIVED)
                    .first()
                )
                if row is None:
                    return "skipped"
                return _file(_inbound(row), row)
        except (Conflict, StaleVersion) as exc:
            # e.g. two first messages of a new customer filed at once: the second finds
            # the customer on its next try
            if attempt == 2:
                return _failed(inbound_id, exc.message)
        except SigapError as exc:  # an attachment too large, a number that is not valid...
            return _failed(inbound_id, exc.message)
    return "failed"  # pragma: no cover  (the loop returns)


def file_many(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for inbound_id in ids:
        outcome = file_received(inbound_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def file_due(older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
    """File messages whose job was lost (a worker killed, a failed enqueue): the sweep."""
    due = list(
        InboundDelivery.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lte=timezone.now() - older_than
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(file_received(pk) in ("created", "appended") for pk in due)


def oldest_unfiled() -> datetime | None:
    """Since when the oldest stored message still waiting to be filed has waited."""
    since: datetime | None = (
        InboundDelivery.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return since


def _failed(inbound_id: int, error: str) -> str:
    row = InboundDelivery.objects.filter(pk=inbound_id).only("provider", "external_id").first()
    InboundDelivery.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED).update(
        status=InboundStatus.FAILED, error=error[:1000]
    )
    if row is not None:
        log.warning("%s message %s not filed: %s", row.provider, row.external_id, error)
    return "failed"


# The message being filed in this transaction: its row is marked filed only once its ticket
# message exists, after the ticket core's reactions inside the transaction (the automatic
# acknowledgement) have looked for the conversation's address.
_filing: ContextVar[tuple[InboundDelivery, str] | None] = ContextVar("sigap_filing", default=None)


@contextmanager
def _being_filed(row: InboundDelivery, message_id: str) -> Iterator[None]:
    token = _filing.set((row, message_id))
    try:
        yield
    finally:
        _filing.reset(token)


def _in_flight(provider: str, ticket_id: int) -> InboundDelivery | None:
    """The row being filed in this transaction, when it is on ``provider`` and its message
    is already on the ticket."""
    current = _filing.get()
    if current is None or current[0].provider != provider:
        return None
    row, message_id = current
    on_ticket = Message.objects.filter(
        ticket_id=ticket_id, channel=provider, external_id=message_id
    ).exists()
    return row if on_ticket else None


def _file(item: Inbound, row: InboundDelivery) -> str:
    # what the filing sends at once (the chatbot's answer) leaves through the connection
    # the message came in on
    with _being_filed(row, item.message_id), conf.using_brand(item.provider, item.brand):
        return _file_now(item, row)


def _file_now(item: Inbound, row: InboundDelivery) -> str:
    customer = _customer_for(item)
    # one customer's messages are filed one at a time (PostgreSQL): no two new tickets
    list(Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk"))
    brand_id = _brand_of(item)
    # the conversation with this brand (its number, bot, page): a customer who writes to
    # two brands has a ticket with each
    same_brand = Q(brand_id=brands.info(brand_id).id)
    if brands.info(brand_id).is_default:
        same_brand |= Q(brand__isnull=True)  # tickets older than brands
    ticket = (
        Ticket.objects.filter(same_brand, customer=customer, channel=item.provider)
        .exclude(status=Status.CLOSED)
        .order_by("-id")
        .first()
    ) or _followed_up(customer, item)
    if ticket is not None:
        message = services.message_add(
            actor=None,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            body=item.text,
            channel=item.provider,
            external_id=item.message_id,
            created_at=item.sent_at,
            bot_text=item.choice,  # the bot gets the choice, not its (perhaps shortened) title
        )
        outcome = "appended"
    else:
        ticket = services.ticket_create(
            actor=None,
            customer=customer,
            kind="inquiry",
            channel=item.provider,
            subject=_subject(item, customer),
            description=item.text,
            external_id=item.message_id,
            created_at=item.sent_at,
            brand_id=brand_id,
        )
        message = Message.objects.get(channel=item.provider, external_id=item.message_id)
        outcome = "created"
    fields: dict[str, Any] = {"status": InboundStatus.FILED, "message": message, "error": ""}
    if item.media:
        fields.update(
            media=item.media, media_state=MediaState.PENDING, media_next_attempt_at=timezone.now()
        )
        row_id = row.pk
        transaction.on_commit(lambda: _fetch_later(row_id), robust=True)
    InboundDelivery.objects.filter(pk=row.pk).update(**fields)
    return outcome


def _brand_of(item: Inbound) -> int | None:
    """The brand of the connection the message came in on (a brand's own number, bot or
    page, ``Inbound.brand``); ``None``: the default brand (the default connection, or a
    brand switched off since)."""
    if item.brand is None:
        return None
    brand = brands.info(item.brand)
    return brand.id if brand.id == item.brand and brand.is_active else None


def _followed_up(customer: Customer, item: Inbound) -> Ticket | None:
    """With no open ticket of the customer on this channel: the open ticket whose proposal
    was offered to this very address here (a phone ticket's offer on WhatsApp), so their
    answer to it (the reason for a rejection) lands on that ticket."""
    offer = (
        ProposalOffer.objects.filter(
            channel=item.provider,
            recipient__in={item.address, item.sender} - {""},
            proposal__ticket__customer=customer,
        )
        .exclude(proposal__ticket__status=Status.CLOSED)
        .select_related("proposal__ticket")
        .order_by("-id")
        .first()
    )
    return offer.proposal.ticket if offer is not None else None


def _subject(item: Inbound, customer: Customer) -> str:
    first_line = item.text.strip().splitlines()[0].strip() if item.text.strip() else ""
    if not first_line or first_line.startswith("["):  # only media or a placeholder
        label = registry.label(item.provider)
        subject = _("Pesan %(channel)s dari %(name)s") % {"channel": label, "name": customer.name}
        return subject[:SUBJECT_LENGTH]
    if len(first_line) > SUBJECT_LENGTH:
        return first_line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return first_line


def _customer_for(item: Inbound) -> Customer:
    """The channel identity is the provider's (a wa_id, a chat id), so it is ``verified``:
    no check of ours refuses it and the message is filed whatever it looks like."""
    identity = ContactIn(item.contact_kind, item.contact_value, verified=True)
    found = customer_find_by_contact(item.contact_kind, item.contact_value, verified=True)
    if found is not None:
        return found
    for kind, value in item.aliases:
        alias = customer_find_by_contact(kind, value)
        if alias is not None:
            add_contact(alias, identity)
            return alias
    contacts = [ContactIn(item.contact_kind, item.contact_value, True, verified=True)]
    contacts += [ContactIn(kind, value) for kind, value in item.also]
    name = item.name.strip() or f"{registry.label(item.provider)} {item.contact_value}"
    return customer_create(name=name[:200], contacts=contacts)


def add_contact(customer: Customer, contact: ContactIn) -> None:
    """Add a channel identity to a customer found another way (by phone; a commenter by
    the private reply): best effort, an edit racing with this one just wins."""
    current = [ContactIn(c.kind, c.value, c.is_primary) for c in customer.contacts.all()]
    try:
        customer_update(
            customer=customer, version=customer.version, changes={}, contacts=[*current, contact]
        )
    except (Conflict, StaleVersion) as exc:
        log.info("contact %s not added to customer %s: %s", contact.value, customer.pk, exc)


def _filed(provider: str, ticket_id: int) -> Any:
    return InboundDelivery.objects.filter(
        provider=provider, status=InboundStatus.FILED, message__ticket_id=ticket_id
    )


def last_address(provider: str, ticket_id: int, *, skip_prefix: str = "") -> str:
    """Where the ticket's conversation on ``provider`` is: the reply address of the newest
    message from the customer on it, the one being filed included ("" when none); every
    connector's first choice of recipient. ``skip_prefix``: leave out the messages whose
    external id starts with it (Meta's comments)."""
    current = _in_flight(provider, ticket_id)
    if current is not None and current.address:
        comment = bool(skip_prefix) and current.external_id.startswith(skip_prefix)
        if not comment:
            return current.address
    rows = _filed(provider, ticket_id).exclude(address="")
    if skip_prefix:
        rows = rows.exclude(external_id__startswith=skip_prefix)
    address: str | None = rows.order_by("-id").values_list("address", flat=True).first()
    return address or ""


def last_external_id(provider: str, ticket_id: int) -> str | None:
    """The provider's id of the newest message from the customer on the ticket, the one
    being filed included (None when none)."""
    current = _in_flight(provider, ticket_id)
    if current is not None:
        return current.external_id
    newest: str | None = (
        _filed(provider, ticket_id).order_by("-id").values_list("external_id", flat=True).first()
    )
    return newest


def last_inbound_at(provider: str, address: str, *, excluding: str = "") -> datetime | None:
    """When the customer at ``address`` last wrote on ``provider`` (stored, filed or not
    yet, or a tapped survey or proposal answer, which the provider counts as a message
    too): what the providers' messaging windows count from. ``excluding``: an external-id
    prefix that does not count (Meta's public comments open no messaging window). Only
    the messages to the connection in use count (``conf.current``: a brand's own number
    has its own window)."""
    taps = Q(status=InboundStatus.IGNORED) & (
        Q(error__startswith=SURVEY_REPLY_IGNORED) | Q(error__startswith=PROPOSAL_REPLY_IGNORED)
    )
    rows = InboundDelivery.objects.filter(
        Q(status__in=[InboundStatus.RECEIVED, InboundStatus.FILED]) | taps,
        provider=provider,
        address=address,
    )
    if excluding:
        rows = rows.exclude(external_id__startswith=excluding)
    # the window is the business number's (page's, bot's): with brands' own connections,
    # only what the customer wrote to the connection in use counts
    brand = conf.current_brand()
    if brand is not None:
        rows = rows.filter(parsed__brand=brand)
    elif conf.accounts(provider):
        rows = rows.filter(Q(parsed__brand=None) | Q(parsed__brand__isnull=True))
    latest: datetime | None = rows.aggregate(latest=Max("sent_at"))["latest"]
    return latest
