"""The page an offered proposal's answer link opens (email, a live chat's card): no
sign-in, the signed token names the proposal (``tickets.proposal_links``).

A GET only shows the proposal and asks for a confirming POST (mail scanners and link
previews fetch links; they must not decide anything). The POST records the answer as
the customer's (``services.proposal_answer``); once answered, the same link shows the
answer already recorded, so a second click changes nothing. A rejection without a reason
may get its reason afterwards, once (the page offers the field: ``jawab=alasan``). A
withdrawn proposal's link says it no longer holds and what does now, with the link of the
proposal offered in its place (``no_longer_offered``).
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sigap.core.errors import SigapError
from sigap.tickets import proposal_links, services
from sigap.tickets.models import Proposal, ProposalStatus
from sigap.tickets.services.proposal_answers import VIA, awaits_reason, no_longer_offered
from sigap.tickets.timeline import COMPENSATION_LABELS, compensation_text

ANSWERS = {"terima": True, "tolak": False}
REASON_ONLY = "alasan"  # the reason of a rejection recorded without one
REASON_LIMIT = 2000


def _invalid(request: HttpRequest, *, expired: bool) -> HttpResponse:
    return render(
        request,
        "portal/proposal_link_invalid.html",
        {"expired": expired},
        status=410 if expired else 404,
    )


@require_http_methods(["GET", "POST"])
def proposal_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = proposal_links.read_token(token)
    except proposal_links.LinkExpired:
        return _invalid(request, expired=True)
    proposal = (
        Proposal.objects.select_related("ticket__customer")
        .filter(pk=target.proposal_id, ticket_id=target.ticket_id)
        .first()
        if target is not None
        else None
    )
    if proposal is None:
        return _invalid(request, expired=False)
    chosen = request.GET.get("jawab", "")
    reason = ""
    error = ""
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("jawab", "")
        reason = request.POST.get("reason", "").strip()[:REASON_LIMIT]
        ticket = proposal.ticket
        via = ticket.channel if ticket.channel in VIA else "other"
        if chosen == REASON_ONLY:
            if not awaits_reason(proposal):
                status = 409
            elif not reason:
                error, status = _("Tuliskan alasan Anda."), 422
            else:
                try:
                    services.proposal_reason_add(proposal=proposal, reason=reason, via=via)
                except SigapError as exc:  # given a moment ago
                    status = exc.http_status
                    proposal.refresh_from_db()
                else:
                    flash.success(request, _("Terima kasih, alasan Anda sudah kami catat."))
                    return HttpResponseRedirect(request.path)
        elif proposal.status != ProposalStatus.OFFERED:
            status = 409  # answered already, or withdrawn: the page says which
        elif chosen not in ANSWERS:
            error, status = _("Pilih: terima atau tolak usulan."), 422
        else:
            try:
                services.proposal_answer(
                    proposal=proposal,
                    accepted=ANSWERS[chosen],
                    via=via,
                    reason=reason,
                )
            except SigapError as exc:  # answered a moment ago: the page says how
                status = exc.http_status
                proposal.refresh_from_db()
                if proposal.status == ProposalStatus.OFFERED:
                    error = exc.message
            else:
                flash.success(
                    request,
                    _("Terima kasih, Anda menerima usulan ini. Kami segera menjalankannya.")
                    if ANSWERS[chosen]
                    else _(
                        "Terima kasih atas jawaban Anda. Kami akan menyiapkan solusi alternatif."
                    ),
                )
                return HttpResponseRedirect(request.path)
    notice = None
    current_link = ""
    if proposal.status not in (
        ProposalStatus.OFFERED,
        ProposalStatus.ACCEPTED,
        ProposalStatus.REJECTED,
    ):
        notice = no_longer_offered(proposal)
        if notice.current is not None:
            token = proposal_links.token_for(notice.current.pk, notice.current.ticket_id)
            current_link = reverse("portal:proposal_link", args=[token])
    context = {
        "proposal": proposal,
        "notice": notice,
        "current_link": current_link,
        "ask_reason": awaits_reason(proposal),
        "ticket": proposal.ticket,
        "compensation": compensation_text(
            proposal.compensation_type, proposal.compensation_amount, labels=COMPENSATION_LABELS
        ),
        "open": proposal.status == ProposalStatus.OFFERED,
        "chosen": chosen if chosen in ANSWERS else "",
        "reason": reason,
        "error": error,
    }
    return render(request, "portal/proposal_link.html", context, status=status)
