"""What every connector's webhook view shares: the client's address for the logs, the JSON
body, and Meta's webhook (the GET handshake, ``X-Hub-Signature-256`` on the raw body, then
the payload) used by WhatsApp and by Messenger/Instagram. The views themselves are in each
provider's folder, mounted from the registry (``connectors/urls.py``)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from sigap.connectors import conf
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


def account_of(provider: str, pk: int | None) -> conf.Account | None:
    """The brand connection a webhook URL names (``/hooks/<hook>/<pk>/``); None for the
    provider's own URL (the default connection). ``Http404`` for an unknown one."""
    if pk is None:
        return None
    account = conf.account(pk)
    if account is None or account.provider != provider:
        raise Http404
    return account


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One answer for a delivery handled in parts (one per connection it names)."""
    if len(reports) == 1:
        return reports[0]
    merged: dict[str, Any] = {}
    for report in reports:
        for key, value in report.items():
            if key not in merged:
                merged[key] = dict(value) if isinstance(value, dict) else value
            elif isinstance(value, dict):
                for name, count in value.items():
                    merged[key][name] = merged[key].get(name, 0) + count
            elif isinstance(value, list | int):
                merged[key] = merged[key] + value
    return merged


def _signed_by_any(channel: Any, provider: str, body: bytes, header: str) -> bool:
    """Is ``body`` signed with the app secret of any connection of ``provider``?"""
    for account in [None, *conf.accounts(provider)]:
        with conf.using(account):
            if channel.signature_ok(body, header):
                return True
    return False


def meta_hub(
    request: HttpRequest, name: str, channel: Any, account_pk: int | None = None
) -> HttpResponse:
    """A webhook of Meta's (``channel``: ``whatsapp.inbound`` or ``meta.inbound``): the GET
    handshake, the signature on the raw body, then the payload.

    Several connections (a brand's own number or page) share the provider's webhook, so a
    POST is split by the id each part names (``channel.split``: the phone number id, the
    page id): each part is checked with its connection's app secret and accepted as that
    connection's (its tickets get its brand). An id no connection has is refused (404)
    before anything is stored: Meta delivers it again, so nothing is lost once it is
    connected. ``account_pk``: the connection the URL names (its verify token for the
    handshake; the parts that name no id are its)."""
    provider = "whatsapp" if name == "whatsapp" else "meta"
    url_account = account_of(provider, account_pk)
    if request.method == "GET":
        candidates = [url_account] if account_pk is not None else [None, *conf.accounts(provider)]
        for candidate in candidates:
            with conf.using(candidate):
                challenge = channel.verify_handshake(request.GET.dict())
            if challenge is not None:
                return HttpResponse(challenge, content_type="text/plain")
        log.warning("%s webhook: verification refused from %s", name, client(request))
        return HttpResponse(_("verify_token salah"), status=403, content_type="text/plain")
    broken: InvalidJson | None = None
    try:
        payload: Any = json_body(request)
        parts: dict[str, Any] = channel.split(payload)
    except InvalidJson as exc:
        payload, parts, broken = None, {"": None}, exc
    routed: list[tuple[conf.Account | None, Any]] = []
    unknown: list[str] = []
    for routing_id, part in parts.items():
        try:
            account = conf.route(provider, channel.ROUTE_NAMES, routing_id)
        except conf.Unknown:
            unknown.append(routing_id)
            continue
        routed.append((account if routing_id else url_account, part))
    header = request.headers.get("X-Hub-Signature-256", "")
    if unknown and _signed_by_any(channel, provider, request.body, header):
        # Meta's own delivery for a number or page not connected here (a stranger's
        # request is refused below, like any unsigned one, telling nothing of the ids)
        log.warning(
            "%s webhook: unknown %s %s from %s", name, channel.ROUTE_LABEL, unknown, client(request)
        )
        return error_response(
            404,
            channel.ROUTE_CODE,
            _("%(what)s %(ids)s tidak terhubung ke Sigap; tidak ada yang disimpan.")
            % {"what": channel.ROUTE_LABEL, "ids": ", ".join(sorted(unknown))},
        )
    if unknown:
        routed = [(url_account, payload)]  # checked with the URL's connection's secret: refused
    for account in {(a.pk if a else None): a for a, _part in routed}.values():
        with conf.using(account):
            signed = channel.signature_ok(request.body, header)
        if not signed:
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
    if broken is not None:
        return bad_json(broken)
    try:
        if len(routed) > 1:
            channel.parse(payload)  # the whole envelope first: nothing stored if it is bad
        reports = []
        for account, part in routed:
            with conf.using(account):
                reports.append(channel.handle(part))
    except ShapeError as exc:
        return error_response(400, "invalid_payload", str(exc))
    return JsonResponse(merge_reports(reports))
