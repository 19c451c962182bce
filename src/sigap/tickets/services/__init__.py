"""Every write to a ticket. Interfaces (API, views, commands, tasks) call these only.

Each service runs in one transaction, locks the ticket row, writes the change and its
timeline event together, and bumps ``Ticket.version`` so concurrent editors notice. The
services are split by concern; this package exports them all:

* ``creation``: opening a ticket, the acknowledgement, the chatbot's replies;
* ``messages``: inbound messages, replies and notes;
* ``updates``: field changes, transfers, recomputed due times, merged customers;
* ``procedure``: the complaint procedure's steps and the worker's time-based ones;
* ``proposals``: resolution proposals and their answers;
* ``approvals``: the supervisor's decline and request for changes, the resubmission, the
  compensation's fulfilment;
* ``links``: merging, splitting and relating tickets;
* ``proposal_answers``: the customer's answer through a channel or told to an agent;
* ``_common``: what they share (lock, versioned write, status change, delivery).
"""

from __future__ import annotations

from sigap.tickets.services.approvals import (
    approval_rule_clear,
    approval_rule_set,
    proposal_decline,
    proposal_fulfil,
    proposal_request_changes,
    proposal_resubmit,
)
from sigap.tickets.services.creation import (
    ACKNOWLEDGEMENT,
    bot_reply,
    tags_as_created,
    ticket_create,
    ticket_create_within,
)
from sigap.tickets.services.handover import open_tickets_of, staff_deactivate
from sigap.tickets.services.links import (
    merge_check,
    merge_notice,
    ticket_link,
    ticket_merge,
    ticket_split,
    ticket_unlink,
)
from sigap.tickets.services.messages import message_add
from sigap.tickets.services.overdue import formal_escalation_create, overdue_acknowledge
from sigap.tickets.services.procedure import (
    APOLOGY_PARTS,
    apology_create,
    ticket_auto_close,
    ticket_close,
    ticket_confirm,
    ticket_escalate,
    ticket_record,
    ticket_remind_customer,
    ticket_reopen,
    ticket_resolve,
    ticket_transition,
)
from sigap.tickets.services.proposal_answers import proposal_answer, proposal_reason_add
from sigap.tickets.services.proposals import (
    PROPOSAL_STATUSES_FOR_TICKET,
    proposal_accept,
    proposal_approve,
    proposal_create,
    proposal_reject,
    proposal_withdraw,
)
from sigap.tickets.services.updates import (
    UPDATABLE,
    ticket_change_customer,
    ticket_customer_update,
    ticket_recompute_due,
    ticket_transfer,
    ticket_update,
    tickets_move_customer,
)

__all__ = [
    "ACKNOWLEDGEMENT",
    "APOLOGY_PARTS",
    "PROPOSAL_STATUSES_FOR_TICKET",
    "UPDATABLE",
    "apology_create",
    "approval_rule_clear",
    "approval_rule_set",
    "bot_reply",
    "formal_escalation_create",
    "merge_check",
    "merge_notice",
    "message_add",
    "open_tickets_of",
    "overdue_acknowledge",
    "proposal_accept",
    "proposal_answer",
    "proposal_approve",
    "proposal_create",
    "proposal_decline",
    "proposal_fulfil",
    "proposal_reason_add",
    "proposal_reject",
    "proposal_request_changes",
    "proposal_resubmit",
    "proposal_withdraw",
    "staff_deactivate",
    "tags_as_created",
    "ticket_auto_close",
    "ticket_change_customer",
    "ticket_close",
    "ticket_confirm",
    "ticket_create",
    "ticket_create_within",
    "ticket_customer_update",
    "ticket_escalate",
    "ticket_link",
    "ticket_merge",
    "ticket_recompute_due",
    "ticket_record",
    "ticket_remind_customer",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_split",
    "ticket_transfer",
    "ticket_transition",
    "ticket_unlink",
    "ticket_update",
    "tickets_move_customer",
]
