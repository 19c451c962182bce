"""Interfaces: the agent's call timer, the PBX webhook, duplicate customers and merging.

Each view parses, authorises, calls one service and answers (JSON for ``fetch`` and the
PBX, a redirect back to the page for plain forms).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required, supervisor_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import User
from sigap.connectors.phone import pbx, services
from sigap.connectors.phone.forms import CallFinishForm, CallStartForm, MergeForm
from sigap.connectors.phone.models import Call
from sigap.core.errors import InvalidJson, NotFound, SigapError, ValidationFailed
from sigap.core.jsonbody import parse_json
from sigap.customers.duplicates import duplicate_suggestions
from sigap.customers.models import Customer
from sigap.customers.selectors import access_customer
from sigap.customers.services import customer_merge
from sigap.tickets.access import access_ticket

MAX_HOOK_BYTES = 64 * 1024


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error(exc: SigapError, status: int | None = None) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    return JsonResponse(body, status=status or exc.http_status)


def _form_error(form: Any) -> ValidationFailed:
    fields = {k: [str(e) for e in v] for k, v in form.errors.items()}
    first = next(iter(fields.items()))
    return ValidationFailed(f"{first[0]}: {first[1][0]}", fields=fields)


def _page_url(call: Call) -> str:
    if call.ticket_id is not None:
        return reverse("web:ticket", args=[call.ticket_id]) + "#calls"
    return reverse("web:customer", args=[call.customer_id]) + "#calls"


def _call_json(call: Call) -> dict[str, Any]:
    return {
        "id": call.pk,
        "ticket_id": call.ticket_id,
        "customer_id": call.customer_id,
        "direction": call.direction,
        "started_at": call.started_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "duration": call.duration,
        "outcome": call.outcome,
        "finish_url": reverse("calls:finish", args=[call.pk]),
    }


def _access_call(user: User, call_id: int) -> Call:
    """A call is visible to whoever may see its ticket (or, without one, its customer)."""
    call = Call.objects.select_related("ticket", "customer").filter(pk=call_id).first()
    if call is None:
        raise NotFound(gettext("Panggilan tidak ditemukan."))
    if call.ticket_id is not None:
        access_ticket(user, call.ticket_id)
    else:
        access_customer(user, call.customer_id)
    return call


def _answer(
    request: HttpRequest, call: Call | None, exc: SigapError | None, back: str, status: int = 200
) -> HttpResponse:
    if exc is not None:
        if _wants_json(request):
            return _error(exc)
        flash.error(request, exc.message)
        return HttpResponseRedirect(back)
    assert call is not None
    if _wants_json(request):
        return JsonResponse(_call_json(call), status=status)
    return HttpResponseRedirect(_page_url(call))


@require_POST
@staff_required
def call_start(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = CallStartForm(request.POST)
    back = safe_next(request, request.META.get("HTTP_REFERER"), reverse("web:inbox"))
    if not form.is_valid():
        return _answer(request, None, _form_error(form), back)
    data = form.cleaned_data
    try:
        if data["ticket"]:
            ticket = access_ticket(user, data["ticket"])
            customer = ticket.customer
            back = reverse("web:ticket", args=[ticket.pk]) + "#calls"
        else:
            ticket = None
            customer = access_customer(user, data["customer"])
            back = reverse("web:customer", args=[customer.pk]) + "#calls"
        call = services.call_start(
            actor=user, customer=customer, ticket=ticket, direction=data["direction"]
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except SigapError as exc:
        return _answer(request, None, exc, back)
    if not _wants_json(request):
        flash.success(request, _("Panggilan dimulai."))
    return _answer(request, call, None, back, status=201)


@require_POST
@staff_required
def call_finish(request: HttpRequest, call_id: int) -> HttpResponse:
    user = cast(User, request.user)
    try:
        call = _access_call(user, call_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    back = _page_url(call)
    form = CallFinishForm(request.POST)
    if not form.is_valid():
        return _answer(request, None, _form_error(form), back)
    data = form.cleaned_data
    try:
        call = services.call_finish(
            actor=user,
            call=call,
            outcome=data["outcome"],
            notes=data["notes"],
            team=data["team"],
            reason=data["reason"],
        )
    except SigapError as exc:
        return _answer(request, None, exc, back)
    if not _wants_json(request):
        flash.success(
            request, _("Panggilan dicatat (%(duration)s).") % {"duration": call.duration_display}
        )
    return _answer(request, call, None, back)


@csrf_exempt  # machine-to-machine: authenticated by the shared secret instead
@require_POST
def pbx_hook(request: HttpRequest) -> HttpResponse:
    if not pbx.secret_ok(request.headers.get(pbx.SECRET_HEADER)):
        return JsonResponse(
            {"error": {"code": "forbidden", "message": _("Rahasia PBX salah."), "fields": {}}},
            status=403,
        )
    if len(request.body) > MAX_HOOK_BYTES:
        return _error(ValidationFailed(_("Isi permintaan terlalu besar.")), 413)
    try:
        payload = parse_json(request.body)
    except InvalidJson as exc:
        return _error(exc)
    try:
        event = pbx.parse_event(payload)
        result = services.pbx_event_apply(event)
    except ValidationFailed as exc:
        return _error(exc, 400)
    except SigapError as exc:  # e.g. a conflict that survived the retry
        return _error(exc)
    call = result.call
    body = _call_json(call) | {
        "call_id": call.external_id,
        "created": result.created,
        "changed": result.changed,
        "ticket": call.ticket.reference if call.ticket else None,
    }
    return JsonResponse(body, status=201 if result.created else 200)


@require_GET
@supervisor_required
def duplicates(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "calls/duplicates.html",
        {"suggestions": duplicate_suggestions(), "form": MergeForm()},
    )


@require_POST
@supervisor_required
def merge(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = MergeForm(request.POST)
    back = reverse("calls:duplicates")
    if not form.is_valid():
        flash.error(request, _form_error(form).message)
        return HttpResponseRedirect(back)
    target = Customer.objects.filter(pk=form.cleaned_data["target"]).first()
    source = Customer.objects.filter(pk=form.cleaned_data["source"]).first()
    if target is None or source is None:
        flash.error(request, _("Pelanggan tidak ditemukan."))
        return HttpResponseRedirect(back)
    try:
        customer_merge(actor=user, target=target, source=source)
    except SigapError as exc:
        flash.error(request, exc.message)
        return HttpResponseRedirect(back)
    flash.success(
        request,
        _("%(source)s (#%(pk)s) digabung ke %(target)s.")
        % {"source": source.name, "pk": source.pk, "target": target.name},
    )
    return HttpResponseRedirect(reverse("web:customer", args=[target.pk]))
