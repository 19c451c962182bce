"""Merging, splitting and linking tickets, and merging customers, from the workspace.

Nobody types an id: the pickers search as you type (a ticket by its number or subject, a
customer by name, phone or email) and each choice leads to a confirmation that shows what
will happen. Every view reads through ``access``/``selectors`` (a ticket or customer the
user may not see is a 404) and writes through one service.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.contrib import messages as flash
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.models import User
from sigap.core.errors import NotFound, SigapError, ValidationFailed
from sigap.customers import services as customer_services
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.selectors import access_customer, customers_for
from sigap.tickets import selectors, services
from sigap.tickets.access import access_ticket, visible_tickets
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    Attachment,
    Message,
    MessageKind,
    Proposal,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.search import search_tickets

MAX_Q = 100


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _ticket(user: User, ticket_id: int) -> Ticket:
    try:
        return access_ticket(user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _q(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:MAX_Q]


def _page(ticket_id: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("web:ticket", args=[ticket_id]) + anchor)


# --- merge ------------------------------------------------------------------------------


@require_GET
@staff_required
def ticket_merge_search(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The picker's results (htmx): the customer's other open tickets by number/subject."""
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    found = selectors.merge_candidates(user=user, ticket=ticket, q=_q(request))
    return render(
        request, "web/_merge_results.html", {"ticket": ticket, "found": found, "q": _q(request)}
    )


def _merge_preview(source: Ticket) -> dict[str, int]:
    return {
        "messages": Message.objects.filter(ticket_id=source.pk).count(),
        "attachments": Attachment.objects.filter(ticket_id=source.pk).count(),
        "events": TimelineEvent.objects.filter(ticket_id=source.pk).count(),
        "proposals": Proposal.objects.filter(
            ticket_id=source.pk, status__in=OPEN_PROPOSAL_STATUSES
        ).count(),
    }


@require_http_methods(["GET", "POST"])
@staff_required
def ticket_merge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """GET: the confirmation (which ticket is kept, what moves, what the customer is
    told). POST: merge, then the kept ticket's page."""
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    data = request.POST if request.method == "POST" else request.GET
    other_id = _int(data.get("other"))
    if other_id is None:
        flash.error(request, _("Pilih tiket yang akan digabung."))
        return _page(ticket.pk, "#links")
    other = _ticket(user, other_id)
    keep_other = data.get("keep") == "other"
    source, target = (ticket, other) if keep_other else (other, ticket)
    error = ""
    if request.method == "POST":
        try:
            services.ticket_merge(
                actor=user, source=source, target=target, notice=data.get("notice", "")
            )
        except SigapError as exc:
            error = exc.message
        else:
            flash.success(
                request,
                _("%(source)s digabung ke %(target)s; pelanggan sudah diberi tahu.")
                % {"source": source.reference, "target": target.reference},
            )
            return _page(target.pk)
    else:
        try:
            services.merge_check(user, source, target)
        except SigapError as exc:
            error = exc.message
    context: dict[str, Any] = {
        "ticket": ticket,
        "other": other,
        "source": source,
        "target": target,
        "keep_other": keep_other,
        "moves": _merge_preview(source),
        "notice": data.get("notice") or services.merge_notice(source, target),
        "error": error,
    }
    return render(request, "web/ticket_merge.html", context, status=422 if error else 200)


# --- split ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def ticket_split(request: HttpRequest, ticket_id: int, message_id: int) -> HttpResponse:
    """GET: the message and the new ticket's subject. POST: the new ticket's page."""
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    message = (
        Message.objects.filter(pk=message_id, ticket_id=ticket.pk, kind=MessageKind.INBOUND)
        .prefetch_related("attachments")
        .first()
    )
    if message is None:
        raise Http404(_("Pesan tidak ditemukan."))
    subject = request.POST.get("subject", "") if request.method == "POST" else ""
    error = ""
    if request.method == "POST":
        try:
            new = services.ticket_split(actor=user, ticket=ticket, message=message, subject=subject)
        except SigapError as exc:
            error = exc.message
        else:
            flash.success(
                request, _("Pesan dipisah menjadi tiket baru %(ref)s.") % {"ref": new.reference}
            )
            return _page(new.pk)
    return render(
        request,
        "web/ticket_split.html",
        {"ticket": ticket, "message": message, "subject": subject, "error": error},
        status=422 if error else 200,
    )


# --- related links -----------------------------------------------------------------------


@require_GET
@staff_required
def ticket_links(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The links card's list (htmx, loaded after the page): the ticket page itself pays
    no query for it."""
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    links = selectors.links_for(user=user, ticket=ticket)
    return render(request, "web/_ticket_links_list.html", {"ticket": ticket, "links": links})


@require_GET
@staff_required
def ticket_link_search(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The link picker's results (htmx): any ticket the user may see, by number or words."""
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    q = _q(request)
    found: list[Ticket] = []
    if q:
        qs = visible_tickets(user).exclude(pk=ticket.pk)
        digits = q.upper().removeprefix("SGP-").lstrip("0")
        qs = qs.filter(pk=int(digits)) if digits.isdigit() else search_tickets(qs, q)
        found = list(
            qs.select_related("customer")
            .order_by("-pk")
            .only("id", "subject", "status", "customer__name")[:10]
        )
    return render(request, "web/_link_results.html", {"ticket": ticket, "found": found, "q": q})


@require_POST
@staff_required
def ticket_link_add(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    other_id = _int(request.POST.get("other"))
    try:
        if other_id is None:
            raise ValidationFailed(_("Pilih tiket yang akan ditautkan."))
        other = access_ticket(user, other_id)
        services.ticket_link(actor=user, ticket=ticket, other=other)
    except SigapError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(
            request,
            _("%(ticket)s ditautkan ke %(other)s.")
            % {"ticket": ticket.reference, "other": other.reference},
        )
    return _page(ticket.pk, "#links")


@require_POST
@staff_required
def ticket_link_remove(request: HttpRequest, ticket_id: int, other_id: int) -> HttpResponse:
    user = _user(request)
    ticket = _ticket(user, ticket_id)
    other = _ticket(user, other_id)
    try:
        services.ticket_unlink(actor=user, ticket=ticket, other=other)
    except SigapError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Tautan ke %(ref)s dilepas.") % {"ref": other.reference})
    return _page(ticket.pk, "#links")


# --- customers ---------------------------------------------------------------------------


def _customer(user: User, customer_id: int) -> Customer:
    try:
        return access_customer(user, customer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _customer_matches(user: User, q: str, exclude: int) -> list[Customer]:
    """By name, email or phone; a phone typed as "0812-3456…" also finds "+62812…" (the
    stored E.164 form), whole or in part."""
    qs = customers_for(user=user, q=q)
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4 and len(digits) >= len(q.replace(" ", "")) - 4:
        e164 = "+62" + digits[1:] if digits.startswith("0") else digits
        by_phone = CustomerContact.objects.filter(value__contains=e164).values("customer_id")
        qs = customers_for(user=user).filter(Q(pk__in=by_phone) | Q(pk__in=qs.values("pk")))
    return list(
        qs.exclude(pk=exclude)
        .annotate(n_tickets=Count("tickets", distinct=True))
        .order_by("name", "pk")[:10]
    )


@require_GET
@supervisor_required
def customer_merge_search(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = _customer(user, customer_id)
    q = _q(request)
    found = _customer_matches(user, q, customer.pk) if len(q) >= 2 else []
    return render(
        request,
        "web/_customer_merge_results.html",
        {"customer": customer, "found": found, "q": q},
    )


def _profile(customer: Customer) -> dict[str, Any]:
    counts = dict(
        Ticket.objects.filter(customer_id=customer.pk)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    open_count = sum(n for status, n in counts.items() if status not in ("resolved", "closed"))
    return {
        "customer": customer,
        "contacts": list(customer.contacts.all()),
        "tickets": sum(counts.values()),
        "open": open_count,
    }


@require_http_methods(["GET", "POST"])
@supervisor_required
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: both customers side by side and which one is kept. POST: merge, then the kept
    customer's page."""
    user = _user(request)
    customer = _customer(user, customer_id)
    data = request.POST if request.method == "POST" else request.GET
    other_id = _int(data.get("other"))
    if other_id is None:
        flash.error(request, _("Pilih pelanggan yang akan digabung."))
        return HttpResponseRedirect(reverse("web:customer", args=[customer.pk]))
    other = _customer(user, other_id)
    keep_other = data.get("keep") == "other"
    source, target = (customer, other) if keep_other else (other, customer)
    error = ""
    if request.method == "POST":
        try:
            customer_services.customer_merge(actor=user, target=target, source=source)
        except SigapError as exc:
            error = exc.message
        else:
            flash.success(
                request,
                _("%(source)s digabung ke %(target)s.")
                % {"source": source.name, "target": target.name},
            )
            return HttpResponseRedirect(reverse("web:customer", args=[target.pk]))
    elif source.pk == target.pk:
        error = _("Pelanggan tidak dapat digabung dengan dirinya sendiri.")
    return render(
        request,
        "web/customer_merge.html",
        {
            "customer": customer,
            "other": other,
            "keep_other": keep_other,
            "source": _profile(source),
            "target": _profile(target),
            "error": error,
        },
        status=422 if error else 200,
    )
