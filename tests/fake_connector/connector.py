"""A made-up provider for the X channel ("Pesan X"): a signed JSON webhook in, a JSON API
out. It uses only what the connectors offer every provider."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime

import httpx
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sigap.connectors import messaging
from sigap.connectors.delivery import Adapter, Part, SendError
from sigap.connectors.models import OutboundDelivery
from sigap.connectors.quickreply import Option
from sigap.connectors.registry import Connector, Direct, Layout
from sigap.customers.models import ContactKind
from sigap.tickets.models import Channel, Ticket

SECRET = b"fake-connector-secret"
API = {"base": ""}  # where the provider's API listens (the test sets it)


def signature(body: bytes) -> str:
    return hmac.new(SECRET, body, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    given = request.headers.get("X-Fake-Signature", "")
    if not hmac.compare_digest(given.encode(), signature(request.body).encode()):  # any header
        return JsonResponse({"error": "bad signature"}, status=403)
    data = json.loads(request.body)
    tapped = str(data.get("tap", ""))  # a tapped choice: its id, as the provider echoes it
    item = messaging.Inbound(
        provider=Channel.X,
        external_id=data["id"],
        message_id=data["id"],
        address=data["from"],
        sender=data["from"],
        contact_kind="x",
        contact_value=data["from"],
        name=data["name"],
        text=data.get("text", ""),
        survey_reply=tapped if tapped.startswith(messaging.SURVEY_REPLY_PREFIX) else "",
        sent_at=min(datetime.fromisoformat(data["at"]), timezone.now()),
        payload=data,
    )
    return JsonResponse(messaging.accept([item])["counts"])


urlpatterns = [path("webhook/", webhook, name="fake_x_webhook")]


def recipient_for(ticket: Ticket) -> str:
    address = messaging.last_address(Channel.X, ticket.pk)
    if address:
        return address
    contact = ticket.customer.contacts.filter(kind=ContactKind.X).order_by("id").first()
    return contact.value if contact is not None else ""


def _post(body: dict[str, object]) -> str:
    try:
        response = httpx.post(f"{API['base']}/messages", json=body, timeout=5)
    except httpx.HTTPError as exc:
        raise SendError(str(exc), retryable=True) from exc
    if response.status_code >= 400:
        raise SendError(response.text, retryable=response.status_code >= 500)
    return str(response.json()["id"])


def send(delivery: OutboundDelivery, part: Part, index: int) -> str:
    return _post({"to": delivery.recipient, "text": delivery.message.body})


def ask(address: str, text: str, options: Sequence[Option], layout: Layout) -> str:
    buttons = [{"id": o.id, "title": o.short or o.label} for o in options]
    return _post({"to": address, "text": text, "buttons": buttons})


def say(address: str, text: str) -> str:
    return _post({"to": address, "text": text})


CONNECTOR = Connector(
    channel=Channel.X,
    label="Pesan X",
    sender=Adapter(
        provider=Channel.X,
        sending_enabled=lambda: True,
        not_configured="",
        recipient_for=recipient_for,
        no_recipient="Belum pernah menerima pesan X dari pelanggan ini.",
        send=send,
    ),
    direct=Direct(
        unavailable=lambda ticket: "" if recipient_for(ticket) else "no conversation",
        address=recipient_for,
        ask=ask,
        say=say,
        contact_kinds=(ContactKind.X,),
    ),
    urls="tests.fake_connector.connector",
)
