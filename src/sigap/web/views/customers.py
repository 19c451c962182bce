"""Customers: the list and one customer's page with their tickets and calls."""

from __future__ import annotations

from typing import cast

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import Role, User
from sigap.core.errors import NotFound
from sigap.core.refs import ticket_reference
from sigap.customers.models import Customer
from sigap.customers.selectors import access_customer, customers_for
from sigap.relations.stream import customer_stream
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import Channel, Status

TICKETS = 20  # the customer page's newest tickets
CALLS = 10  # and calls (both are in the stream too), in a panel loaded after the page
# The stream's first page: a screenful (the rest a click away, by cursor). Each item costs
# about half a millisecond of template work, and the page's target is p95 <= 100 ms.
STREAM_FIRST = 20


@require_GET
@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    q = request.GET.get("q", "").strip()[:100]
    # Erased customers (UU PDP) are left out; an admin may list them, marked as erased.
    erased = user.role == Role.ADMIN and request.GET.get("erased") == "1"
    customers = (
        customers_for(user=user, q=q, erased=erased)
        .prefetch_related("contacts")
        .order_by("name", "pk")[:100]
    )
    return render(
        request,
        "web/customers.html",
        {"customers": customers, "q": q, "erased": erased, "is_admin": user.role == Role.ADMIN},
    )


@require_GET
@staff_required
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = cast(User, request.user)
    try:
        customer = access_customer(user, customer_id)
    except NotFound as exc:
        merged = (
            Customer.objects.filter(pk=customer_id).values_list("merged_into_id", flat=True).first()
        )
        if merged:  # merged into another record: that one is the customer now
            return redirect("web:customer", merged)
        raise Http404(exc.message) from exc
    if customer.organization_id:
        customer = Customer.objects.select_related("organization").get(pk=customer.pk)
    # The newest tickets; the stream below has the whole history and the inbox all of them.
    # Rows as plain values with their labels looked up once (a model instance's display
    # methods per cell cost more than the row's query).
    channels, statuses = dict(Channel.choices), dict(Status.choices)
    tickets = [
        {
            "pk": pk,
            "reference": ticket_reference(pk),
            "subject": subject,
            "channel": channels.get(channel, channel),
            "status": status,
            "status_label": statuses.get(status, status),
            "created_at": created_at,
        }
        for pk, subject, channel, status, created_at in visible_tickets(user)
        .filter(customer_id=customer.pk)
        .order_by("-pk")
        .values_list("pk", "subject", "channel", "status", "created_at")[:TICKETS]
    ]
    by_channel = [
        {"channel": channels.get(row["channel"], row["channel"]), "n": row["n"]}
        for row in visible_tickets(user)
        .filter(customer_id=customer.pk)
        .values("channel")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    return render(
        request,
        "web/customer.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "tickets": tickets,
            "by_channel": by_channel,
            "tickets_total": sum(row["n"] for row in by_channel),
            "stream": customer_stream(user, customer.pk, limit=STREAM_FIRST),
        },
    )


@require_GET
@staff_required
def customer_calls(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The call panel (timer, start form, newest calls): loaded after the page's first
    paint, as the ticket page's side column is."""
    customer = customer_or_404(cast(User, request.user), customer_id)
    return render(request, "calls/_panel.html", {"customer": customer, "calls_history": CALLS})


def customer_or_404(user: User, customer_id: int) -> Customer:
    """The customer ``user`` may see, else a 404 (the customer pages' views)."""
    try:
        return access_customer(user, customer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
