"""Supervisors' approvals of proposals on complex tickets."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import User
from sigap.core.errors import PermissionDenied, SigapError
from sigap.tickets import services
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import (
    Proposal,
    ProposalStatus,
)


def _proposal_for(user: User, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("ticket")
        .filter(pk=proposal_id, ticket__in=visible_tickets(user))
        .first()
    )
    if proposal is None:
        raise Http404("Usulan tidak ditemukan.")
    return proposal


@require_POST
@staff_required
def proposal_decide(request: HttpRequest, proposal_id: int, decision: str) -> HttpResponse:
    user = cast(User, request.user)
    proposal = _proposal_for(user, proposal_id)
    try:
        if decision == "approve":
            services.proposal_approve(actor=user, proposal=proposal)
            flash.success(request, "Usulan disetujui dan ditawarkan ke pelanggan.")
        elif decision == "withdraw":
            services.proposal_withdraw(
                actor=user, proposal=proposal, reason=request.POST.get("reason", "")
            )
            flash.success(request, "Usulan ditarik.")
        else:
            raise Http404
    except (PermissionDenied, SigapError) as exc:
        flash.error(request, exc.message)
    back = safe_next(
        request, request.POST.get("next"), reverse("web:ticket", args=[proposal.ticket_id])
    )
    return redirect(back)


@require_GET
@supervisor_required
def approvals(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    pending = (
        Proposal.objects.filter(
            status=ProposalStatus.PENDING_APPROVAL, ticket__in=visible_tickets(user)
        )
        .select_related("ticket", "ticket__customer", "ticket__team", "created_by")
        .order_by("created_at")[:200]
    )
    return render(request, "web/approvals.html", {"pending": pending})
