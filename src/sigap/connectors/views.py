"""Webhook endpoints of the messaging channels, and the agent's "send a template" form.

The webhooks have no login and no CSRF token: the signature (WhatsApp, Facebook and
Instagram) or the secret header (Telegram) is the authentication, checked on the raw body
before it is parsed.
Answers: 200 with a small report once the messages are stored (also for duplicates, so the
provider stops resending; a job files them on tickets), 400 with the exact problem when
the JSON or its shape is wrong (nothing written), 403 when the request is not authentic
(logged).
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sigap.accounts.models import User
from sigap.connectors import messaging
from sigap.connectors.messaging import ShapeError
from sigap.connectors.meta import inbound as meta_in
from sigap.connectors.telegram import inbound as telegram_in
from sigap.connectors.whatsapp import inbound as whatsapp_in
from sigap.connectors.whatsapp import outbound as whatsapp_out
from sigap.core.apiutil import error_response
from sigap.core.errors import NotFound, SigapError
from sigap.tickets.access import access_ticket

log = logging.getLogger(__name__)


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "?"))


def _json_body(request: HttpRequest) -> Any:
    return json.loads(request.body)


def _bad_json(exc: ValueError) -> JsonResponse:
    return error_response(400, "invalid_json", f"Badan permintaan bukan JSON yang sah: {exc}")


def _meta_hub(request: HttpRequest, name: str, channel: Any) -> HttpResponse:
    """A webhook of Meta's (``channel``: ``whatsapp_in`` or ``meta_in``): the GET
    handshake, the signature on the raw body, then the payload."""
    if request.method == "GET":
        challenge = channel.verify_handshake(request.GET.dict())
        if challenge is None:
            log.warning("%s webhook: verification refused from %s", name, _client(request))
            return HttpResponse("verify_token salah", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    header = request.headers.get("X-Hub-Signature-256", "")
    if not channel.signature_ok(request.body, header):
        log.warning(
            "%s webhook: %s X-Hub-Signature-256 from %s (%d bytes)",
            name,
            "bad" if header else "missing",
            _client(request),
            len(request.body),
        )
        return error_response(403, "invalid_signature", "Tanda tangan X-Hub-Signature-256 salah.")
    try:
        payload = _json_body(request)
    except ValueError as exc:
        return _bad_json(exc)
    try:
        report = channel.handle(payload)
    except ShapeError as exc:
        return error_response(400, "invalid_payload", str(exc))
    return JsonResponse(report)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    return _meta_hub(request, "whatsapp", whatsapp_in)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    """Facebook Messenger and Instagram messaging, and comments on the business's posts."""
    return _meta_hub(request, "meta", meta_in)


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    if not telegram_in.secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")):
        log.warning("telegram webhook: bad or missing secret token from %s", _client(request))
        return error_response(
            403, "invalid_secret", "X-Telegram-Bot-Api-Secret-Token salah atau tidak ada."
        )
    try:
        payload = _json_body(request)
    except ValueError as exc:
        return _bad_json(exc)
    try:
        item = telegram_in.parse(payload)
    except ShapeError as exc:
        return error_response(400, "invalid_payload", str(exc))
    if isinstance(item, str):
        return JsonResponse({"result": "ignored", "reason": item})
    (outcome,) = messaging.accept([item])["counts"]
    return JsonResponse({"result": outcome})


@login_required
@require_POST
def whatsapp_template_send(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The form in the ticket page's window notice: send an approved template."""
    user = cast(User, request.user)
    if not user.is_agent_or_above:
        raise Http404
    try:
        ticket = access_ticket(user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    template_id = request.POST.get("template", "")
    params = request.POST.get("params", "").splitlines()
    try:
        whatsapp_out.template_send(
            actor=user,
            ticket=ticket,
            template_id=int(template_id) if template_id.isdigit() else 0,
            params=params,
        )
        flash.success(request, "Templat WhatsApp dikirim.")
    except SigapError as exc:
        flash.error(request, exc.message)
    return HttpResponseRedirect(reverse("web:ticket", args=[ticket_id]) + "#reply")
