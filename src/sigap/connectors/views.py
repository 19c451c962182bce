"""What every connector's webhook view shares: the client's address for the logs, the JSON
body, and Meta's webhook (the GET handshake, ``X-Hub-Signature-256`` on the raw body, then
the payload) used by WhatsApp and by Messenger/Instagram. The views themselves are in each
provider's folder, mounted from the registry (``connectors/urls.py``)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from sigap.connectors.messaging import ShapeError
from sigap.core.apiutil import error_response
from sigap.core.errors import InvalidJson
from sigap.core.jsonbody import parse_json

log = logging.getLogger(__name__)


def client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "?"))


def json_body(request: HttpRequest) -> Any:
    """The body as JSON, or ``InvalidJson`` (broken, not UTF-8, nested too deep)."""
    return parse_json(request.body)


def bad_json(exc: InvalidJson) -> JsonResponse:
    return error_response(exc.http_status, exc.code, exc.message)


def meta_hub(request: HttpRequest, name: str, channel: Any) -> HttpResponse:
    """A webhook of Meta's (``channel``: ``whatsapp_in`` or ``meta_in``): the GET
    handshake, the signature on the raw body, then the payload."""
    if request.method == "GET":
        challenge = channel.verify_handshake(request.GET.dict())
        if challenge is None:
            log.warning("%s webhook: verification refused from %s", name, client(request))
            return HttpResponse(_("verify_token salah"), status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    header = request.headers.get("X-Hub-Signature-256", "")
    if not channel.signature_ok(request.body, header):
        log.warning(
            "%s webhook: %s X-Hub-Signature-256 from %s (%d bytes)",
            name,
            "bad" if header else "missing",
            client(request),
            len(request.body),
        )
        return error_response(
            403, "invalid_signature", _("Tanda tangan X-Hub-Signature-256 salah.")
        )
    try:
        payload = json_body(request)
    except InvalidJson as exc:
        return bad_json(exc)
    try:
        report = channel.handle(payload)
    except ShapeError as exc:
        return error_response(400, "invalid_payload", str(exc))
    return JsonResponse(report)
