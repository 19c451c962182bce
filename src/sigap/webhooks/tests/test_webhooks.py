"""Outgoing webhooks against a real HTTP server on loopback: signed, recorded with the
change, retried with backoff, never sent twice at once, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import User
from sigap.tickets import services
from sigap.tickets.models import Ticket
from sigap.webhooks import delivery
from sigap.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = 500 if receiver.fail_next > 0 else 204
                receiver.fail_next = max(0, receiver.fail_next - 1)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        # shutdown() waits up to one poll interval (0.5 s by default).
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def reply(agent: User, ticket: Ticket) -> None:
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sedang kami cek.")


def test_a_change_is_delivered_signed(
    receiver: Receiver, agent: User, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    hook = Webhook.objects.create(name="CRM", url=receiver.url, events=["reply_sent"])
    with django_capture_on_commit_callbacks(execute=True):
        reply(agent, ticket)
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    expected = hmac.new(
        hook.secret.encode(), headers["X-Sigap-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Sigap-Signature"] == f"sha256={expected}"
    assert headers["X-Sigap-Event"] == "reply_sent"
    data = json.loads(body)
    assert data["id"] == headers["X-Sigap-Delivery"]
    assert data["data"]["ticket"]["reference"] == ticket.reference
    assert "name" not in json.dumps(data["data"]["ticket"])  # ids, no personal data
    logged = WebhookDelivery.objects.get()
    assert (logged.status, logged.attempts, logged.last_status_code) == ("succeeded", 1, 204)


def test_only_subscribed_events_and_nothing_for_a_rolled_back_change(
    receiver: Receiver, agent: User, ticket: Ticket
) -> None:
    Webhook.objects.create(name="CRM", url=receiver.url, events=["status_changed"])
    reply(agent, ticket)  # not subscribed
    assert WebhookDelivery.objects.count() == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")  # status change
        raise RuntimeError("rollback")
    assert WebhookDelivery.objects.count() == 0
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")
    assert WebhookDelivery.objects.filter(event="status_changed").count() == 1


def test_failures_are_retried_with_backoff_then_given_up(
    receiver: Receiver, agent: User, ticket: Ticket
) -> None:
    Webhook.objects.create(name="CRM", url=receiver.url)
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")
    d = WebhookDelivery.objects.filter(event="recorded").get()
    WebhookDelivery.objects.exclude(pk=d.pk).delete()
    receiver.fail_next = 1
    assert delivery.attempt(str(d.pk)) == "pending"
    d.refresh_from_db()
    assert d.attempts == 1 and d.last_error == "HTTP 500"
    assert d.next_attempt_at > timezone.now() + timedelta(seconds=50)  # 1 minute backoff
    assert delivery.attempt(str(d.pk)) == "skipped"  # not due yet
    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    assert delivery.retry_due() == 1
    d.refresh_from_db()
    assert d.status == "succeeded" and d.attempts == 2
    # a receiver that never answers 2xx: given up after MAX_ATTEMPTS
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Ulang", customer_confirmed=True
    )
    stuck = WebhookDelivery.objects.filter(event="confirmation").get()
    receiver.fail_next = 100
    for _ in range(delivery.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=stuck.pk).update(next_attempt_at=timezone.now())
        delivery.attempt(str(stuck.pk))
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == ("failed", delivery.MAX_ATTEMPTS)


def test_an_unreachable_receiver_is_an_error_in_the_log(agent: User, ticket: Ticket) -> None:
    Webhook.objects.create(name="Mati", url="http://127.0.0.1:9/hook")
    reply(agent, ticket)
    d = WebhookDelivery.objects.get()
    assert delivery.attempt(str(d.pk)) == "pending"
    d.refresh_from_db()
    assert d.last_status_code is None and "ConnectError" in d.last_error


def test_a_claimed_delivery_is_not_sent_twice(
    receiver: Receiver, agent: User, ticket: Ticket
) -> None:
    Webhook.objects.create(name="CRM", url=receiver.url)
    reply(agent, ticket)
    d = WebhookDelivery.objects.get()
    # another worker holds it (its lease runs)
    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now() + delivery.LEASE)
    assert delivery.attempt(str(d.pk)) == "skipped"
    assert receiver.requests == []


def test_no_webhooks_no_rows(agent: User, ticket: Ticket) -> None:
    reply(agent, ticket)
    assert WebhookDelivery.objects.count() == 0
