"""The agent workspace's pages, by concern (every view reads through ``selectors`` or
``access`` and writes through ``services``; a domain error is shown on the page it came
from, with what the user typed kept)."""

from __future__ import annotations

from sigap.web.views.approvals import (
    approvals,
    proposal_decide,
    ticket_proposal_fulfil,
    ticket_proposal_resubmit,
)
from sigap.web.views.customers import customer_list, customer_page
from sigap.web.views.inbox import home, inbox_bulk, inbox_bulk_undo, inbox_page, inbox_url
from sigap.web.views.setup import (
    settings_approval_default,
    settings_canned,
    settings_categories,
    settings_teams,
)
from sigap.web.views.ticket import (
    ActionFn,
    ticket_apology,
    ticket_assign_me,
    ticket_close,
    ticket_confirm,
    ticket_escalate,
    ticket_page,
    ticket_proposal,
    ticket_record,
    ticket_reopen,
    ticket_reply,
    ticket_status,
    ticket_transfer,
)

__all__ = [
    "ActionFn",
    "approvals",
    "customer_list",
    "customer_page",
    "home",
    "inbox_bulk",
    "inbox_bulk_undo",
    "inbox_page",
    "inbox_url",
    "proposal_decide",
    "settings_approval_default",
    "settings_canned",
    "settings_categories",
    "settings_teams",
    "ticket_apology",
    "ticket_assign_me",
    "ticket_close",
    "ticket_confirm",
    "ticket_escalate",
    "ticket_page",
    "ticket_proposal",
    "ticket_proposal_fulfil",
    "ticket_proposal_resubmit",
    "ticket_record",
    "ticket_reopen",
    "ticket_reply",
    "ticket_status",
    "ticket_transfer",
]
