"""Sending one webhook delivery: signed, with a timeout, retried with backoff.

At-least-once: a delivery is claimed for ``LEASE`` before sending, so two workers never
send it at the same moment; a worker killed after sending but before recording the
result sends it again once the lease expires. Receivers dedupe on ``X-Sigap-Delivery``.

Signature: ``X-Sigap-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``
with the timestamp in ``X-Sigap-Timestamp`` (reject old timestamps to stop replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import httpx
from django.utils import timezone

from sigap.webhooks.models import DeliveryStatus, WebhookDelivery

BACKOFF = [60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600]  # seconds after attempts 1..5
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=5)
TIMEOUT = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(
        {
            "id": str(delivery.pk),
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def attempt(delivery_id: str) -> str:
    """Try to send; returns ``succeeded``, ``pending`` (will retry), ``failed`` or
    ``skipped`` (not due, or another worker holds it)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    body = body_of(delivery)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Sigap-Webhook/1",
        "X-Sigap-Event": delivery.event,
        "X-Sigap-Delivery": str(delivery.pk),
        "X-Sigap-Timestamp": stamp,
        "X-Sigap-Signature": sign(delivery.webhook.secret, stamp, body),
    }
    code: int | None = None
    try:
        response = httpx.post(delivery.webhook.url, content=body, headers=headers, timeout=TIMEOUT)
        code = response.status_code
        error = "" if 200 <= code < 300 else f"HTTP {code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = delivery.attempts + 1
    fields: dict[str, object] = {
        "attempts": attempts,
        "last_status_code": code,
        "last_error": error,
    }
    if not error:
        fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now())
    elif attempts >= MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.FAILED)
    else:
        fields.update(next_attempt_at=timezone.now() + timedelta(seconds=BACKOFF[attempts - 1]))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return str(fields.get("status", DeliveryStatus.PENDING))


def retry_due(limit: int = 500) -> int:
    """Send every pending delivery whose time has come (the periodic job)."""
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(attempt(str(pk)) == DeliveryStatus.SUCCEEDED for pk in due)
