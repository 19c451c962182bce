"""Telegram's webhook: the secret header, then one update."""

from __future__ import annotations

import hmac
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sigap.connectors import conf, messaging
from sigap.connectors.messaging import ShapeError
from sigap.connectors.telegram import inbound
from sigap.connectors.views import account_of, bad_json, client, json_body
from sigap.core.apiutil import error_response
from sigap.core.errors import InvalidJson

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, account: int | None = None) -> HttpResponse:
    """The bot's updates: a brand's own bot at its own URL (``/hooks/telegram/<id>/``, set
    by the verify step), or at the provider's URL told apart by its secret token; its
    messages open tickets of its brand."""
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    bot = account_of("telegram", account)
    if account is None:
        bot = next(
            (
                a
                for a in conf.accounts("telegram")
                if _same(header, a.values.get("SIGAP_TELEGRAM_SECRET_TOKEN", ""))
            ),
            None,
        )
    with conf.using(bot):
        return _update(request, header)


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.strip().encode())


def _update(request: HttpRequest, header: str) -> HttpResponse:
    if not inbound.secret_ok(header):
        log.warning("telegram webhook: bad or missing secret token from %s", client(request))
        return error_response(
            403, "invalid_secret", _("X-Telegram-Bot-Api-Secret-Token salah atau tidak ada.")
        )
    try:
        payload = json_body(request)
    except InvalidJson as exc:
        return bad_json(exc)
    try:
        item = inbound.parse(payload)
    except ShapeError as exc:
        return error_response(400, "invalid_payload", str(exc))
    if isinstance(item, str):
        return JsonResponse({"result": "ignored", "reason": item})
    (outcome,) = messaging.accept([item])["counts"]
    return JsonResponse({"result": outcome})
