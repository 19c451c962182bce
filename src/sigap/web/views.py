"""The agent workspace: inbox, ticket page, approvals, customers, settings.

Every view reads through ``selectors``/``access`` and writes through ``services``; a
domain error is shown on the page it came from, with what the user typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.db import transaction
from django.db.models import Count, Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.models import Role, Team, User
from sigap.connectors import ui as channel_ui
from sigap.core.errors import NotFound, PermissionDenied, SigapError
from sigap.customers.models import Customer
from sigap.customers.selectors import access_customer, customers_for
from sigap.tickets import canned, guidance, selectors, services, timeline
from sigap.tickets.access import access_ticket, visible_tickets
from sigap.tickets.attachments import uploads_from
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    OPEN_STATUSES,
    CannedResponse,
    Category,
    Channel,
    Kind,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
)
from sigap.tickets.transitions import ALLOWED, procedure_steps
from sigap.triage.panel import triage_panel
from sigap.web import inbox
from sigap.web.forms import (
    ApologyForm,
    BulkForm,
    CannedForm,
    CloseForm,
    ConfirmForm,
    InboxFilterForm,
    ProposalForm,
    ReasonForm,
    RecordForm,
    ReplyForm,
    StatusForm,
    TeamForm,
    TransferForm,
)
from sigap.web.seed import APOLOGY_5R

PAGE_SIZE = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.is_agent_or_above:
        return redirect("web:inbox")
    return redirect("portal:home")


# --- inbox --------------------------------------------------------------------------------


def _people() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    teams = [(t.pk, t.name) for t in Team.objects.order_by("name")]
    staff = [
        (u.pk, u.get_full_name() or u.username)
        for u in User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .order_by("first_name", "username")
    ]
    return teams, staff


@require_GET
@staff_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    view_key = request.GET.get("view", inbox.DEFAULT_VIEW)
    if view_key not in inbox.VIEWS_BY_KEY:
        view_key = inbox.DEFAULT_VIEW
    sort_key = request.GET.get("sort", inbox.DEFAULT_SORT)
    if sort_key not in inbox.SORTS_BY_KEY:
        sort_key = inbox.DEFAULT_SORT
    teams, staff = _people()
    form = InboxFilterForm(request.GET or None, teams=teams, staff=staff)
    filters = selectors.TicketFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.TicketFilters(
            status=data["status"],
            channel=data["channel"],
            category=data["category"],
            severity=data["severity"],
            priority=data["priority"],
            kind=data["kind"],
            team=data["team"],
            assignee=data["assignee"],
            customer=data["customer"],
            tag=[data["tag"]] if data["tag"] else [],
            q=data["q"],
        )
    qs = selectors.ticket_list_for(user=user, filters=filters)
    try:
        rows, next_cursor = inbox.sorted_page(
            inbox.apply_view(qs, user, view_key), sort_key, request.GET.get("cursor"), PAGE_SIZE
        )
    except SigapError as exc:
        rows, next_cursor = [], None
        flash.error(request, exc.message)
    _label_rows(rows)
    params = request.GET.copy()
    params.pop("cursor", None)
    chosen = {name: set(request.GET.getlist(name)) for name in request.GET}
    next_url = None
    if next_cursor:
        params["cursor"] = next_cursor
        next_url = "?" + params.urlencode()
        params.pop("cursor")
    base_params = params.copy()
    base_params.pop("view", None)
    context = {
        "views": inbox.VIEWS,
        "view": view_key,
        "counts": inbox.view_counts(visible_tickets(user), user),
        "count_cap": inbox.COUNT_CAP,
        "sorts": inbox.SORTS,
        "sort": sort_key,
        "form": form,
        "filter_controls": _filter_controls(form, chosen),
        "rows": rows,
        "next_url": next_url,
        "base_query": base_params.urlencode(),
        "page_query": params.urlencode(),
        "is_next_page": bool(request.GET.get("cursor")),
        "staff": staff,
        "statuses": Status.choices,
        "now_dt": timezone.now(),
        "select_label": _("Pilih"),
        "escalated_label": _("Dieskalasi"),
        "can_undo": bool(request.session.get(UNDO_KEY)),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "inbox-rows":
        return render(request, "web/_inbox_rows.html", context)
    return render(request, "web/inbox.html", context)


def _label_rows(rows: list[Ticket]) -> None:
    """Choice labels looked up once per page: ``get_FOO_display`` costs ~0.1 ms a call
    (it hashes the lazily translated choices every time)."""
    labels = {
        "status": {k: str(v) for k, v in Status.choices},
        "channel": {k: str(v) for k, v in Channel.choices},
        "kind": {k: str(v) for k, v in Kind.choices},
    }
    for t in rows:
        t.labels = {name: table.get(getattr(t, name), "") for name, table in labels.items()}  # type: ignore[attr-defined]


def _filter_controls(form: InboxFilterForm, chosen: dict[str, set[str]]) -> list[dict[str, Any]]:
    """The filter selects as plain data: the template loops over them, which is several
    times cheaper than rendering Django's select widgets (measured: ~40 ms a page)."""
    controls = []
    for name, field in form.fields.items():
        if name in ("q", "tag", "customer"):
            continue
        picked = chosen.get(name, set())
        controls.append(
            {
                "name": name,
                "label": field.label,
                "options": [
                    (str(value), label, str(value) in picked)
                    for value, label in field.choices  # type: ignore[attr-defined]
                ],
                "errors": form.errors.get(name, []) if form.is_bound else [],
            }
        )
    return controls


@require_POST
@staff_required
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk assign / status / tag. The first POST asks for confirmation; the second acts.
    Each ticket's timeline records the change (from → to), so it can be undone by hand."""
    user = cast(User, request.user)
    ids = [int(i) for i in request.POST.getlist("tickets") if i.isdigit()][:100]
    form = BulkForm(request.POST, ticket_ids=ids)
    back = request.POST.get("next") or reverse("web:inbox")
    if not ids or not form.is_valid():
        flash.error(request, "Pilih tiket dan tindakan terlebih dahulu.")
        return redirect(back)
    data = form.cleaned_data
    tickets = list(visible_tickets(user).filter(pk__in=ids).order_by("-pk"))
    if not data["confirmed"]:
        return render(
            request,
            "web/bulk_confirm.html",
            {"form": form, "tickets": tickets, "data": data, "back": back},
        )
    done, failed = 0, []
    undo: list[dict[str, Any]] = []
    for ticket in tickets:
        try:
            before = _bulk_one(user, ticket, data)
            if before is not None:
                undo.append(before)
            done += 1
        except SigapError as exc:
            failed.append(f"{ticket.reference}: {exc.message}")
    if done:
        flash.success(request, f"{done} tiket diperbarui.")
    if undo:
        request.session[UNDO_KEY] = undo
    for line in failed:
        flash.error(request, line)
    return redirect(back)


UNDO_KEY = "sigap_bulk_undo"


@require_POST
@staff_required
def inbox_bulk_undo(request: HttpRequest) -> HttpResponse:
    """Put back what the last bulk action changed; the timeline records this too."""
    user = cast(User, request.user)
    undo: list[dict[str, Any]] = request.session.pop(UNDO_KEY, [])
    tickets = {t.pk: t for t in visible_tickets(user).filter(pk__in=[u["id"] for u in undo])}
    restored = 0
    for entry in undo:
        ticket = tickets.get(entry["id"])
        if ticket is None:
            continue
        try:
            if entry["field"] == "assignee":
                old = User.objects.filter(pk=entry["old"]).first() if entry["old"] else None
                changes: dict[str, Any] = {"assignee": old}
            else:
                changes = {"tags": entry["old"]}
            services.ticket_update(
                actor=user,
                ticket=ticket,
                version=ticket.version,
                changes=changes,
                reason="Mengurungkan tindakan massal.",
            )
            restored += 1
        except SigapError as exc:
            flash.error(request, f"{ticket.reference}: {exc.message}")
    flash.success(request, f"{restored} tiket dikembalikan seperti semula.")
    return redirect(request.POST.get("next") or reverse("web:inbox"))


def _bulk_one(user: User, ticket: Ticket, data: dict[str, Any]) -> dict[str, Any] | None:
    """Apply one bulk change; returns what undoing it needs (status changes are undone by
    hand: the procedure decides which way a status may go)."""
    reason = data.get("reason") or "Tindakan massal dari kotak masuk."
    if data["action"] == "assign":
        before: dict[str, Any] | None = {
            "id": ticket.pk,
            "field": "assignee",
            "old": ticket.assignee_id,
        }
        assignee = User.objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
        services.ticket_update(
            actor=user,
            ticket=ticket,
            version=ticket.version,
            changes={"assignee": assignee},
            reason=reason,
        )
        return before
    if data["action"] == "status":
        services.ticket_transition(actor=user, ticket=ticket, to=data["status"], reason=reason)
        return None
    names = list(ticket.tags.values_list("name", flat=True))
    if data["tag"] and data["tag"] not in names:
        services.ticket_update(
            actor=user,
            ticket=ticket,
            version=ticket.version,
            changes={"tags": [*names, data["tag"]]},
            reason=reason,
        )
        return {"id": ticket.pk, "field": "tags", "old": names}
    return None


# --- ticket page ----------------------------------------------------------------------------


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
    items = timeline.items(selectors.timeline_for(user=user, ticket=ticket), messages, names)
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
            ticket, offer_waiting=offer_waiting, approval_waiting=approval_waiting
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
    back = request.POST.get("next") or reverse("web:ticket", args=[proposal.ticket_id])
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


# --- customers ------------------------------------------------------------------------------


@require_GET
@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    q = request.GET.get("q", "").strip()[:100]
    customers = (
        customers_for(user=user, q=q).prefetch_related("contacts").order_by("name", "pk")[:100]
    )
    return render(request, "web/customers.html", {"customers": customers, "q": q})


@require_GET
@staff_required
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = cast(User, request.user)
    merged = (
        Customer.objects.filter(pk=customer_id).values_list("merged_into_id", flat=True).first()
    )
    if merged:  # merged into another record: that one is the customer now
        return redirect("web:customer", merged)
    try:
        customer = access_customer(user, customer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    tickets = (
        visible_tickets(user)
        .filter(customer_id=customer.pk)
        .select_related("team", "assignee")
        .order_by("-pk")[:100]
    )
    by_channel = (
        visible_tickets(user)
        .filter(customer_id=customer.pk)
        .values("channel")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return render(
        request,
        "web/customer.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "tickets": tickets,
            "by_channel": by_channel,
        },
    )


# --- settings (supervisors and admins) --------------------------------------------------------


@supervisor_required
def settings_teams(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    form = TeamForm(request.POST or None, instance=team)
    form.fields["members"].queryset = User.objects.filter(is_active=True).exclude(  # type: ignore[attr-defined]
        role=Role.CUSTOMER
    )
    form.fields["supervisor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
        is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        flash.success(request, f"Tim {saved.name} disimpan.")
        return redirect("web:settings_teams")
    teams = Team.objects.select_related("supervisor").annotate(n=Count("members")).order_by("name")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_teams.html",
        {"form": form, "teams": teams, "editing": team},
        status=status,
    )


@supervisor_required
def settings_canned(request: HttpRequest, canned_id: int | None = None) -> HttpResponse:
    item = get_object_or_404(CannedResponse, pk=canned_id) if canned_id else None
    form = CannedForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = cast(User, request.user)
        saved.save()
        flash.success(request, f"Templat '{saved.title}' disimpan.")
        return redirect("web:settings_canned")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_canned.html",
        {
            "form": form,
            "items": CannedResponse.objects.select_related("team").order_by("purpose", "title"),
            "editing": item,
            "placeholders": canned.PLACEHOLDERS,
        },
        status=status,
    )


CATEGORY_HELP = {
    "mechanical": gettext_lazy(
        "Kerusakan produk atau peralatan: barang cacat, mesin, aplikasi error."
    ),
    "attitudinal": gettext_lazy("Sikap petugas: tidak ramah, tidak membantu, tidak mendengarkan."),
    "service": gettext_lazy("Proses layanan: keterlambatan, antrean, prosedur yang berbelit."),
    "unusual": gettext_lazy("Di luar kebiasaan: permintaan atau kejadian yang tidak biasa."),
}


@require_GET
@supervisor_required
def settings_categories(request: HttpRequest) -> HttpResponse:
    """The complaint categories (golongan keluhan) of the procedure, with open and total
    counts. They are fixed by the procedure (DOMAIN.md §4), not free-form."""
    counts: dict[str, dict[str, Any]] = {
        row["category"]: dict(row)
        for row in Ticket.objects.values("category").annotate(
            total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES))
        )
    }
    rows = [
        {
            "value": value,
            "label": label,
            "help": CATEGORY_HELP.get(value, _("Tiket yang belum digolongkan saat triase.")),
            "total": counts.get(value, {}).get("total", 0),
            "open": counts.get(value, {}).get("open", 0),
        }
        for value, label in Category.choices
    ]
    return render(request, "web/settings_categories.html", {"rows": rows})


def inbox_url(**params: str) -> str:
    return reverse("web:inbox") + ("?" + urlencode(params) if params else "")
