"""What the ticket page's proposal block needs for a supervisor's decision, an agent's
resubmission and the compensation's fulfilment (``web/_proposal_review.html``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import Form

from sigap.accounts.models import User
from sigap.tickets.access import may_decide
from sigap.tickets.models import CompensationType, Proposal, ProposalStatus, Ticket
from sigap.web.forms import FulfilForm, ProposalForm

register = template.Library()


@register.simple_tag(takes_context=True)
def proposal_review(context: template.Context, proposal: Proposal) -> dict[str, Any]:
    """``can_decide``: the viewer may approve, decline or ask for changes now;
    ``resubmit``: the form to edit a returned proposal; ``fulfil``: the form to record the
    compensation of an accepted one. A form the viewer just sent with an error comes back
    bound (the ticket page's ``forms``)."""
    user: User = context["request"].user
    ticket: Ticket = context["ticket"]
    bound: dict[str, Form] = context.get("forms") or {}
    out: dict[str, Any] = {"can_decide": False, "resubmit": None, "fulfil": None}
    if proposal.status == ProposalStatus.PENDING_APPROVAL:
        out["can_decide"] = may_decide(user, ticket)
    elif proposal.status == ProposalStatus.CHANGES_REQUESTED:
        out["resubmit"] = bound.get("resubmit") or ProposalForm(
            initial={
                "summary": proposal.summary,
                "compensation_type": proposal.compensation_type,
                "compensation_amount": proposal.compensation_amount,
            },
            auto_id="resubmit-%s",
        )
    elif (
        proposal.status == ProposalStatus.ACCEPTED
        and proposal.compensation_type != CompensationType.NONE
        and not proposal.compensation_given
    ):
        sent = bound.get("fulfil")
        if sent is not None and str(sent.data.get("proposal")) == str(proposal.pk):
            out["fulfil"] = sent
        else:
            out["fulfil"] = FulfilForm(
                initial={"proposal": proposal.pk}, auto_id=f"fulfil-{proposal.pk}-%s"
            )
    return out
