"""A customer's personal data (UU PDP): downloading everything Sigap holds about them
(supervisors and admins) and erasing it (admins, after typing the customer's name)."""

from __future__ import annotations

import json
from typing import cast

from django.contrib import messages as flash
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sigap.accounts.decorators import admin_required, supervisor_required
from sigap.accounts.models import User
from sigap.core.errors import NotFound, SigapError
from sigap.customers import services as customer_services
from sigap.customers.models import Customer
from sigap.customers.selectors import access_customer


def _customer(user: User, customer_id: int) -> Customer:
    try:
        return access_customer(user, customer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
@supervisor_required
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The export as a JSON file (``pelanggan-<id>.json``)."""
    user = cast(User, request.user)
    data = customer_services.customer_export(user, _customer(user, customer_id))
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="pelanggan-{customer_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@admin_required
def customer_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: what erasing removes and keeps, and the form (the customer's name typed again
    and a reason). POST: erase, then the customer's page."""
    user = cast(User, request.user)
    customer = _customer(user, customer_id)
    error = ""
    typed = reason = ""
    if customer.erased_at is not None:
        error = _("Data pribadi pelanggan ini sudah dihapus.")
    elif request.method == "POST":
        typed = request.POST.get("confirm_name", "").strip()
        reason = request.POST.get("reason", "").strip()
        if typed != customer.name.strip():
            error = _("Ketik nama pelanggan persis seperti tertulis untuk mengonfirmasi.")
        else:
            try:
                customer_services.customer_erase(user, customer, reason)
            except SigapError as exc:
                error = exc.message
            else:
                flash.success(request, _("Data pribadi pelanggan telah dihapus."))
                return HttpResponseRedirect(reverse("web:customer", args=[customer.pk]))
    return render(
        request,
        "web/customer_erase.html",
        {"customer": customer, "error": error, "reason": reason},
        status=422 if error and request.method == "POST" else 200,
    )
