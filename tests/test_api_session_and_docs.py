"""Session auth (with CSRF on unsafe methods) and the published OpenAPI schema."""

from __future__ import annotations

import json

from django.test import Client

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.tickets.models import Ticket


def test_a_logged_in_session_can_read_the_api(agent: User, ticket: Ticket) -> None:
    client = Client()
    client.force_login(agent)

    response = client.get(f"/api/v1/tickets/{ticket.pk}")

    assert response.status_code == 200
    assert response.json()["reference"] == ticket.reference


def test_session_writes_need_the_csrf_token(agent: User, customer: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    body = json.dumps({"customer_id": customer.pk, "subject": "Sesi", "description": "Isi"})

    refused = client.post("/api/v1/tickets", body, content_type="application/json")
    client.get("/admin/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/tickets", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert Ticket.objects.count() == 1


def test_an_inactive_users_session_is_refused(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    User.objects.filter(pk=agent.pk).update(is_active=False)

    assert client.get("/api/v1/tickets").status_code == 401


def test_the_openapi_schema_and_docs_are_published(db: None) -> None:
    client = Client()

    schema = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/timeline",
        "/api/v1/tickets/{ticket_id}/proposals",
        "/api/v1/proposals/{proposal_id}/approve",
        "/api/v1/customers",
        "/api/v1/attachments/{attachment_id}",
    ):
        assert path in paths
    assert docs.status_code == 200
