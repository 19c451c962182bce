"""The ticket page and its forms: reply, the procedure's steps, transfer, status, escalation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages as flash
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.connectors import ui as channel_ui
from sigap.core.errors import NotFound, SigapError
from sigap.tickets import canned, guidance, selectors, services, timeline
from sigap.tickets.access import access_ticket, visible_tickets
from sigap.tickets.attachments import uploads_from
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    CannedResponse,
    ProposalStatus,
    Status,
    Ticket,
)
from sigap.tickets.transitions import ALLOWED, procedure_steps
from sigap.triage.panel import triage_panel
from sigap.web.forms import (
    ApologyForm,
    CloseForm,
    ConfirmForm,
    ProposalForm,
    ReasonForm,
    RecordForm,
    ReplyForm,
    StatusForm,
    TransferForm,
)
from sigap.web.seed import APOLOGY_5R
from sigap.web.views.inbox import _people


def _ticket_context(
    request: HttpRequest, ticket_id: int, bound: dict[str, Form] | None = None
) -> dict[str, Any]:
    user = cast(User, request.user)
    try:
        ticket = selectors.ticket_detail_for(user=user, ticket_id=ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages = {m.pk: m for m in selectors.messages_for(user=user, ticket=ticket)}
    proposals = list(selectors.proposals_for(user=user, ticket=ticket))
    teams, staff = _people()
    names = {"team": dict(teams), "assignee": dict(staff)}
    items = timeline.items(
        selectors.timeline_for(user=user, ticket=ticket),
        messages,
        names,
        own_addresses=timeline.customer_addresses(ticket),
    )
    offer_waiting = any(p.status == ProposalStatus.OFFERED for p in proposals)
    approval_waiting = any(p.status == ProposalStatus.PENDING_APPROVAL for p in proposals)
    values = canned.placeholder_values(ticket, user)
    templates = [
        (c, canned.fill(c.body, values))
        for c in CannedResponse.objects.filter(active=True)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .order_by("purpose", "title")
    ]
    others = list(
        visible_tickets(user)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .order_by("-pk")
        .only("id", "subject", "status", "channel", "created_at")[:10]
    )
    initial: dict[str, dict[str, Any]] = {
        "record": {"facts": ticket.facts},
        "confirm": {"restatement": ticket.subject},
        "apology": {k: canned.fill(v, values) for k, v in APOLOGY_5R.items()},
    }
    forms: dict[str, Form] = {
        name: cls(initial=initial.get(name), auto_id=f"{name}-%s") for name, cls in FORMS.items()
    }
    forms["status"].fields["to"].choices = [  # type: ignore[attr-defined]
        (s, label) for s, label in Status.choices if s in ALLOWED[Status(ticket.status)]
    ]
    forms.update(bound or {})
    return {
        "ticket": ticket,
        "steps": procedure_steps(ticket.status),
        "next_step": guidance.for_agent(
            ticket,
            offer_waiting=offer_waiting,
            approval_waiting=approval_waiting,
            changes_requested=any(p.status == ProposalStatus.CHANGES_REQUESTED for p in proposals),
        ),
        "items": items,
        "proposals": proposals,
        "open_proposals": [p for p in proposals if p.status in OPEN_PROPOSAL_STATUSES],
        "can_approve": user.is_supervisor_or_admin,
        "templates": templates,
        "others": others,
        "forms": forms,
        "due": guidance.when(ticket.resolution_due_at),
        "first_due": guidance.when(ticket.first_response_due_at),
        "overdue": ticket.is_open
        and ticket.resolution_due_at is not None
        and ticket.resolution_due_at < timezone.now(),
        # channels: WhatsApp/Meta window notices + reply delivery status (sigap.connectors.ui)
        **channel_ui.ticket_context(ticket, messages.values()),
        "triage": triage_panel(ticket.pk),
    }


@require_GET
@staff_required
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    context = _ticket_context(request, ticket_id)
    shown = request.GET.get("images", "")  # the one message whose remote images load
    context["show_images"] = int(shown) if shown.isdigit() else 0
    part = request.GET.get("part")
    if part == "live":  # what a live refresh swaps in: header, steps, timeline, proposals
        return render(request, "web/_ticket_live.html", context)
    return render(request, "web/ticket.html", context)


ActionFn = Callable[[User, Ticket, dict[str, Any], HttpRequest], str]


def _action(form_name: str, form_class: type[Form], fn: ActionFn) -> Callable[..., HttpResponse]:
    """A POST on the ticket page: validate, call the service, redirect back (PRG).
    On an error the page is shown again with the error and what the user typed."""

    @require_POST
    @staff_required
    def view(request: HttpRequest, ticket_id: int) -> HttpResponse:
        user = cast(User, request.user)
        form = form_class(request.POST, request.FILES, auto_id=f"{form_name}-%s")
        status = 422
        if form.is_valid():
            try:
                ticket = access_ticket(user, ticket_id)
                done = fn(user, ticket, form.cleaned_data, request)
                flash.success(request, done)
                url = reverse("web:ticket", args=[ticket_id])
                return HttpResponseRedirect(f"{url}#{form_name}" if form_name else url)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except SigapError as exc:
                status = exc.http_status
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
                flash.error(request, exc.message)
        context = _ticket_context(request, ticket_id, bound={form_name: form})
        context["open_form"] = form_name
        return render(request, "web/ticket.html", context, status=status)

    return view


def _reply(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.message_add(
        actor=user,
        ticket=ticket,
        kind=data["kind"],
        body=data["body"],
        uploads=uploads_from(request),
        handle_seconds=data.get("handle_seconds"),
    )
    return "Catatan internal disimpan." if data["kind"] == "note" else "Balasan terkirim."


def _record(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_record(actor=user, ticket=ticket, facts=data["facts"])
    return "Fakta dan kronologi dicatat."


def _confirm(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_confirm(
        actor=user,
        ticket=ticket,
        restatement=data["restatement"],
        customer_confirmed=data["customer_confirmed"],
        customer_response=data["customer_response"],
    )
    return "Konfirmasi dicatat."


def _apology(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.apology_create(actor=user, ticket=ticket, parts=data)
    return "Permintaan maaf terkirim."


def _proposal(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    proposal = services.proposal_create(
        actor=user,
        ticket=ticket,
        summary=data["summary"],
        compensation_type=data["compensation_type"],
        compensation_amount=data["compensation_amount"] or 0,
    )
    if proposal.status == ProposalStatus.PENDING_APPROVAL:
        return "Usulan dibuat dan menunggu persetujuan supervisor."
    return "Usulan ditawarkan ke pelanggan."


def _transfer(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_transfer(actor=user, ticket=ticket, team=data["team"], reason=data["reason"])
    return f"Tiket dialihkan ke tim {data['team'].name}."


def _status(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    if data["to"] == Status.RESOLVED:
        services.ticket_resolve(actor=user, ticket=ticket, reason=data["reason"])
    else:
        services.ticket_transition(actor=user, ticket=ticket, to=data["to"], reason=data["reason"])
    return "Status diubah."


def _close(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_close(actor=user, ticket=ticket, thanks=data["thanks"], reason=data["reason"])
    return "Tiket ditutup."


def _reopen(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_reopen(actor=user, ticket=ticket, reason=data["reason"])
    return "Tiket dibuka kembali."


class _Empty(Form):
    pass


def _escalate(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_escalate(actor=user, ticket=ticket, reason=data["reason"])
    return "Tiket dieskalasi."


def _assign_me(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_update(
        actor=user, ticket=ticket, version=ticket.version, changes={"assignee": user}
    )
    return "Tiket kini menjadi tanggung jawab Anda."


FORMS: dict[str, type[Form]] = {
    "reply": ReplyForm,
    "record": RecordForm,
    "confirm": ConfirmForm,
    "apology": ApologyForm,
    "proposal": ProposalForm,
    "transfer": TransferForm,
    "status": StatusForm,
    "close": CloseForm,
    "reopen": ReasonForm,
    "escalate": ReasonForm,
}


ticket_reply = _action("reply", ReplyForm, _reply)


ticket_record = _action("record", RecordForm, _record)


ticket_confirm = _action("confirm", ConfirmForm, _confirm)


ticket_apology = _action("apology", ApologyForm, _apology)


ticket_proposal = _action("proposal", ProposalForm, _proposal)


ticket_transfer = _action("transfer", TransferForm, _transfer)


ticket_status = _action("status", StatusForm, _status)


ticket_close = _action("close", CloseForm, _close)


ticket_reopen = _action("reopen", ReasonForm, _reopen)


ticket_assign_me = _action("", _Empty, _assign_me)


ticket_escalate = _action("escalate", ReasonForm, _escalate)
