"""Supervisors' decisions on proposals (approve, decline, ask for changes, each with a
note), the approvals queue with each case's context, the compensation not given yet; and
the agent's side: resubmitting a returned proposal, recording the compensation given."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import User
from sigap.core.errors import PermissionDenied, SigapError, ValidationFailed
from sigap.tickets import approval, services
from sigap.tickets.access import may_decide, visible_tickets
from sigap.tickets.models import (
    CompensationType,
    Proposal,
    ProposalStatus,
    Ticket,
)
from sigap.web.forms import FulfilForm, ProposalForm
from sigap.web.views.ticket import _action

QUEUE_LIMIT = 100
TABS = {
    "pending": ProposalStatus.PENDING_APPROVAL,
    "changes": ProposalStatus.CHANGES_REQUESTED,
}
DECIDED = {
    "approve": gettext_lazy("Usulan disetujui dan ditawarkan ke pelanggan."),
    "decline": gettext_lazy("Usulan ditolak; agen diberi tahu alasannya."),
    "changes": gettext_lazy("Usulan dikembalikan ke agen untuk diubah."),
    "withdraw": gettext_lazy("Usulan ditarik."),
}


def _proposal_for(user: User, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("ticket")
        .filter(pk=proposal_id, ticket__in=visible_tickets(user))
        .first()
    )
    if proposal is None:
        raise Http404(_("Usulan tidak ditemukan."))
    return proposal


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/forbidden.html", {"message": message}, status=403)


@require_POST
@staff_required
def proposal_decide(request: HttpRequest, proposal_id: int, decision: str) -> HttpResponse:
    """approve, decline, changes (the supervisor of the ticket's team; a note, required to
    decline or ask for changes) or withdraw (any staff who sees the ticket)."""
    if decision not in DECIDED:
        raise Http404
    user = cast(User, request.user)
    proposal = _proposal_for(user, proposal_id)
    if decision != "withdraw" and not may_decide(user, proposal.ticket):
        return _forbidden(request, _("Hanya supervisor tim ini yang dapat memutuskan usulan ini."))
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            services.proposal_approve(actor=user, proposal=proposal, note=note)
        elif decision == "decline":
            services.proposal_decline(actor=user, proposal=proposal, note=note)
        elif decision == "changes":
            services.proposal_request_changes(actor=user, proposal=proposal, note=note)
        else:
            services.proposal_withdraw(
                actor=user, proposal=proposal, reason=request.POST.get("reason", "")
            )
        flash.success(request, DECIDED[decision])
    except (PermissionDenied, SigapError) as exc:
        flash.error(request, exc.message)
    back = safe_next(
        request, request.POST.get("next"), reverse("web:ticket", args=[proposal.ticket_id])
    )
    return redirect(back)


@require_GET
@supervisor_required
def approvals(request: HttpRequest) -> HttpResponse:
    """What waits for this supervisor: only the proposals they may decide (their teams,
    tickets without a team; an admin every one), filtered in the query."""
    user = cast(User, request.user)
    tab = request.GET.get("tab", "pending")
    if tab not in (*TABS, "unfulfilled"):
        tab = "pending"
    context: dict[str, Any] = {"tab": tab, "limit": QUEUE_LIMIT}
    if tab == "unfulfilled":
        rows = list(approval.unfulfilled(user)[:QUEUE_LIMIT])
        context["unfulfilled"] = rows
        context["overdue_count"] = len([p for p in rows if getattr(p, "overdue", False)])
        context["fulfil_within_days"] = approval.FULFIL_WITHIN.days
    else:
        context["pending"] = list(approval.review_queue(user, TABS[tab])[:QUEUE_LIMIT])
    return render(request, "web/approvals.html", context)


# --- the agent's side, on the ticket page -----------------------------------------------------


def _resubmit(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    proposal = ticket.proposals.filter(status=ProposalStatus.CHANGES_REQUESTED).first()
    if proposal is None:
        raise ValidationFailed(_("Tidak ada usulan yang dikembalikan untuk diubah."))
    services.proposal_resubmit(
        actor=user,
        proposal=proposal,
        summary=data["summary"],
        compensation_type=data["compensation_type"],
        compensation_amount=data["compensation_amount"] or 0,
    )
    return _("Usulan diajukan ulang ke supervisor.")


def _fulfil(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    proposal = (
        ticket.proposals.filter(pk=data["proposal"], status=ProposalStatus.ACCEPTED)
        .exclude(compensation_type=CompensationType.NONE)
        .first()
    )
    if proposal is None:
        raise ValidationFailed(_("Usulan dengan kompensasi ini tidak ditemukan pada tiket ini."))
    given = data["given"] == "yes"
    services.proposal_fulfil(
        actor=user, proposal=proposal, given=given, reference=data["reference"], note=data["note"]
    )
    if given:
        return _("Kompensasi dicatat diberikan.")
    return _("Dicatat: kompensasi belum diberikan.")


ticket_proposal_resubmit = _action("resubmit", ProposalForm, _resubmit)


ticket_proposal_fulfil = _action("fulfil", FulfilForm, _fulfil)
