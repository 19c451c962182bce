"""The webhook events besides the tickets' timeline events (those are named after their
timeline kind, ``reply_sent``, ``status_changed`` …): customers, organizations, the loyalty
programme, incidents and campaigns. ``emit`` refuses a name not listed here, so a typo
cannot invent an event no subscriber knows of. Recorded with the change (the outbox) and
sent after it commits, signed, retried (``delivery``)."""

from __future__ import annotations

from typing import Any

from sigap.webhooks import outbox

EVENTS: dict[str, str] = {
    "customer.created": "a customer record was made (staff, a channel, the portal)",
    "customer.updated": "profile fields changed (``fields``: their names)",
    "customer.merged": "``merged_id`` was merged into ``customer_id``",
    "customer.erased": "the customer's personal data was erased (UU PDP); ids only",
    "organization.created": "an organization was made",
    "organization.updated": "an organization's fields changed (``fields``)",
    "loyalty.points_posted": "one entry of a customer's points ledger",
    "loyalty.tier_changed": "the daily pass or an override changed a customer's tier",
    "loyalty.voucher_issued": "a voucher code was given to a customer",
    "loyalty.voucher_redeemed": "the business reported a code redeemed",
    "incident.detected": "the surge detector suggests a possible incident",
    "incident.opened": "a supervisor opened an incident by hand",
    "incident.confirmed": "a suggested incident was confirmed (open)",
    "incident.dismissed": "a suggested incident was dismissed",
    "incident.updated": "title, owner, cause, a step, tickets linked or answered",
    "incident.resolved": "the incident is over; its tickets are closed together",
    "campaign.scheduled": "a campaign was queued (``send_at``, ``recipients``)",
    "campaign.started": "a campaign's first messages went out",
    "campaign.completed": "a campaign has nothing left to send (its counts)",
    "campaign.cancelled": "a campaign was stopped (``skipped``: not sent)",
}


def emit(event: str, payload: dict[str, Any]) -> None:
    """Record ``event`` for every webhook subscribed to it, in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}: add it to webhooks.catalogue")
    outbox.record(event, payload)
