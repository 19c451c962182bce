"""What a customer's token sees and may set through the API: the portal's view of a ticket,
never the staff's assessment (facts, the complainer's type and goal, the response type, the
root cause, the triage's category, severity and priority, tags, team, assignee)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Ticket
from tests.api_client import Api

# Fields only staff see, on the list and on the detail.
STAFF_ONLY = {
    "facts",
    "complainer_type",
    "complainer_goal",
    "response_type",
    "root_cause",
    "category",
    "severity",
    "priority",
    "tags",
    "team",
    "assignee",
}
CUSTOMER_LIST_FIELDS = {
    "id",
    "reference",
    "kind",
    "channel",
    "brand",  # the brand the customer wrote to (its slug)
    "subject",
    "status",
    "status_label",
    "customer",
    "first_response_due_at",
    "resolution_due_at",
    "created_at",
    "updated_at",
    "version",
}
CUSTOMER_DETAIL_FIELDS = CUSTOMER_LIST_FIELDS | {
    "description",
    "resolution_reason",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "steps",
    "customer_detail",
    "merged_into",  # the pointer of a merged ticket (None otherwise)
}


@pytest.fixture
def assessed(agent: User, ticket: Ticket) -> Ticket:
    """The fixture ticket after the agent recorded facts and assessed the complainer."""
    services.ticket_record(actor=agent, ticket=ticket, facts="Kurir salah alamat (internal).")
    ticket.refresh_from_db()
    return services.ticket_update(
        actor=agent,
        ticket=ticket,
        version=ticket.version,
        changes={
            "complainer_type": "hyperactive",
            "complainer_goal": "venting",
            "response_type": "third_party",
            "root_cause": "rude",
            "tags": ["pelanggan-sulit"],
        },
    )


def test_a_customer_reads_their_ticket_without_staff_fields(
    customer_user: User, assessed: Ticket
) -> None:
    response = Api(customer_user).get(f"/tickets/{assessed.pk}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == CUSTOMER_DETAIL_FIELDS
    assert "Kurir salah alamat" not in response.content.decode()
    assert "pelanggan-sulit" not in response.content.decode()


def test_a_customer_lists_their_tickets_without_staff_fields(
    customer_user: User, assessed: Ticket
) -> None:
    response = Api(customer_user).get("/tickets")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert set(item) == CUSTOMER_LIST_FIELDS
    assert item["id"] == assessed.pk
    assert "pelanggan-sulit" not in response.content.decode()


def test_staff_still_read_every_field(agent: User, assessed: Ticket) -> None:
    detail = Api(agent).get(f"/tickets/{assessed.pk}").json()
    [item] = Api(agent).get("/tickets").json()["items"]

    assert set(detail) >= STAFF_ONLY
    assert detail["facts"] == "Kurir salah alamat (internal)."
    assert detail["root_cause"] == "rude"
    assert detail["tags"] == ["pelanggan-sulit"]
    assert detail["assignee"]["id"] == assessed.assignee_id
    assert {"category", "severity", "priority", "tags", "team", "assignee"} <= set(item)
    assert item["tags"] == ["pelanggan-sulit"]


@pytest.mark.parametrize(
    "params",
    [
        {"tag": "pelanggan-sulit"},
        {"team": "1"},
        {"assignee": "1"},
        {"unassigned": "true"},
        {"priority": "1"},
        {"severity": "kompleks"},
        {"category": "service"},
    ],
    ids=lambda p: next(iter(p)),
)
def test_a_customer_may_not_filter_by_staff_fields(
    customer_user: User, assessed: Ticket, params: dict[str, str]
) -> None:
    """A filter would tell the customer the value as well as the field would."""
    response = Api(customer_user).get("/tickets", **params)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == set(params)


STAFF_INPUT: dict[str, Any] = {
    "tags": ["vip"],
    "complainer_type": "hyperactive",
    "complainer_goal": "venting",
    "response_type": "third_party",
    "root_cause": "ignored",
    "category": "mechanical",
    "severity": "kompleks",
    "priority": 1,
    "team_id": 1,
    "assignee_id": 1,
    "channel": "email",
}


@pytest.mark.parametrize("field", list(STAFF_INPUT))
def test_a_customer_may_not_set_staff_fields_when_opening_a_ticket(
    customer_user: User, customer: Customer, agent: User, team: Team, field: str
) -> None:
    body = {"customer_id": customer.pk, "subject": "Baru", "description": "Isi"}
    value = {"team_id": team.pk, "assignee_id": agent.pk}.get(field, STAFF_INPUT[field])

    response = Api(customer_user).post("/tickets", {**body, field: value})

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field]
    assert not Ticket.objects.exists()


def test_a_customer_opens_a_ticket_and_reads_it_back_in_their_shape(
    customer_user: User, customer: Customer
) -> None:
    body = {"customer_id": customer.pk, "kind": "inquiry", "subject": "Baru", "description": "Isi"}

    response = Api(customer_user).post("/tickets", body)

    assert response.status_code == 201, response.content
    assert set(response.json()) == CUSTOMER_DETAIL_FIELDS
    created = Ticket.objects.get()
    assert (created.kind, created.channel, created.subject) == ("inquiry", "portal", "Baru")
    assert (created.complainer_type, created.root_cause, created.response_type) == ("", "", "")
    assert created.team_id is None
    assert created.assignee_id is None


def test_staff_still_set_every_field_when_opening_a_ticket(
    agent: User, team: Team, customer: Customer
) -> None:
    body = {
        "customer_id": customer.pk,
        "subject": "Baru",
        "description": "Isi",
        "team_id": team.pk,
        "assignee_id": agent.pk,
        **{k: v for k, v in STAFF_INPUT.items() if k not in ("team_id", "assignee_id")},
    }

    response = Api(agent).post("/tickets", body)

    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["root_cause"], out["complainer_type"]) == ("ignored", "hyperactive")
    assert out["channel"] == "email"
    assert out["tags"] == ["vip"]
    assert out["team"]["id"] == team.pk


def test_a_customer_sees_neither_notes_nor_internal_events(
    agent: User, customer_user: User, assessed: Ticket
) -> None:
    services.message_add(actor=agent, ticket=assessed, kind="note", body="Catatan internal")
    services.message_add(actor=agent, ticket=assessed, kind="reply", body="Kami cek dulu ya.")
    api = Api(customer_user)

    messages = api.get(f"/tickets/{assessed.pk}/messages").json()
    events = api.get(f"/tickets/{assessed.pk}/timeline").json()

    assert [m["kind"] for m in messages] == ["inbound", "reply"]
    assert all(e["public"] for e in events)
    kinds = {e["kind"] for e in events}
    assert kinds.isdisjoint({"recorded", "field_changed", "tags_changed", "note_added"})
    text = str(messages) + str(events)
    assert "Kurir salah alamat" not in text
    assert "pelanggan-sulit" not in text
    assert "hyperactive" not in text


def test_the_openapi_document_describes_both_shapes(db: None) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    tickets = doc["paths"]["/api/v1/tickets"]
    detail = doc["paths"]["/api/v1/tickets/{ticket_id}"]["get"]

    def refs(schema: dict[str, Any]) -> list[str]:
        return [r["$ref"].rsplit("/", 1)[1] for r in schema["anyOf"]]

    ok = detail["responses"]["200"]["content"]["application/json"]["schema"]
    assert refs(ok) == ["TicketOut", "CustomerTicketOut"]
    listed = tickets["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert refs(listed) == ["TicketPage", "CustomerTicketPage"]
    created = tickets["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert refs(created) == ["TicketOut", "CustomerTicketOut"]
    body = tickets["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert refs(body) == ["TicketIn", "CustomerTicketIn"]
    assert set(schemas["CustomerTicketIn"]["properties"]) == {
        "customer_id",
        "kind",
        "subject",
        "description",
    }
    for name in ("CustomerTicketOut", "CustomerTicketListOut", "CustomerTicketIn"):
        assert "untuk pelanggan" in schemas[name]["description"]
    for name in ("TicketOut", "TicketListOut", "TicketIn"):
        assert "untuk staf" in schemas[name]["description"]
    assert STAFF_ONLY.isdisjoint(schemas["CustomerTicketOut"]["properties"])
