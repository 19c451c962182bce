"""The ticket page, the agent's workbench: the procedure's current step under "Langkah
berikutnya", the status changes allowed now, the reply (and a status change with it), the
classification, the assignment, transfer and escalation.

Every form posts to one view that calls the services and redirects back (PRG); a domain
error shows the page again with the error once, beside the form, and what was typed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, cast

from django.contrib import messages as flash
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts import brands, directory
from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.connectors import ui as channel_ui
from sigap.core.errors import NotFound, SigapError, TransitionNotAllowed
from sigap.tickets import canned, guidance, selectors, services, timeline
from sigap.tickets.access import access_ticket, visible_tickets
from sigap.tickets.attachments import uploads_from
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    CannedPurpose,
    CannedResponse,
    Message,
    MessageKind,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.transitions import Move, moves, procedure_steps
from sigap.triage.panel import triage_panel
from sigap.web.forms import (
    ApologyForm,
    AssignForm,
    ClassifyForm,
    CloseForm,
    ConfirmForm,
    ProposalForm,
    ReasonForm,
    RecordForm,
    ReplyForm,
    StatusForm,
    TransferForm,
)
from sigap.web.seed import APOLOGY_5R, APOLOGY_RESTITUTION_NO_DUE
from sigap.web.views.mentions import warn_unseen
from sigap.web.views.proposals import alternative_initial, latest_rejected

# The procedure's forms in the workbench, in the procedure's order: (form, title, submit).
STEPS: list[tuple[str, Any, Any]] = [
    ("record", gettext_lazy("1. Catat fakta dan kronologi"), gettext_lazy("Simpan catatan")),
    ("confirm", gettext_lazy("2. Konfirmasi masalah"), gettext_lazy("Simpan konfirmasi")),
    ("apology", gettext_lazy("Permintaan maaf (5R)"), gettext_lazy("Kirim permintaan maaf")),
    ("proposal", gettext_lazy("3. Usulan penyelesaian"), gettext_lazy("Ajukan usulan")),
    ("status", gettext_lazy("Ubah status"), gettext_lazy("Ubah")),
    ("close", gettext_lazy("Tutup tiket"), gettext_lazy("Tutup")),
    ("reopen", gettext_lazy("Buka kembali"), gettext_lazy("Buka kembali")),
]
# "Kirim + …": the moves the composer offers beside "Kirim" (when they need no reason).
SEND_AND: dict[str, Any] = {
    Status.WAITING_CUSTOMER: gettext_lazy("Kirim + menunggu pelanggan"),
    Status.IN_PROGRESS: gettext_lazy("Kirim + diproses"),
    Status.RESOLVED: gettext_lazy("Kirim + selesai"),
}
# The side column's forms: the column loads after the page (``?part=side``).
SIDE_FORMS = ("classify", "assign", "transfer", "escalate")
CLASSIFY_TICKET_FIELDS = (
    "category",
    "severity",
    "priority",
    "complainer_type",
    "complainer_goal",
    "response_type",
    "root_cause",
    "product",
)


@dataclass
class WorkStep:
    name: str
    title: str
    submit: str
    form: Form | None  # None: drawn when opened (``?part=step``)
    current: bool

    @property
    def url_name(self) -> str:
        return f"web:ticket_{self.name}"


def _status_choices(available: list[Move]) -> list[tuple[str, str]]:
    # Closing has its own form (with the thanks); the select offers the other moves.
    return [
        (m.to, _("%(label)s (wajib alasan)") % {"label": m.label} if m.needs_reason else m.label)
        for m in available
        if m.to != Status.CLOSED
    ]


def _send_choices(available: list[Move]) -> list[tuple[str, str]]:
    return [("", _("Kirim"))] + [
        (m.to, str(SEND_AND[m.to])) for m in available if m.to in SEND_AND and not m.needs_reason
    ]


def _apology_parts(values: dict[str, str]) -> dict[str, str]:
    if values.get("tenggat"):
        return APOLOGY_5R
    return {**APOLOGY_5R, "restitution": APOLOGY_RESTITUTION_NO_DUE}


def _load(n: int) -> str:
    """An agent's open tickets as the assignee list shows them: "99+" from the cap on."""
    return f"{selectors.LOAD_CAP - 1}+" if n >= selectors.LOAD_CAP else str(n)


def _newest_others(user: User, messages: dict[int, Message]) -> int:
    """The newest message someone else wrote to or for the customer (not a note)."""
    return max(
        (pk for pk, m in messages.items() if m.kind != MessageKind.NOTE and m.author_id != user.pk),
        default=0,
    )


def _open_ticket(
    request: HttpRequest, ticket_id: int, *, tags: bool = False
) -> tuple[User, Ticket]:
    user = cast(User, request.user)
    try:
        return user, selectors.ticket_detail_for(user=user, ticket_id=ticket_id, tags=tags)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _read_ticket(request: HttpRequest, ticket_id: int) -> tuple[User, selectors.TicketDetail]:
    """The ticket with its customer (id, name, kind, tier), team and assignee, and the
    customer's contacts as (kind, value), in one statement of a fixed shape
    (``selectors.ticket_read``, the API's): what the first paint and the timeline's pages
    read. The ORM's ticket, contacts and their compiling cost about 3 ms of CPU a page
    (decision 0009)."""
    user = cast(User, request.user)
    try:
        return user, selectors.ticket_read(user=user, ticket_id=ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _messages(user: User, detail: selectors.TicketDetail) -> dict[int, Message]:
    """The ticket's messages by id (their attachments read only if the ticket has any)."""
    found = selectors.messages_read(
        user=user, ticket=detail.ticket, attachments=detail.has_attachments
    )
    return {m.pk: m for m in found}


def _moves_now(ticket: Ticket, proposals: list[Any]) -> list[Move]:
    return moves(
        kind=ticket.kind,
        status=ticket.status,
        accepted_proposal=any(p.status == ProposalStatus.ACCEPTED for p in proposals),
        open_proposal=any(p.status in OPEN_PROPOSAL_STATUSES for p in proposals),
    )


def _step_initial(
    name: str, ticket: Ticket, user: User, proposals: list[Any], request: HttpRequest
) -> dict[str, Any] | None:
    """A workbench form's initial values, read only for the forms the response draws."""
    if name == "record":
        return {"facts": ticket.facts}
    if name == "confirm":
        return {"restatement": ticket.subject}
    if name == "apology":
        values = canned.placeholder_values(ticket, user)
        return {k: canned.fill(v, values) for k, v in _apology_parts(values).items()}
    if name == "proposal":
        return alternative_initial(proposals, request.GET.get("alternatif", ""))
    return None


def _step_form(
    name: str,
    ticket: Ticket,
    user: User,
    proposals: list[Any],
    request: HttpRequest,
    *,
    available: list[Move],
    bound: dict[str, Form],
    resolve: bool = False,
) -> Form:
    form = bound.get(name) or FORMS[name](
        initial=(
            {"to": Status.RESOLVED}
            if name == "status" and resolve
            else _step_initial(name, ticket, user, proposals, request)
        ),
        auto_id=f"{name}-%s",
    )
    if name == "status":
        form.fields["to"].choices = _status_choices(available)  # type: ignore[attr-defined]
    return form


def _shown_steps(ticket: Ticket, available: list[Move]) -> list[tuple[str, str, str]]:
    """The workbench's forms for this ticket now: (name, title, submit), procedure order."""
    shown = {"status": bool(_status_choices(available))}
    if ticket.is_open:
        shown.update(record=True, confirm=True, apology=True, proposal=True)
    shown["close"] = ticket.status != Status.CLOSED
    shown["reopen"] = ticket.status in (Status.RESOLVED, Status.CLOSED)
    return [(name, str(title), str(submit)) for name, title, submit in STEPS if shown.get(name)]


def _ticket_context(
    request: HttpRequest,
    ticket_id: int,
    bound: dict[str, Form] | None = None,
    *,
    live: bool = False,
    open_form: str = "",
) -> dict[str, Any]:
    """The page's first paint: the header, the steps, the proposals, the timeline (its
    newest part), the composer and the current step's form. The other steps' forms load
    when opened (``?part=step``), the side column right after the page (``?part=side``),
    except the form shown again with an error (``open_form``), which is drawn at once."""
    user, detail = _read_ticket(request, ticket_id)
    ticket, contacts = detail.ticket, detail.contacts
    bound = bound or {}
    messages = _messages(user, detail)
    proposals = (
        list(selectors.proposals_for(user=user, ticket=ticket)) if detail.has_proposals else []
    )
    events = selectors.timeline_page(user=user, ticket=ticket, before=_before(request))
    items = _timeline_items(events.events, messages, contacts)
    offer_waiting = any(p.status == ProposalStatus.OFFERED for p in proposals)
    approval_waiting = any(p.status == ProposalStatus.PENDING_APPROVAL for p in proposals)
    accepted = any(p.status == ProposalStatus.ACCEPTED for p in proposals)
    current = guidance.agent_form(
        ticket,
        offer_waiting=offer_waiting,
        approval_waiting=approval_waiting,
        apologised=events.apologised,
        accepted=accepted,
    )
    if request.GET.get("alternatif"):  # "Ajukan alternatif" after a rejection
        current = "proposal"
    context: dict[str, Any] = {
        "ticket": ticket,
        # the ticket's brand, shown only when the business has several (no query)
        "ticket_brand": brands.info(ticket.brand_id) if brands.several() else None,
        "steps": procedure_steps(ticket.status),
        "next_step": guidance.for_agent(
            ticket,
            offer_waiting=offer_waiting,
            approval_waiting=approval_waiting,
            accepted=accepted,
            rejected_waiting=latest_rejected(proposals),
            changes_requested=any(p.status == ProposalStatus.CHANGES_REQUESTED for p in proposals),
        ),
        "current_form": "status" if current == "resolve" else current,
        "items": items,
        "earlier": events.earlier,
        "proposals": proposals,
        "open_proposals": [p for p in proposals if p.status in OPEN_PROPOSAL_STATUSES],
        "can_approve": user.is_supervisor_or_admin,
        "newest_message": max(messages, default=0),
        "newest_others": _newest_others(user, messages),
        "due": guidance.when(ticket.resolution_due_at),
        "first_due": guidance.when(ticket.first_response_due_at),
        "overdue": ticket.is_open
        and ticket.resolution_due_at is not None
        and ticket.resolution_due_at < timezone.now(),
        # channels: WhatsApp/Meta window notices + reply delivery status (sigap.connectors.ui)
        **channel_ui.ticket_context(ticket, messages.values(), proposals),
    }
    if live:  # the live fragment: header, steps, proposals, timeline; the forms stay put
        return context
    available = _moves_now(ticket, proposals)
    values = canned.placeholder_values(ticket, user)
    templates = [(c, canned.fill(c.body, values)) for c in canned.active_for(ticket.team_id)]
    reply = bound.get("reply") or ReplyForm(
        initial={"seen": context["newest_message"]}, auto_id="reply-%s"
    )
    reply.fields["then"].choices = _send_choices(available)  # type: ignore[attr-defined]
    drawn = {context["current_form"], open_form}
    work = [
        WorkStep(
            name,
            title,
            submit,
            _step_form(
                name,
                ticket,
                user,
                proposals,
                request,
                available=available,
                bound=bound,
                resolve=current == "resolve",
            )
            if name in drawn
            else None,
            name == context["current_form"],
        )
        for name, title, submit in _shown_steps(ticket, available)
    ]
    work.sort(key=lambda s: not s.current)  # the current step first, right under the guidance
    # the bound forms too: the proposals' resubmit and fulfil forms read theirs from here
    context.update(
        work=work,
        forms={**bound, "reply": reply},
        templates=templates,
        template_groups=_by_purpose(templates),
    )
    if open_form in SIDE_FORMS:  # shown again with its error: the side column comes drawn
        # (from the ORM's ticket: the column reads the customer's other fields and the tags)
        side = _side_context(request, user, _open_ticket(request, ticket_id, tags=True)[1], bound)
        context["forms"].update(side.pop("forms"))
        context.update(side, side_drawn=True)
    return context


def _by_purpose(
    templates: list[tuple[CannedResponse, str]],
) -> list[tuple[str, list[tuple[CannedResponse, str]]]]:
    """The composer's templates under their purpose's label, in the order given (by
    purpose): what ``{% regroup %}`` made, without a ``get_purpose_display`` per entry."""
    labels = {value: str(label) for value, label in CannedPurpose.choices}
    return [
        (labels.get(purpose, purpose), list(group))
        for purpose, group in groupby(templates, key=lambda t: t[0].purpose)
    ]


def _timeline_items(
    events: Sequence[TimelineEvent],
    messages: dict[int, Message],
    contacts: list[tuple[str, str]],
) -> list[timeline.Item]:
    """The timeline's entries as the page draws them, with the teams' and staff's names
    (kept in memory: ``accounts.directory``); ``contacts``: the customer's (kind, value)."""
    names = {"team": dict(directory.teams()), "assignee": directory.staff_names()}
    return timeline.items(events, messages, names, own_addresses=timeline.email_addresses(contacts))


def _before(request: HttpRequest) -> int | None:
    before = request.GET.get("before", "")
    return int(before) if before.isdigit() else None


def _side_context(
    request: HttpRequest, user: User, ticket: Ticket, bound: dict[str, Form]
) -> dict[str, Any]:
    """The side column: links, assignment and classification, triage, calls, the customer
    and their other tickets, escalation and transfer."""
    teams = directory.teams()
    tags = [t.name for t in ticket.tags.all()]
    initial: dict[str, dict[str, Any]] = {
        "classify": {
            **{f: getattr(ticket, f) for f in CLASSIFY_TICKET_FIELDS},
            "product": ticket.product or "",  # older rows: NULL
            "tags": ", ".join(tags),
            "customer_kind": ticket.customer.kind,
            "temperament": ticket.customer.temperament,
            "version": ticket.version,
            "customer_version": ticket.customer.version,
        },
        "assign": {"assignee": ticket.assignee_id, "version": ticket.version},
    }
    forms: dict[str, Form] = {
        name: bound.get(name) or FORMS[name](initial=initial.get(name), auto_id=f"{name}-%s")
        for name in SIDE_FORMS
    }
    # the teams read already (the field's own queryset would be one more query)
    forms["transfer"].fields["team"].choices = [  # type: ignore[attr-defined]
        ("", "---------"),
        *[(pk, name) for pk, name in teams if pk != ticket.team_id],
    ]
    assignable = [(u, load) for u, load in selectors.staff_for(ticket) if load is not None]
    forms["assign"].fields["assignee"].choices = [  # type: ignore[attr-defined]
        ("", _("— belum ada —")),
        *[
            (u.pk, _("%(name)s (%(n)s tiket terbuka)") % {"name": u.display_name, "n": _load(n)})
            for u, n in assignable
        ],
    ]
    others = list(
        visible_tickets(user)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .order_by("-pk")
        .only("id", "subject", "status", "channel", "created_at")[:10]
    )
    return {
        "ticket": ticket,
        "forms": forms,
        "others": others,
        "assignable": assignable,
        "triage": triage_panel(ticket),
    }


@require_GET
@staff_required
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The page, or one of its parts: ``live`` (what a live refresh swaps in: header, steps,
    proposals, timeline), ``side`` (the side column), ``step`` (a workbench form when it is
    opened: ``&step=record``), ``timeline`` (older events: ``&before=<event id>``)."""
    part = request.GET.get("part")
    if part == "side":
        user, ticket = _open_ticket(request, ticket_id, tags=True)
        return render(request, "web/_ticket_side.html", _side_context(request, user, ticket, {}))
    if part == "step":
        return _step_part(request, ticket_id, request.GET.get("step", ""))
    if part == "timeline":
        return _timeline_part(request, ticket_id)
    context = _ticket_context(request, ticket_id, live=part == "live")
    shown = request.GET.get("images", "")  # the one message whose remote images load
    context["show_images"] = int(shown) if shown.isdigit() else 0
    if part == "live":
        context["live_part"] = True
        return render(request, "web/_ticket_live.html", context)
    return render(request, "web/ticket.html", context)


def _step_part(request: HttpRequest, ticket_id: int, name: str) -> HttpResponse:
    user, ticket = _open_ticket(request, ticket_id)
    proposals = list(selectors.proposals_for(user=user, ticket=ticket))
    available = _moves_now(ticket, proposals)
    if name not in {n for n, _t, _s in _shown_steps(ticket, available)}:
        raise Http404(_("Formulir ini tidak tersedia untuk tiket ini sekarang."))
    title, submit = next((str(t), str(s)) for n, t, s in STEPS if n == name)
    form = _step_form(name, ticket, user, proposals, request, available=available, bound={})
    step = WorkStep(name, title, submit, form, False)
    return render(request, "web/_workbench_form.html", {"ticket": ticket, "s": step})


def _timeline_part(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Older events of the timeline, before ``before``, with the link to the ones before."""
    user, detail = _read_ticket(request, ticket_id)
    ticket = detail.ticket
    page = selectors.timeline_page(user=user, ticket=ticket, before=_before(request))
    items = _timeline_items(page.events, _messages(user, detail), detail.contacts)
    shown = request.GET.get("images", "")
    return render(
        request,
        "web/_timeline_items.html",
        {
            "ticket": ticket,
            "items": items,
            "earlier": page.earlier,
            "show_images": int(shown) if shown.isdigit() else 0,
        },
    )


ActionFn = Callable[[User, Ticket, dict[str, Any], HttpRequest], str]


class Unseen(Exception):
    """New messages from the customer or someone else since the page was drawn: the reply
    is not sent; the page shows them, and a second click sends it."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__("unseen messages")
        self.messages = messages


def _action(form_name: str, form_class: type[Form], fn: ActionFn) -> Callable[..., HttpResponse]:
    """A POST on the ticket page: validate, call the service, redirect back (PRG).
    On an error the page is shown again with the error (once, in the form) and what the
    user typed. When the change took the ticket out of the user's sight (a transfer to a
    team they are not in), they land on the inbox with the confirmation instead."""

    @require_POST
    @staff_required
    def view(request: HttpRequest, ticket_id: int) -> HttpResponse:
        user = cast(User, request.user)
        form = form_class(request.POST, request.FILES, auto_id=f"{form_name}-%s")
        status = 422
        extra: dict[str, Any] = {}
        if form.is_valid():
            try:
                ticket = access_ticket(user, ticket_id)
                done = fn(user, ticket, form.cleaned_data, request)
                flash.success(request, done)
                if not visible_tickets(user).filter(pk=ticket_id).exists():
                    flash.info(
                        request,
                        _("Tiket %(ref)s kini di luar antrean Anda.") % {"ref": ticket.reference},
                    )
                    return HttpResponseRedirect(reverse("web:inbox"))
                url = reverse("web:ticket", args=[ticket_id])
                return HttpResponseRedirect(f"{url}#{form_name}" if form_name else url)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except Unseen as news:
                status = 409
                newest = max(m.pk for m in news.messages)
                data = request.POST.copy()
                data["seen"] = str(newest)
                form = form_class(data, auto_id=f"{form_name}-%s")
                form.is_valid()
                extra["unseen"] = news.messages
                extra["dropped_files"] = bool(request.FILES)
            except SigapError as exc:
                status = exc.http_status
                form.add_error(None, exc.message)
                for field, errors in exc.fields.items():
                    if field in form.fields:
                        for error in errors:
                            form.add_error(field, error)
        context = _ticket_context(request, ticket_id, bound={form_name: form}, open_form=form_name)
        context["open_form"] = form_name
        context.update(extra)
        return render(request, "web/ticket.html", context, status=status)

    return view


def _unseen(user: User, ticket: Ticket, seen: int | None) -> list[Message]:
    if seen is None:  # a form without the mark (an older page): nothing to compare
        return []
    return list(
        Message.objects.filter(ticket_id=ticket.pk, pk__gt=seen)
        .exclude(kind=MessageKind.NOTE)
        .exclude(author_id=user.pk)
        .select_related("author")
        .order_by("pk")
    )


def _check_move(ticket: Ticket, to: Status) -> None:
    statuses = set(ticket.proposals.values_list("status", flat=True))
    available = moves(
        kind=ticket.kind,
        status=ticket.status,
        accepted_proposal=ProposalStatus.ACCEPTED in statuses,
        open_proposal=bool(statuses & set(OPEN_PROPOSAL_STATUSES)),
    )
    if not any(m.to == to and not m.needs_reason for m in available):
        raise TransitionNotAllowed(
            _(
                "Pesan belum dikirim: status tiket tidak dapat diubah ke '%(status)s' sekarang. "
                "Kirim tanpa mengubah status, atau pakai 'Ubah status' dengan alasannya."
            )
            % {"status": to.label},
            fields={"then": [_("Tidak dapat dipilih sekarang.")]},
        )


def _reply(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    """The reply, and with it the status change chosen beside "Kirim", in one transaction:
    when the change is refused, nothing is sent and the page shows the text again with the
    reason (``test_send_and_change_status_is_one_transaction``)."""
    news = _unseen(user, ticket, data.get("seen"))
    if news:
        raise Unseen(news)
    then = data.get("then") or ""
    if then:  # refused before anything is written (an attachment is stored with the reply)
        _check_move(ticket, Status(then))
    with transaction.atomic():
        services.message_add(
            actor=user,
            ticket=ticket,
            kind=data["kind"],
            body=data["body"],
            uploads=uploads_from(request),
            handle_seconds=data.get("handle_seconds"),
        )
        if then:
            services.ticket_transition(actor=user, ticket=ticket, to=then)
    if data["kind"] == "note" and "@" in data["body"]:
        warn_unseen(request, ticket, data["body"])  # mentioned but not told
    sent = _("Catatan internal disimpan.") if data["kind"] == "note" else _("Balasan terkirim.")
    if then:
        return _("%(sent)s Status: %(status)s.") % {"sent": sent, "status": Status(then).label}
    return sent


def _record(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_record(actor=user, ticket=ticket, facts=data["facts"])
    return _("Fakta dan kronologi dicatat.")


def _confirm(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_confirm(
        actor=user,
        ticket=ticket,
        restatement=data["restatement"],
        customer_confirmed=data["customer_confirmed"],
        customer_response=data["customer_response"],
    )
    return _("Konfirmasi dicatat.")


def _apology(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.apology_create(actor=user, ticket=ticket, parts=data)
    return _("Permintaan maaf terkirim.")


def _proposal(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    proposal = services.proposal_create(
        actor=user,
        ticket=ticket,
        summary=data["summary"],
        compensation_type=data["compensation_type"],
        compensation_amount=data["compensation_amount"] or 0,
    )
    if proposal.status == ProposalStatus.PENDING_APPROVAL:
        return _("Usulan dibuat dan menunggu persetujuan supervisor.")
    return _("Usulan ditawarkan ke pelanggan.")


def _transfer(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_transfer(actor=user, ticket=ticket, team=data["team"], reason=data["reason"])
    return _("Tiket dialihkan ke tim %(team)s.") % {"team": data["team"].name}


def _status(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    if data["to"] == Status.RESOLVED:
        services.ticket_resolve(actor=user, ticket=ticket, reason=data["reason"])
    else:
        services.ticket_transition(actor=user, ticket=ticket, to=data["to"], reason=data["reason"])
    return _("Status diubah.")


def _close(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_close(actor=user, ticket=ticket, thanks=data["thanks"], reason=data["reason"])
    return _("Tiket ditutup.")


def _reopen(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_reopen(actor=user, ticket=ticket, reason=data["reason"])
    return _("Tiket dibuka kembali.")


class _Empty(Form):
    pass


def _escalate(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_escalate(actor=user, ticket=ticket, reason=data["reason"])
    return _("Tiket dieskalasi.")


def _assign_me(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    services.ticket_update(
        actor=user, ticket=ticket, version=ticket.version, changes={"assignee": user}
    )
    return _("Tiket kini menjadi tanggung jawab Anda.")


def _assign(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    assignee: User | None = data["assignee"]
    services.ticket_update(
        actor=user, ticket=ticket, version=data["version"], changes={"assignee": assignee}
    )
    if assignee is None:
        return _("Penanggung jawab dilepas.")
    return _("Tiket kini menjadi tanggung jawab %(name)s.") % {"name": assignee.display_name}


def _classify(user: User, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> str:
    """The ticket's fields through ``ticket_update`` (its version; each change a timeline
    entry, and a labelled example for triage when it is a field triage predicts), the
    customer's through ``ticket_customer_update`` (the customer's version): together or
    not at all."""
    changes: dict[str, Any] = {
        f: data[f] for f in CLASSIFY_TICKET_FIELDS if data[f] != getattr(ticket, f)
    }
    if data["product"] == (ticket.product or ""):  # older rows: NULL for none
        changes.pop("product", None)
    if sorted(data["tags"]) != sorted(t.name for t in ticket.tags.all()):
        changes["tags"] = data["tags"]
    profile = {"customer_kind": data["customer_kind"], "temperament": data["temperament"]}
    with transaction.atomic():
        if changes:
            services.ticket_update(
                actor=user, ticket=ticket, version=data["version"], changes=changes
            )
        services.ticket_customer_update(
            actor=user, ticket=ticket, version=data["customer_version"], changes=profile
        )
    return _("Klasifikasi disimpan.")


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
    "classify": ClassifyForm,
    "assign": AssignForm,
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


ticket_classify = _action("classify", ClassifyForm, _classify)


ticket_assign = _action("assign", AssignForm, _assign)
