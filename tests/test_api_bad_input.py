"""Input an attacker (or a broken client) sends: every refusal is a 4xx in the one error
shape, never a server error."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket
from tests.api_client import Api

DEEP_ARRAY = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a": ' * 2000 + "1" + "}" * 2000
# parses within Python's recursion limit, but no client of ours nests a hundred levels
NESTED_100 = '{"subject": ' + "[" * 100 + "]" * 100 + "}"
BAD_BODIES = [
    pytest.param(DEEP_ARRAY, id="array-2000-deep"),
    pytest.param(DEEP_OBJECT, id="object-2000-deep"),
    pytest.param(NESTED_100, id="100-deep"),
    pytest.param("{not json", id="broken"),
]


def send(api: Api, method: str, path: str, body: str) -> Any:
    request = getattr(api.client, method)
    return request(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def assert_invalid_json(response: Any) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_json"
    assert error["message"].startswith("Badan permintaan bukan JSON yang sah")
    assert set(error) == {"code", "message", "fields"}


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_customer_posting_an_unreadable_message_body_gets_400(
    customer_user: User, ticket: Ticket, body: str
) -> None:
    before = Message.objects.count()

    response = send(Api(customer_user), "post", f"/tickets/{ticket.pk}/messages", body)

    assert_invalid_json(response)
    assert Message.objects.count() == before


@pytest.mark.parametrize("body", BAD_BODIES)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/tickets"),
        ("patch", "/tickets/{ticket}"),
        ("post", "/customers"),
        ("patch", "/customers/{customer}"),
    ],
)
def test_an_unreadable_body_is_refused_with_400_everywhere(
    admin: User, ticket: Ticket, method: str, path: str, body: str
) -> None:
    path = path.format(ticket=ticket.pk, customer=ticket.customer_id)

    response = send(Api(admin), method, path, body)

    assert_invalid_json(response)
    assert Ticket.objects.count() == 1


# --- explicit null in a PATCH ----------------------------------------------------------------
# A field that cannot be empty refuses null (422, naming the field); a field whose empty
# value means "not set" takes null as clearing it, as an empty string would.


@pytest.mark.parametrize("field", ["name", "kind", "temperament", "loyalty_tier"])
def test_null_for_a_required_customer_field_is_422_naming_it(
    admin: User, customer: Customer, field: str
) -> None:
    response = Api(admin).patch(
        f"/customers/{customer.pk}", {"version": customer.version, field: None}
    )

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {field: [f"{field} tidak boleh null."]}
    assert field in error["message"]
    before = customer.version
    customer.refresh_from_db()
    assert customer.version == before


@pytest.mark.parametrize(
    ("field", "value"), [("notes", "Suka komplain"), ("time_zone", "Asia/Jayapura")]
)
def test_null_clears_an_optional_customer_field(
    admin: User, customer: Customer, field: str, value: str
) -> None:
    api = Api(admin)
    set_first = api.patch(f"/customers/{customer.pk}", {"version": customer.version, field: value})
    assert set_first.json()[field] == value

    response = api.patch(
        f"/customers/{customer.pk}", {"version": set_first.json()["version"], field: None}
    )

    assert response.status_code == 200, response.content
    assert response.json()[field] == ""
    customer.refresh_from_db()
    assert getattr(customer, field) == ""


@pytest.mark.parametrize("field", ["subject", "priority"])
def test_null_for_a_required_ticket_field_is_422_naming_it(
    agent: User, ticket: Ticket, field: str
) -> None:
    response = Api(agent).patch(f"/tickets/{ticket.pk}", {"version": ticket.version, field: None})

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {field: [f"{field} tidak boleh null."]}
    assert field in error["message"]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.version, fresh.subject, fresh.priority) == (
        ticket.version,
        ticket.subject,
        ticket.priority,
    )


@pytest.mark.parametrize(
    ("field", "value", "cleared"),
    [
        ("category", "service", ""),
        ("severity", "sederhana", ""),
        ("complainer_type", "active", ""),
        ("complainer_goal", "venting", ""),
        ("response_type", "voice", ""),
        ("root_cause", "ignored", ""),
        ("tags", ["paket-terlambat"], []),
    ],
)
def test_null_clears_an_optional_ticket_field(
    agent: User, ticket: Ticket, field: str, value: Any, cleared: Any
) -> None:
    api = Api(agent)
    set_first = api.patch(f"/tickets/{ticket.pk}", {"version": ticket.version, field: value})
    assert set_first.status_code == 200, set_first.content
    assert set_first.json()[field] == value

    response = api.patch(
        f"/tickets/{ticket.pk}", {"version": set_first.json()["version"], field: None}
    )

    assert response.status_code == 200, response.content
    assert response.json()[field] == cleared


# Text PostgreSQL cannot store (a NUL) or no database can (a lone surrogate, valid in JSON
# as an escape): the contract fuzzer (tests/test_api_contract.py) found a NUL in a query
# filter answered with a server error on PostgreSQL.
# (A surrogate arrives only as a JSON escape: Django decodes a query or a form as UTF-8.)
NUL = pytest.param("a\x00b", id="nul")
UNSTORABLE = [NUL, pytest.param("a\ud800b", id="lone-surrogate")]


def assert_unstorable(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize("text", [NUL])
def test_unstorable_text_in_a_query_filter_is_422_naming_it(agent: User, text: str) -> None:
    response = Api(agent).get("/tickets", status=["new", text], q="paket")

    assert_unstorable(response, "status")


@pytest.mark.parametrize("text", UNSTORABLE)
def test_unstorable_text_in_a_json_body_is_422_naming_it(
    agent: User, customer: Customer, text: str
) -> None:
    body = {"customer_id": customer.pk, "subject": text, "description": "Isi"}

    response = Api(agent).post("/tickets", body)

    assert_unstorable(response, "subject")
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("text", "multipart"),
    [(*UNSTORABLE[0].values, False), (*UNSTORABLE[1].values, False), (*NUL.values, True)],
    ids=["json-nul", "json-lone-surrogate", "multipart-nul"],
)
def test_unstorable_text_in_a_message_is_422_naming_it(
    customer_user: User, ticket: Ticket, text: str, multipart: bool
) -> None:
    api = Api(customer_user)
    before = Message.objects.count()
    path = f"/tickets/{ticket.pk}/messages"

    send = api.upload if multipart else api.post
    response = send(path, {"body": text})

    assert_unstorable(response, "body")
    assert Message.objects.count() == before


@pytest.mark.parametrize("query", ["team=", "assignee=", "customer=", "priority="])
def test_a_filter_id_too_large_for_the_database_is_422_not_a_server_error(
    supervisor: User, query: str
) -> None:
    # found by the API fuzzer: the driver overflowed on a 20-digit id (a 500)
    response = Api(supervisor).client.get(f"/api/v1/tickets?{query}99999999999999999999")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_failed"
