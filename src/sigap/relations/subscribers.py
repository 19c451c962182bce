"""Relations listen to the ticket core (``tickets.hooks``): a new ticket that matches an
open incident is linked to it once the ticket is committed."""

from __future__ import annotations

from sigap.tickets import hooks


def connect() -> None:
    from sigap.relations import incidents

    hooks.subscribe(
        hooks.TicketCreated,
        lambda e: incidents.on_ticket_created(e.ticket_id),
        phase=hooks.AFTER,
        name="relations.incident_link",
    )
