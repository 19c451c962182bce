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
from sigap.customers.models import Customer
from sigap.customers.selectors import access_customer, customers_for
from sigap.relations.stream import customer_stream
from sigap.tickets.access import visible_tickets

TICKETS = 20  # the customer page's newest tickets
CALLS = 10  # and calls (both are in the stream too)
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
    merged = (
        Customer.objects.filter(pk=customer_id).values_list("merged_into_id", flat=True).first()
    )
    if merged:  # merged into another record: that one is the customer now
        return redirect("web:customer", merged)
    try:
        customer = access_customer(user, customer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if customer.organization_id:
        customer = Customer.objects.select_related("organization").get(pk=customer.pk)
    # The newest tickets; the stream below has the whole history and the inbox all of them
    tickets = (
        visible_tickets(user)
        .filter(customer_id=customer.pk)
        .only("pk", "subject", "channel", "status", "created_at")
        .order_by("-pk")[:TICKETS]
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
            "tickets_total": sum(row["n"] for row in by_channel),
            "calls_history": CALLS,
            "stream": customer_stream(user, customer.pk, limit=STREAM_FIRST),
        },
    )
