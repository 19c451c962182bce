"""Triage listens to the ticket core (``tickets.hooks``):

* at intake, the safety detector (danger to people: *penting* and P1, whatever was given)
  and the priority matrix (when no priority was given);
* after a new ticket commits, its classification in the worker (``SIGAP_TRIAGE``);
* when an agent changes a field triage predicts, a labelled example for retraining.

And to the customers app: erasing a customer's personal data (UU PDP) deletes the
examples copied from their tickets' text.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from sigap.core.locale import said_in_default_language
from sigap.customers import services as customer_services
from sigap.customers.models import Customer
from sigap.tickets import hooks
from sigap.tickets.models import Ticket
from sigap.triage import service
from sigap.triage.models import Example
from sigap.triage.priority import priority_value


def intake(event: hooks.TicketIntake) -> hooks.IntakeAdvice | None:
    safety = service.safety_override(event.subject, event.description)
    if safety is not None:
        return hooks.IntakeAdvice(
            severity=safety.severity,
            priority=safety.priority,
            overrides=True,
            tags=(service.SAFETY_TAG,),
            note={
                "rule": said_in_default_language(gettext_lazy("Deteksi keselamatan")),
                "trigger": "ticket_created",
                "applied": [f"severity=penting, priority=P1 ({', '.join(safety.signals)})"],
            },
        )
    if event.priority is None:
        return hooks.IntakeAdvice(
            priority=priority_value(event.severity, event.loyalty_tier, event.customer_kind)
        )
    return None


def learn_from_agent(event: hooks.TicketUpdated) -> None:
    """Agents teach triage: a field it predicts, set by a person, is a labelled example."""
    ticket = Ticket.objects.only("subject", "description").get(pk=event.ticket_id)
    for field in service.FIELDS:
        if field in event.changes:
            service.record_correction(ticket, field, event.changes[field])


def classify(event: hooks.TicketCreated) -> None:
    """In the worker (``hooks.BACKGROUND``). One attempt: a ticket it fails on has no
    triage record, and ``catch_up`` tries it again within minutes."""
    service.triage_ticket(event.ticket_id)


def forget_customer(customer: Customer) -> None:
    Example.objects.filter(ticket__customer_id=customer.pk).delete()


def connect() -> None:
    customer_services.on_erase(forget_customer)
    hooks.subscribe(hooks.TicketIntake, intake, phase=hooks.INSIDE, name="triage.intake")
    hooks.subscribe(
        hooks.TicketUpdated,
        learn_from_agent,
        phase=hooks.INSIDE,
        name="triage.corrections",
        when=lambda e: not e.by_system and any(f in e.changes for f in service.FIELDS),
    )
    hooks.subscribe(
        hooks.TicketCreated,
        classify,
        phase=hooks.BACKGROUND,
        name="triage.classify",
        when=lambda e: bool(settings.SIGAP_TRIAGE),
    )
