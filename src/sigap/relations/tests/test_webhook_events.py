"""The customer-relationship webhook events reach a subscribed receiver (a real HTTP server
on loopback) once each, signed, after the change commits; nothing for a rolled-back one."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.db import transaction

from sigap.accounts.models import User
from sigap.customers import services as customer_services
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn
from sigap.relations import campaigns, consent, incidents, loyalty
from sigap.relations.campaigns import Segment
from sigap.relations.models import ConsentSource, Purpose
from sigap.webhooks import catalogue, delivery
from sigap.webhooks.models import Webhook, WebhookDelivery
from sigap.webhooks.tests.test_webhooks import Receiver, receiver  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

EVENTS = [
    "customer.created",
    "customer.updated",
    "organization.created",
    "loyalty.points_posted",
    "incident.opened",
    "incident.resolved",
    "campaign.scheduled",
    "campaign.started",
    "campaign.completed",
]


def test_each_event_is_delivered_once_signed_after_the_commit(
    receiver: Receiver,  # noqa: F811
    supervisor: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    hook = Webhook.objects.create(name="CRM", url=receiver.url, events=EVENTS)
    with pytest.raises(RuntimeError), transaction.atomic():
        customer_services.customer_create(name="Batal")
        raise RuntimeError("rollback")
    assert WebhookDelivery.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        dewi = customer_services.customer_create(
            name="Dewi", contacts=[ContactIn("email", "dewi@contoh.id")]
        )
        customer_services.customer_update(
            customer=dewi, version=dewi.version, changes={"temperament": "quiet"}
        )
        customer_services.organization_create(actor=supervisor, name="PT Maju")
        loyalty.post_points(
            customer=dewi, kind="manual", points=10, reason="Maaf", actor=supervisor
        )
        incident = incidents.incident_open(actor=supervisor, title="GoPay gagal")
        incidents.incident_resolve(actor=supervisor, incident=incident, cause="Penyedia")
        consent.consent_set(
            customer=dewi, purpose=Purpose.SERVICE, granted=True, source=ConsentSource.AGENT
        )
        campaign = campaigns.campaign_create(
            actor=supervisor,
            name="Pemberitahuan",
            purpose=Purpose.SERVICE,
            channel="email",
            segment=Segment(customer_ids=[dewi.pk]),
            subject="Info",
            body="Halo {nama}",
        )
        campaigns.campaign_queue(campaign=campaign)
        campaigns.send_due()

    received = [(h["X-Sigap-Event"], h, body) for h, body in receiver.requests]
    assert sorted(e for e, _h, _b in received) == sorted(EVENTS)  # each once
    for event, headers, body in received:
        expected = hmac.new(
            hook.secret.encode(),
            headers["X-Sigap-Timestamp"].encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        assert headers["X-Sigap-Signature"] == f"sha256={expected}"
        assert json.loads(body)["event"] == event
    data = {e: json.loads(b)["data"] for e, _h, b in received}
    assert data["customer.updated"]["fields"] == ["temperament"]
    assert "Dewi" not in json.dumps(data["customer.created"])  # no personal data
    assert data["loyalty.points_posted"]["points"] == 10
    assert data["incident.resolved"]["action"]["kind"] == "resolved"
    assert data["campaign.completed"]["sent"] == 1
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert delivery.retry_due() == 0 and len(receiver.requests) == len(EVENTS)


def test_an_event_missing_from_the_catalogue_is_refused() -> None:
    with pytest.raises(ValueError, match="catalogue"):
        catalogue.emit("incident.exploded", {})
