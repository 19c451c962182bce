"""Consent to be contacted first, per customer and purpose (``Consent``), and opt-outs.

Nobody is contacted by a campaign without a recorded consent for its purpose. An opt-out
takes effect at once: a reply "STOP" or "BERHENTI" on WhatsApp or Telegram (filed on a
ticket as usual, ``on_message``, in the message's transaction) or the signed link at the
foot of every campaign email (``unsubscribe_token``); each records who opted out, how and
when, and a campaign already queued skips them (its sender checks consent again before
every message)."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import User
from sigap.customers.models import Customer, CustomerChange
from sigap.relations.models import Consent, ConsentSource, Purpose
from sigap.tickets import hooks
from sigap.tickets.models import Channel, MessageKind, Ticket

STOP_WORDS = frozenset({"STOP", "BERHENTI", "UNSUBSCRIBE", "STOP ALL"})
STOP_CHANNELS = frozenset({Channel.WHATSAPP, Channel.TELEGRAM})
SALT = "sigap.relations.unsubscribe"
TOKEN_MAX_AGE = 365 * 24 * 3600  # an old notice's link still works for a year


@transaction.atomic
def consent_set(
    *,
    customer: Customer,
    purpose: str,
    granted: bool,
    source: str,
    actor: User | None = None,
) -> Consent:
    """Record the customer's word for ``purpose`` (an upsert on the unique pair) and the
    change in their profile audit. Unchanged consent writes nothing but the source/time."""
    if purpose not in Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    if source not in ConsentSource.values:
        raise ValueError(f"unknown consent source {source!r}")
    now = timezone.now()
    before = (
        Consent.objects.select_for_update()
        .filter(customer=customer, purpose=purpose)
        .values_list("granted", flat=True)
        .first()
    )
    consent, _created = Consent.objects.update_or_create(
        customer=customer,
        purpose=purpose,
        defaults={"granted": granted, "source": source, "at": now, "actor": actor},
    )
    if before != granted:
        CustomerChange.objects.create(
            customer=customer,
            at=now,
            actor_id=actor.pk if actor is not None else None,
            actor_name=actor.get_full_name() if actor is not None else "",
            field=f"consent_{purpose}",
            old_value=before,
            new_value={"granted": granted, "source": source},
        )
    return consent


def opt_out(*, customer: Customer, source: str, purposes: list[str] | None = None) -> int:
    """Withdraw consent for ``purposes`` (all by default); returns how many were granted."""
    withdrawn = 0
    for purpose in purposes or list(Purpose.values):
        had = Consent.objects.filter(customer=customer, purpose=purpose, granted=True).exists()
        consent_set(customer=customer, purpose=purpose, granted=False, source=source)
        withdrawn += had
    return withdrawn


def consented(customer_id: int, purpose: str) -> bool:
    return Consent.objects.filter(customer_id=customer_id, purpose=purpose, granted=True).exists()


# --- "STOP" replies ------------------------------------------------------------------------------


def is_stop(text: str) -> bool:
    return " ".join(text.split()).upper().strip(".!") in STOP_WORDS


def wants_stop(event: hooks.MessageAdded) -> bool:
    return (
        event.kind == MessageKind.INBOUND and event.channel in STOP_CHANNELS and is_stop(event.text)
    )


def wants_stop_opening(event: hooks.TicketCreated) -> bool:
    """A conversation opened by "STOP" (the customer had no open ticket there)."""
    return event.by_customer and event.channel in STOP_CHANNELS and is_stop(event.text)


def on_message(event: hooks.MessageAdded | hooks.TicketCreated) -> None:
    """A customer's "STOP"/"BERHENTI" on WhatsApp or Telegram: no more proactive contact,
    for any purpose, from now (in the filing transaction: the message and the opt-out
    commit together)."""
    ticket = Ticket.objects.select_related("customer").get(pk=event.ticket_id)
    opt_out(customer=ticket.customer, source=ConsentSource.REPLY_STOP)


# --- the unsubscribe link ------------------------------------------------------------------------


def unsubscribe_token(customer_id: int, purpose: str) -> str:
    return signing.dumps([customer_id, purpose], salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str] | None:
    """The customer and purpose a link stands for; None when forged, malformed or old."""
    try:
        value = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or value[1] not in Purpose.values
    ):
        return None
    return value[0], value[1]


def unsubscribe(token: str) -> Customer | None:
    """Follow an unsubscribe link (its confirming POST): consent for the link's purpose
    withdrawn. None when the link is not valid."""
    read = read_token(token)
    if read is None:
        return None
    customer = Customer.objects.filter(pk=read[0]).first()
    if customer is None:
        return None
    opt_out(customer=customer, source=ConsentSource.UNSUBSCRIBE_LINK, purposes=[read[1]])
    return customer
