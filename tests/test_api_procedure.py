"""The complaint procedure end to end through the API, and the error format."""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket
from tests.api_client import Api

APOLOGY = {
    "recognition": "Kami mengakui paket Anda terlambat tujuh hari.",
    "responsibility": "Ini tanggung jawab kami sebagai penjual.",
    "remorse": "Kami sungguh menyesal atas ketidaknyamanan ini.",
    "restitution": "Kami akan mengganti ongkos kirim Anda.",
    "repetition": "Kami sudah memperbaiki proses serah terima ke kurir.",
}


def create(api: Api, customer: Customer, team: Team, **extra: Any) -> Any:
    body = {
        "customer_id": customer.pk,
        "kind": "complaint",
        "channel": "email",
        "subject": "Dana refund belum masuk",
        "description": "Sudah dua minggu dana refund Rp 1.250.000 belum masuk ke rekening.",
        "category": "service",
        "severity": "kompleks",
        "team_id": team.pk,
        **extra,
    }
    return api.post("/tickets", body)


def test_the_whole_procedure_from_simak_to_closing(
    agent: User, supervisor: User, team: Team, customer: Customer, customer_user: User
) -> None:
    staff, cust = Api(agent), Api(customer_user)
    created = create(staff, customer, team, assignee_id=agent.pk)
    assert created.status_code == 201, created.json()
    tid = created.json()["id"]
    assert created.json()["priority"] == 1  # kompleks = P2, gold customer one step up
    assert [s["done"] for s in created.json()["steps"]] == [False, False, False, False]

    assert (
        staff.post(f"/tickets/{tid}/record", {"facts": "Refund diajukan 3 Nov."}).json()["status"]
        == "recorded"
    )
    confirm = staff.post(
        f"/tickets/{tid}/confirm",
        {"restatement": "Refund Rp 1.250.000 belum diterima.", "customer_confirmed": True},
    )
    assert confirm.status_code == 201
    assert staff.post(f"/tickets/{tid}/apology", APOLOGY).status_code == 201

    first = staff.post(
        f"/tickets/{tid}/proposals",
        {"summary": "Refund ulang", "compensation_type": "refund", "compensation_amount": 1250000},
    )
    assert first.status_code == 201
    pid = first.json()["id"]
    assert first.json()["status"] == "pending_approval"
    assert first.json()["compensation_amount_display"] == "Rp 1.250.000"
    # Not visible to the customer before a supervisor approves it.
    assert cust.get(f"/tickets/{tid}/proposals").json() == []
    assert cust.post(f"/proposals/{pid}/accept").status_code == 404
    assert staff.post(f"/proposals/{pid}/approve").status_code == 403

    assert Api(supervisor).post(f"/proposals/{pid}/approve").json()["status"] == "offered"
    rejected = cust.post(f"/proposals/{pid}/reject", {"reason": "Saya mau voucher saja."})
    assert rejected.json()["status"] == "rejected"

    second = staff.post(
        f"/tickets/{tid}/proposals",
        {"summary": "Voucher", "compensation_type": "voucher", "compensation_amount": 1500000},
    ).json()
    assert second["alternative_to_id"] == pid
    Api(supervisor).post(f"/proposals/{second['id']}/approve")
    assert cust.post(f"/proposals/{second['id']}/accept").json()["status"] == "accepted"

    assert staff.post(f"/tickets/{tid}/resolve").json()["status"] == "resolved"
    closed = staff.post(f"/tickets/{tid}/close", {"thanks": "Terima kasih atas kesabaran Anda."})
    assert closed.json()["status"] == "closed"
    assert [s["done"] for s in closed.json()["steps"]] == [True, True, True, True]

    staff_kinds = [e["kind"] for e in staff.get(f"/tickets/{tid}/timeline").json()]
    assert staff_kinds[:4] == ["created", "message_received", "recorded", "status_changed"]
    assert staff_kinds.count("proposal_created") == 2
    assert "proposal_approved" in staff_kinds
    customer_events = cust.get(f"/tickets/{tid}/timeline").json()
    assert all(e["public"] for e in customer_events)
    assert "recorded" not in [e["kind"] for e in customer_events]
    statuses = [
        (e["old_value"], e["new_value"]) for e in customer_events if e["kind"] == "status_changed"
    ]
    assert statuses[-2:] == [("in_progress", "resolved"), ("resolved", "closed")]


def test_a_forbidden_transition_is_409_and_changes_nothing(agent: User, ticket: Ticket) -> None:
    response = Api(agent).post(f"/tickets/{ticket.pk}/transition", {"to": "in_progress"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("new", 1)


def test_invalid_input_is_422_with_field_errors_and_broken_json_400(
    agent: User, customer: Customer
) -> None:
    api = Api(agent)

    missing = api.post("/tickets", {"customer_id": customer.pk, "kind": "keluhan"})
    broken = api.client.post("/api/v1/tickets", "{tidak json", content_type="application/json")
    wrong_type = api.post("/tickets", {"customer_id": "satu", "subject": "x", "description": "y"})

    assert missing.status_code == 422
    fields = missing.json()["error"]["fields"]
    assert set(fields) == {"kind", "subject", "description"}
    assert broken.status_code == 400  # unreadable, not invalid: as on every webhook
    assert broken.json()["error"]["code"] == "invalid_json"
    assert "customer_id" in wrong_type.json()["error"]["fields"]
    assert Ticket.objects.count() == 0


def test_unknown_customer_team_or_assignee_are_field_errors(
    agent: User, customer: Customer, team: Team, outsider_agent: User
) -> None:
    api = Api(agent)
    base = {"customer_id": customer.pk, "subject": "s", "description": "d"}

    assert api.post("/tickets", {**base, "customer_id": 999}).json()["error"]["fields"] == {
        "customer_id": ["Tidak ditemukan."]
    }
    not_member = api.post(
        "/tickets", {**base, "team_id": team.pk, "assignee_id": outsider_agent.pk}
    )
    assert not_member.status_code == 422
    assert "assignee_id" in not_member.json()["error"]["fields"]


def test_anonymous_requests_get_401_in_the_error_format(db: None) -> None:
    response = Api(None).get("/tickets")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_optimistic_concurrency_refuses_the_second_writer(agent: User, ticket: Ticket) -> None:
    api = Api(agent)

    first = api.patch(f"/tickets/{ticket.pk}", {"version": 1, "priority": 1})
    second = api.patch(f"/tickets/{ticket.pk}", {"version": 1, "subject": "Subjek lain"})
    by_header = api.patch(f"/tickets/{ticket.pk}", {"category": "unusual"}, HTTP_IF_MATCH='"2"')

    assert first.status_code == 200
    assert first.json()["version"] == 2
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "stale_version"
    ticket.refresh_from_db()
    assert ticket.subject == "Paket belum sampai sejak seminggu"
    assert by_header.status_code == 200
    assert by_header.json()["category"] == "unusual"


def test_patch_without_a_version_is_refused(agent: User, ticket: Ticket) -> None:
    response = Api(agent).patch(f"/tickets/{ticket.pk}", {"priority": 1})

    assert response.status_code == 422
    assert "version" in response.json()["error"]["fields"]


def test_list_filters_and_cursor_pagination(
    agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    api = Api(agent)
    ids = [
        create(api, customer, team, severity="sederhana", channel=ch).json()["id"]
        for ch in ["email", "whatsapp", "email", "whatsapp", "email"]
    ]
    create(api, other_customer, team, channel="email", tags=["vip"])

    page1 = api.get("/tickets", channel="email", customer=customer.pk, limit=2).json()
    page2 = api.get(
        "/tickets", channel="email", customer=customer.pk, limit=2, cursor=page1["next_cursor"]
    ).json()
    tagged = api.get("/tickets", tag="vip").json()["items"]
    several = api.get(f"/tickets?channel=email&channel=whatsapp&customer={customer.pk}").json()

    assert [t["id"] for t in page1["items"]] == [ids[4], ids[2]]
    assert [t["id"] for t in page2["items"]] == [ids[0]]
    assert page2["next_cursor"] is None
    assert [t["customer"]["id"] for t in tagged] == [other_customer.pk]
    assert len(several["items"]) == 5
    assert api.get("/tickets", cursor="rusak!").status_code == 422
    assert api.get("/tickets", limit=1000).status_code == 422
