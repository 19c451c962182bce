"""Incidents, campaigns, consent and voucher pools over the API: supervisors only where the
pages say so, precise 422s, idempotent POSTs (``Idempotency-Key``), and the webhook events
they raise."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import campaigns
from sigap.relations.models import (
    Campaign,
    CampaignRecipient,
    Consent,
    IncidentAnswer,
    IncidentSend,
    RewardPool,
    Voucher,
)
from sigap.surveys.models import Survey
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Status, Ticket
from sigap.webhooks.models import Webhook, WebhookDelivery
from tests.api_client import Api

pytestmark = pytest.mark.django_db


def _ticket(agent: User, team: Team, customer: Customer, text: str) -> Ticket:
    return ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="email",
        subject=text,
        description=text,
        team=team,
    )


def test_agents_customers_and_anonymous_are_refused(
    agent: User, customer_user: User, customer: Customer
) -> None:
    for api in (Api(agent), Api(customer_user), Api(None)):
        assert api.get("/incidents").status_code in (401, 403)
        assert api.post("/incidents", {"title": "X"}).status_code in (401, 403)
        assert api.get("/campaigns").status_code in (401, 403)
        assert api.post("/loyalty/pools", {"name": "P"}).status_code in (401, 403)
    for api in (Api(customer_user), Api(None)):
        assert api.get(f"/customers/{customer.pk}/consent").status_code in (401, 403)


def test_an_incident_from_opening_to_resolution(
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Webhook.objects.create(name="CRM", url="http://127.0.0.1:9/hook", events=[])
    api = Api(supervisor)
    bad = api.post("/incidents", {"title": "  ", "owner_id": customer.user_id})
    assert bad.status_code == 422 and "title" in bad.json()["error"]["fields"]
    not_staff = api.post("/incidents", {"title": "GoPay", "owner_id": customer.user_id})
    assert not_staff.status_code == 422
    assert not_staff.json()["error"]["fields"] == {"owner_id": ["Bukan petugas aktif."]}

    created = api.post(
        "/incidents",
        {"title": "Pembayaran GoPay gagal", "keywords": "gagal bayar gopay"},
        HTTP_IDEMPOTENCY_KEY="inc-1",
    )
    replay = api.post(
        "/incidents",
        {"title": "Pembayaran GoPay gagal", "keywords": "gagal bayar gopay"},
        HTTP_IDEMPOTENCY_KEY="inc-1",
    )
    assert created.status_code == 201 and replay.json()["id"] == created.json()["id"]
    incident = created.json()
    assert (incident["status"], incident["owner_id"]) == ("open", supervisor.pk)
    path = f"/incidents/{incident['id']}"

    a = _ticket(agent, team, customer, "gagal bayar gopay")
    other = customer_create(name="Dewi", contacts=[ContactIn("email", "dewi@contoh.id")])
    b = _ticket(agent, team, other, "gopay gagal bayar")
    for t in (a, b):
        linked = api.post(f"{path}/tickets", {"ticket_id": t.pk})
        assert linked.status_code == 200
    assert api.post(f"{path}/tickets", {"ticket_id": 999_999}).status_code == 404
    detail = api.get(path).json()
    assert detail["impact"]["tickets"] == 2 and detail["impact"]["customers"] == 2
    assert detail["impact"]["channels"] == [{"channel": "email", "tickets": 2}]
    assert {t["reference"] for t in detail["linked"]} == {a.reference, b.reference}

    stale = api.patch(path, {"version": 0, "cause": "x"})
    assert stale.status_code == 409
    edited = api.patch(path, {"version": detail["version"], "cause": "Gangguan penyedia"})
    assert edited.status_code == 200 and edited.json()["cause"] == "Gangguan penyedia"
    assert edited.json()["title"] == "Pembayaran GoPay gagal"  # unsent fields kept
    step = api.post(f"{path}/steps", {"text": "Menghubungi GoPay"})
    assert step.status_code == 201 and step.json()["kind"] == "step"
    assert api.post(f"{path}/steps", {"text": ""}).status_code == 422

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answered = api.post(f"{path}/answers", {"body": "Halo, pembayaran sudah pulih."})
    assert answered.status_code == 202 and answered.json()["tickets"] == 2
    answer = IncidentAnswer.objects.get()
    assert IncidentSend.objects.filter(answer=answer, status="sent").count() == 2

    assert api.delete(f"{path}/tickets/{b.pk}").status_code == 204
    assert api.delete(f"{path}/tickets/{b.pk}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        resolved = api.post(f"{path}/resolve", {})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert Ticket.objects.get(pk=a.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=b.pk).status != Status.CLOSED  # unlinked before
    assert Survey.objects.filter(ticket=a, kind="resolution").count() == 1
    assert api.post(f"{path}/resolve", {}).status_code == 409

    events = list(
        WebhookDelivery.objects.filter(event__startswith="incident.")
        .order_by("created_at")
        .values_list("event", flat=True)
    )
    assert events[0] == "incident.opened" and "incident.resolved" in events
    assert "incident.updated" in events
    listed = api.get("/incidents", status="resolved").json()
    assert [i["id"] for i in listed] == [incident["id"]]
    assert api.get("/incidents", status="weird").status_code == 422


def test_a_campaign_from_an_incident_previewed_scheduled_and_counted(
    supervisor: User, agent: User, team: Team, customer: Customer
) -> None:
    api = Api(supervisor)
    incident = api.post("/incidents", {"title": "Gangguan", "keywords": "gagal bayar"}).json()
    quiet = customer_create(name="Tanpa izin", contacts=[ContactIn("email", "diam@contoh.id")])
    for c in (customer, quiet):
        t = _ticket(agent, team, c, "gagal bayar")
        api.post(f"/incidents/{incident['id']}/tickets", {"ticket_id": t.pk})
    put = api.put(f"/customers/{customer.pk}/consent/service", {"granted": True})
    assert put.status_code == 200 and put.json()["granted"] is True
    bad_purpose = api.put(f"/customers/{customer.pk}/consent/spam", {"granted": True})
    assert bad_purpose.status_code == 422
    consents = api.get(f"/customers/{quiet.pk}/consent").json()
    assert {c["purpose"]: c["granted"] for c in consents} == {"service": None, "marketing": None}

    segment = {"incident_id": incident["id"]}
    preview = api.post(
        "/campaigns/preview", {"purpose": "service", "channel": "email", "segment": segment}
    )
    assert preview.json() == {"count": 1, "first": [{"id": customer.pk, "name": customer.name}]}
    no_subject = api.post(
        "/campaigns",
        {"name": "Maaf", "purpose": "service", "channel": "email", "segment": segment, "body": "x"},
    )
    assert no_subject.status_code == 422 and "subject" in no_subject.json()["error"]["fields"]
    both = api.post(
        "/campaigns/preview",
        {
            "purpose": "service",
            "channel": "email",
            "segment": {"incident_id": incident["id"], "customer_ids": [1]},
        },
    )
    assert both.status_code == 422
    body = {
        "name": "Maaf atas gangguan",
        "purpose": "service",
        "channel": "email",
        "segment": segment,
        "subject": "Gangguan pembayaran",
        "body": "Halo {nama}, pembayaran sudah pulih.",
    }
    draft = api.post("/campaigns", body, HTTP_IDEMPOTENCY_KEY="camp-1")
    again = api.post("/campaigns", body, HTTP_IDEMPOTENCY_KEY="camp-1")
    assert draft.status_code == 201 and again.json()["id"] == draft.json()["id"]
    assert Campaign.objects.count() == 1
    path = f"/campaigns/{draft.json()['id']}"
    assert api.get(f"{path}/preview").json()["count"] == 1

    Webhook.objects.create(name="CRM", url="http://127.0.0.1:9/hook", events=["campaign.scheduled"])
    scheduled = api.post(f"{path}/schedule", {})
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "queued"
    assert scheduled.json()["counts"]["queued"] == 1
    assert api.post(f"{path}/schedule", {}).status_code == 409
    assert WebhookDelivery.objects.filter(event="campaign.scheduled").count() == 1

    mail.outbox.clear()
    campaigns.send_due()
    detail = api.get(path).json()
    assert detail["status"] == "done" and detail["counts"]["sent"] == 1
    assert [m.to for m in mail.outbox] == [["budi@contoh.id"]]
    assert api.post(f"{path}/cancel").status_code == 409
    assert CampaignRecipient.objects.filter(customer=quiet).count() == 0


def test_cancelling_a_scheduled_campaign(supervisor: User, customer: Customer) -> None:
    api = Api(supervisor)
    api.put(f"/customers/{customer.pk}/consent/marketing", {"granted": True, "source": "customer"})
    assert Consent.objects.get(customer=customer).source == "customer"
    draft = api.post(
        "/campaigns",
        {
            "name": "Promo",
            "purpose": "marketing",
            "channel": "email",
            "segment": {"tiers": ["gold"]},
            "subject": "Promo",
            "body": "Halo {nama}",
            "send_at": "2099-01-01T10:00:00+07:00",
        },
    ).json()
    api.post(f"/campaigns/{draft['id']}/schedule", {})
    cancelled = api.post(f"/campaigns/{draft['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["counts"]["skipped"] == 1
    assert api.get("/campaigns", status="cancelled").json()[0]["id"] == draft["id"]
    tiers = api.post(
        "/campaigns/preview",
        {"purpose": "marketing", "channel": "email", "segment": {"tiers": ["diamond"]}},
    )
    assert tiers.status_code == 422


def test_voucher_pools(supervisor: User, agent: User, customer: Customer) -> None:
    api = Api(supervisor)
    created = api.post("/loyalty/pools", {"name": "Maaf 50rb", "value": 50_000})
    assert created.status_code == 201 and created.json()["free"] == 0
    assert api.post("/loyalty/pools", {"name": "Maaf 50rb"}).status_code == 409
    pool = created.json()["id"]
    codes = api.post(
        f"/loyalty/pools/{pool}/codes",
        {"codes": "code\nAB-1\nAB-1\nbad code\n", "generate": 3, "prefix": "MAAF"},
    )
    assert codes.json() == {
        "added": 1,
        "already": 1,
        "generated": 3,
        "errors": [{"line": 4, "reason": "kode bad code tidak valid"}],
    }
    assert api.post(f"/loyalty/pools/{pool}/codes", {}).status_code == 422
    assert api.post(f"/loyalty/pools/{pool}/codes", {"prefix": "a b"}).status_code == 422
    assert Api(agent).post(f"/loyalty/pools/{pool}/codes", {"generate": 1}).status_code == 403

    Webhook.objects.create(name="CRM", url="http://127.0.0.1:9/hook", events=[])
    issued = Api(agent).post(
        "/loyalty/vouchers/issue", {"pool": "Maaf 50rb", "customer_id": customer.pk}
    )
    code = issued.json()["code"]
    assert Api(agent).post(f"/loyalty/vouchers/{code}/redeem").status_code == 200
    listed = Api(agent).get("/loyalty/pools").json()
    assert (listed[0]["free"], listed[0]["issued"], listed[0]["redeemed"]) == (3, 1, 1)
    assert set(WebhookDelivery.objects.values_list("event", flat=True)) >= {
        "loyalty.voucher_issued",
        "loyalty.voucher_redeemed",
    }
    assert RewardPool.objects.count() == 1 and Voucher.objects.count() == 4


def test_segments_by_region_and_product_and_an_incidents_regions(
    supervisor: User, agent: User, team: Team, customer: Customer
) -> None:
    api = Api(supervisor)
    dewi = customer_create(name="Dewi", contacts=[ContactIn("email", "dewi@contoh.id")])
    eko = customer_create(name="Eko", contacts=[ContactIn("email", "eko@contoh.id")])
    for c, region in ((customer, "Jawa Barat"), (dewi, "Jawa Barat"), (eko, "Bali")):
        patched = api.patch(f"/customers/{c.pk}", {"version": c.version, "region": f" {region} "})
        assert patched.status_code == 200 and patched.json()["region"] == region
        api.put(f"/customers/{c.pk}/consent/service", {"granted": True})
    too_long = api.patch(f"/customers/{eko.pk}", {"version": 2, "region": "x" * 101})
    assert too_long.status_code == 422 and "region" in too_long.json()["error"]["fields"]
    tickets = {c.pk: _ticket(agent, team, c, "kuota hilang") for c in (customer, dewi, eko)}
    for c in (customer, eko):
        t = tickets[c.pk]
        done = api.patch(f"/tickets/{t.pk}", {"version": t.version, "product": "Paket 10GB"})
        assert done.status_code == 200 and done.json()["product"] == "Paket 10GB"

    def preview(**segment: Any) -> set[int]:
        body = {"purpose": "service", "channel": "email", "segment": segment}
        return {c["id"] for c in api.post("/campaigns/preview", body).json()["first"]}

    assert preview(regions=["Jawa Barat"]) == {customer.pk, dewi.pk}
    assert preview(products=["Paket 10GB"]) == {customer.pk, eko.pk}
    assert preview(products=["Paket 10GB"], regions=["Jawa Barat"]) == {customer.pk}
    assert preview(regions=["Papua"]) == set()
    empty = api.post(
        "/campaigns/preview",
        {"purpose": "service", "channel": "email", "segment": {"products": [""]}},
    )
    assert empty.status_code == 422

    incident = api.post("/incidents", {"title": "Kuota hilang"}).json()
    for t in tickets.values():
        api.post(f"/incidents/{incident['id']}/tickets", {"ticket_id": t.pk})
    impact = api.get(f"/incidents/{incident['id']}").json()["impact"]
    assert impact["regions"] == [
        {"region": "Jawa Barat", "customers": 2},
        {"region": "Bali", "customers": 1},
    ]
