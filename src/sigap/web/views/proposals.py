"""Proposals on the ticket page: the customer's answer an agent heard (on the phone, at the
counter, in a message) and records ("who said what, when"), and the alternative after a
rejection.

The form is ``web/_proposal_answer.html``, under each offered proposal of the ticket
page; it posts here. The answer goes through ``services.proposal_answer`` as the
customer's, recorded by this agent, so the timeline shows it as said by the customer via
the agent, with their words and the time they said it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.core.errors import NotFound, SigapError
from sigap.tickets import services
from sigap.tickets.access import access_ticket
from sigap.tickets.models import Proposal, ProposalStatus
from sigap.tickets.services.proposal_answers import RECORDED_VIA, VIA

ANCHOR = "proposal-answer"
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ProposalAnswerForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(
        label=_("Jawaban pelanggan"),
        choices=[("accepted", _("Menerima")), ("rejected", _("Menolak"))],
        error_messages={"required": _("Pilih: menerima atau menolak.")},
    )
    via = forms.ChoiceField(label=_("Lewat"), choices=[(v, VIA[v]) for v in RECORDED_VIA])
    words = forms.CharField(
        label=_("Kata-kata pelanggan"),
        max_length=2000,
        error_messages={"required": _("Tuliskan apa yang dikatakan pelanggan.")},
    )
    said_at = forms.DateTimeField(
        label=_("Waktu pelanggan menjawab"),
        required=False,
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={"invalid": _("Waktu tidak valid (contoh: 2026-12-06 14:30).")},
    )


def alternative_initial(proposals: list[Proposal], wanted: str) -> dict[str, Any]:
    """The proposal form's initial values when the agent follows "Ajukan alternatif"
    (``?alternatif=<rejected proposal>``): the rejected proposal, to adjust."""
    if not wanted.isdigit():
        return {}
    rejected = next(
        (p for p in proposals if p.pk == int(wanted) and p.status == ProposalStatus.REJECTED),
        None,
    )
    if rejected is None:
        return {}
    return {
        "summary": rejected.summary,
        "compensation_type": rejected.compensation_type,
        "compensation_amount": rejected.compensation_amount or None,
    }


def latest_rejected(proposals: list[Proposal]) -> bool:
    """Is the newest proposal a rejected one (the next step is an alternative)?"""
    return bool(proposals) and proposals[-1].status == ProposalStatus.REJECTED


@require_POST
@staff_required
def proposal_answer_record(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Record the answer the customer gave an agent to the ticket's offered proposal."""
    user = cast(User, request.user)
    try:
        ticket = access_ticket(user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = ProposalAnswerForm(request.POST)
    errors: dict[str, list[str]] = {}
    message = ""
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        proposal = Proposal.objects.filter(pk=data["proposal"], ticket_id=ticket.pk).first()
        if proposal is None:
            raise Http404(gettext("Usulan tidak ditemukan."))
        said_at: datetime | None = data["said_at"]
        if said_at is not None and timezone.is_naive(said_at):
            said_at = timezone.make_aware(said_at)
        try:
            services.proposal_answer(
                proposal=proposal,
                accepted=data["answer"] == "accepted",
                via=data["via"],
                words=data["words"],
                said_at=said_at,
                recorded_by=user,
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except SigapError as exc:
            status = exc.http_status
            message = exc.message
            errors = {k: list(v) for k, v in exc.fields.items()}
            proposal.refresh_from_db()
            if proposal.status != ProposalStatus.OFFERED:  # its form is gone: say it above
                flash.error(request, message)
                message = ""
        else:
            flash.success(
                request,
                gettext("Jawaban pelanggan dicatat: menerima usulan.")
                if data["answer"] == "accepted"
                else gettext("Jawaban pelanggan dicatat: menolak usulan. Ajukan alternatif."),
            )
            return HttpResponseRedirect(reverse("web:ticket", args=[ticket.pk]) + "#proposals-h")
    else:
        message = gettext("Jawaban pelanggan belum lengkap.")
        errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    from sigap.web.views.ticket import _ticket_context  # the page module imports this one

    context = _ticket_context(request, ticket_id)
    proposal_id = request.POST.get("proposal", "")
    context["answer_form"] = {
        "proposal": int(proposal_id) if proposal_id.isdigit() else 0,
        "data": request.POST,
        "errors": errors,
        "message": message,
    }
    context["open_form"] = ANCHOR
    return render(request, "web/ticket.html", context, status=status)
