"""The whole customer over the API: stream, organizations, points, purchases, vouchers;
staff only, idempotent where the business retries, precise errors."""

from __future__ import annotations

import pytest

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.relations import loyalty
from sigap.relations.models import RewardPool
from sigap.tickets.models import Ticket
from sigap.webhooks.models import Webhook, WebhookDelivery
from tests.api_client import Api

pytestmark = pytest.mark.django_db


def test_customers_and_anonymous_are_refused(customer_user: User, customer: Customer) -> None:
    for api in (Api(customer_user), Api(None)):
        assert api.get(f"/customers/{customer.pk}/stream").status_code in (401, 403)
        assert api.get(f"/customers/{customer.pk}/points").status_code in (401, 403)
        response = api.post(
            "/loyalty/purchases", {"customer": "budi@contoh.id", "transaction_id": "X", "amount": 1}
        )
        assert response.status_code in (401, 403)


def test_the_stream_pages_with_its_cursor(agent: User, customer: Customer, ticket: Ticket) -> None:
    api = Api(agent)
    first = api.get(f"/customers/{customer.pk}/stream", limit=1).json()
    second = api.get(f"/customers/{customer.pk}/stream", limit=1, before=first["next_cursor"])

    assert first["items"][0]["ticket_reference"] == ticket.reference
    assert second.status_code == 200
    assert second.json()["items"][0]["id"] != first["items"][0]["id"] or (
        second.json()["items"][0]["source"] != first["items"][0]["source"]
    )
    bad = api.get(f"/customers/{customer.pk}/stream", before="rusak")
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "Penanda halaman riwayat tidak valid."


def test_a_purchase_posted_twice_counts_once_and_raises_a_webhook(
    admin: User, agent: User, customer: Customer
) -> None:
    Webhook.objects.create(
        url="http://127.0.0.1:9/hook", secret="s" * 32, events=["loyalty.points_posted"]
    )
    api = Api(agent)
    body = {"customer": "0812-3456-7890", "transaction_id": "ORD-9", "amount": 250_000}

    first = api.post("/loyalty/purchases", body)
    again = api.post("/loyalty/purchases", body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["points"] == 25 and again.json()["entry_id"] == first.json()["entry_id"]
    assert WebhookDelivery.objects.filter(event="loyalty.points_posted").count() == 1
    points = api.get(f"/customers/{customer.pk}/points").json()
    assert points["balance"] == 25 and points["entries"][0]["external_id"] == "ORD-9"
    missing = api.post("/loyalty/purchases", {**body, "customer": "nobody@contoh.id"})
    assert missing.status_code == 404
    zero = api.post("/loyalty/purchases", {**body, "amount": 0})
    assert zero.status_code == 422


def test_csv_import_reports_bad_rows_by_line(agent: User, customer: Customer) -> None:
    csv = "customer,transaction_id,amount\nbudi@contoh.id,A1,100000\nx@y.id,A2,5\n"
    report = Api(agent).post("/loyalty/purchases/import", {"csv": csv}).json()

    assert report["added"] == 1 and report["already"] == 0
    assert report["errors"] == [{"line": 3, "reason": "pelanggan x@y.id tidak ditemukan"}]
    # found by the contract test: a server error before
    unreadable = Api(agent).post("/loyalty/purchases/import", {"csv": "\r\\"})
    assert unreadable.status_code == 422
    assert unreadable.json()["error"]["fields"] == {"file": ["Kolom kurang."]}


def test_manual_points_and_redemption(agent: User, customer: Customer) -> None:
    api = Api(agent)
    award = api.post(f"/customers/{customer.pk}/points", {"points": 40, "reason": "Maaf"})
    too_much = api.post(
        f"/customers/{customer.pk}/points",
        {"kind": "redemption", "points": -100, "reason": "Tukar"},
    )

    assert award.status_code == 201 and award.json()["balance"] == 40
    assert too_much.status_code == 409
    assert "Poin tidak cukup" in too_much.json()["error"]["message"]


def test_vouchers_over_the_api(agent: User, customer: Customer) -> None:
    pool = RewardPool.objects.create(name="Maaf 25rb", value=25_000)
    loyalty.generate_codes(pool, 1, prefix="MAAF-")
    api = Api(agent)
    body = {"pool": "Maaf 25rb", "customer_id": customer.pk, "key": "keluhan:1"}

    issued = api.post("/loyalty/vouchers/issue", body)
    again = api.post("/loyalty/vouchers/issue", body)
    code = issued.json()["code"]
    redeemed = api.post(f"/loyalty/vouchers/{code}/redeem")
    twice = api.post(f"/loyalty/vouchers/{code}/redeem")
    empty = api.post("/loyalty/vouchers/issue", {**body, "key": "keluhan:2"})

    assert (issued.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == code and code.startswith("MAAF-")
    assert redeemed.status_code == 200 and redeemed.json()["redeemed_at"]
    assert twice.status_code == 409
    assert empty.status_code == 409 and "habis" in empty.json()["error"]["message"]


def test_organizations_over_the_api(supervisor: User, customer: Customer) -> None:
    api = Api(supervisor)
    created = api.post("/organizations", {"name": "PT Sentosa", "loyalty_tier": "gold"})
    org = created.json()
    changed = api.patch(
        f"/organizations/{org['id']}", {"version": org["version"], "shared_visibility": True}
    )
    stale = api.patch(f"/organizations/{org['id']}", {"version": org["version"], "notes": "x"})
    twin = api.post("/organizations", {"name": "pt sentosa"})

    assert created.status_code == 201
    assert changed.status_code == 200 and changed.json()["shared_visibility"] is True
    assert stale.status_code == 409
    assert twin.status_code == 409
