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
from sigap.web.views.create import customer_check, customer_lookup, customer_new, ticket_new
from sigap.web.views.customers import customer_calls, customer_list, customer_page
from sigap.web.views.home import supervisor_home
from sigap.web.views.inbox import home, inbox_bulk, inbox_bulk_undo, inbox_page, inbox_url
from sigap.web.views.macros import ticket_macro
from sigap.web.views.mentions import ticket_mentions
from sigap.web.views.saved import (
    inbox_lookup,
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
)
from sigap.web.views.setup import (
    settings_approval_default,
    settings_canned,
    settings_categories,
    settings_teams,
)
from sigap.web.views.ticket import (
    ActionFn,
    ticket_apology,
    ticket_assign,
    ticket_assign_me,
    ticket_classify,
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
    "customer_calls",
    "customer_check",
    "customer_list",
    "customer_lookup",
    "customer_new",
    "customer_page",
    "home",
    "inbox_bulk",
    "inbox_bulk_undo",
    "inbox_lookup",
    "inbox_page",
    "inbox_url",
    "proposal_decide",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_rename",
    "settings_approval_default",
    "settings_canned",
    "settings_categories",
    "settings_teams",
    "supervisor_home",
    "ticket_apology",
    "ticket_assign",
    "ticket_assign_me",
    "ticket_classify",
    "ticket_close",
    "ticket_confirm",
    "ticket_escalate",
    "ticket_macro",
    "ticket_mentions",
    "ticket_new",
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
