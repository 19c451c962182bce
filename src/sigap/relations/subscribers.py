"""Relations listen to the ticket core and the connectors: a "STOP" reply withdraws consent,
a customer's message after a campaign counts as its answer (both INSIDE the message's
transaction), WhatsApp statuses of campaign messages count deliveries and reads, and a new
ticket that matches an open incident is linked to it once the ticket is committed."""

from __future__ import annotations

from sigap.connectors import delivery
from sigap.relations import campaigns, consent
from sigap.tickets import hooks


def connect() -> None:
    hooks.subscribe(
        hooks.MessageAdded,
        consent.on_message,
        phase=hooks.INSIDE,
        name="relations.stop_reply",
        when=consent.wants_stop,
    )
    hooks.subscribe(
        hooks.MessageAdded,
        campaigns.on_reply,
        phase=hooks.INSIDE,
        name="relations.campaign_reply",
        when=campaigns.wants_reply,
    )
    hooks.subscribe(
        hooks.TicketCreated,
        consent.on_message,
        phase=hooks.INSIDE,
        name="relations.stop_opening",
        when=consent.wants_stop_opening,
    )
    hooks.subscribe(
        hooks.TicketCreated,
        campaigns.on_reply,
        phase=hooks.INSIDE,
        name="relations.campaign_reply_opening",
        when=campaigns.wants_reply_opening,
    )
    delivery.on_other_status("relations.campaigns", campaigns.apply_status)

    from sigap.relations import incidents

    hooks.subscribe(
        hooks.TicketCreated,
        lambda e: incidents.on_ticket_created(e.ticket_id),
        # in the request, after its commit: a job lost with the queue would leave the
        # ticket unlinked for good (no sweep looks for it); the open incidents are cached
        phase=hooks.AFTER,
        name="relations.incident_link",
    )
