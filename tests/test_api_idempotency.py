"""Idempotency-Key on POST: a retry returns the first result and creates nothing twice."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from sigap.accounts.idempotency import idempotency_cleanup
from sigap.accounts.models import Team, User
from sigap.accounts.services import token_create
from sigap.core.models import IdempotencyRecord
from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket
from tests.api_client import Api


def body(customer: Customer, subject: str = "Tagihan ganda") -> dict[str, object]:
    return {"customer_id": customer.pk, "subject": subject, "description": "Kena dua kali."}


def test_a_retry_returns_the_first_response_and_creates_one_ticket(
    agent: User, customer: Customer
) -> None:
    api = Api(agent)

    first = api.post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="kunci-1")
    second = api.post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="kunci-1")

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(agent: User, customer: Customer) -> None:
    api = Api(agent)
    api.post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="kunci-2")

    other = api.post("/tickets", body(customer, "Lain"), HTTP_IDEMPOTENCY_KEY="kunci-2")

    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert Ticket.objects.count() == 1


def test_keys_are_per_user(agent: User, supervisor: User, customer: Customer) -> None:
    Api(agent).post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="sama")
    Api(supervisor).post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="sama")

    assert Ticket.objects.count() == 2


def test_error_responses_are_replayed_too(agent: User, ticket: Ticket) -> None:
    api = Api(agent)
    path = f"/tickets/{ticket.pk}/transition"

    first = api.post(path, {"to": "resolved"}, HTTP_IDEMPOTENCY_KEY="k")
    second = api.post(path, {"to": "resolved"}, HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == second.status_code == 409
    assert first.content == second.content


def test_multipart_retries_with_a_new_boundary_are_recognised(agent: User, ticket: Ticket) -> None:
    api = Api(agent)
    path = f"/tickets/{ticket.pk}/messages"
    from django.core.files.uploadedfile import SimpleUploadedFile

    for _ in range(2):
        response = api.client.post(
            f"/api/v1{path}",
            {
                "kind": "reply",
                "body": "Lihat lampiran",
                "files": [SimpleUploadedFile("a.txt", b"x")],
            },
            HTTP_IDEMPOTENCY_KEY="unggah-1",
        )
        assert response.status_code == 201

    assert Message.objects.filter(ticket=ticket, body="Lihat lampiran").count() == 1


def test_expired_records_are_cleaned_up_and_the_key_can_be_reused(
    agent: User, customer: Customer
) -> None:
    api = Api(agent)
    api.post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="lama")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_cleanup() == 1
    api.post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="lama")
    assert Ticket.objects.count() == 2


def test_an_overlong_key_is_refused(agent: User, customer: Customer) -> None:
    response = Api(agent).post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="k" * 300)

    assert response.status_code == 422
    assert Ticket.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicates_create_one_ticket(agent: User, customer: Customer) -> None:
    token = token_create(user=agent)
    payload = json.dumps(body(customer))
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        response = client.post(
            "/api/v1/tickets",
            payload,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="balapan",
        )
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert Ticket.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_patches_with_the_same_version_apply_once(
    agent: User, team: Team, customer: Customer
) -> None:
    created = Api(agent).post("/tickets", {**body(customer), "team_id": team.pk}).json()
    token = token_create(user=agent)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def patch(number: int) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        response = client.patch(
            f"/api/v1/tickets/{created['id']}",
            json.dumps({"version": 1, "subject": f"Subjek versi {number}"}),
            content_type="application/json",
        )
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=patch, args=(n,)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(statuses) == [200, 409, 409, 409]
    assert Ticket.objects.get(pk=created["id"]).version == 2


def test_an_expired_key_is_free_again_even_before_cleanup(agent: User, customer: Customer) -> None:
    api = Api(agent)
    api.post("/tickets", body(customer), HTTP_IDEMPOTENCY_KEY="kedaluwarsa")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = api.post("/tickets", body(customer, "Tiket baru"), HTTP_IDEMPOTENCY_KEY="kedaluwarsa")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Ticket.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_server_error_leaves_nothing_written_and_the_key_free(
    agent: User, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reservation, the request's writes and the stored response are one transaction:
    a failure after the ticket was written takes the ticket back too, so a retry with the
    same key creates it once."""
    from sigap.tickets import api as tickets_api

    token = token_create(user=agent)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)

    def post() -> Any:
        return client.post(
            "/api/v1/tickets",
            json.dumps(body(customer)),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="gagal-dulu",
        )

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("after the ticket was written")

    monkeypatch.setattr(tickets_api, "_ticket_out", broken)
    assert post().status_code == 500
    assert (Ticket.objects.count(), Message.objects.count()) == (0, 0)
    assert IdempotencyRecord.objects.count() == 0

    monkeypatch.undo()
    retried = post()

    assert retried.status_code == 201
    assert Ticket.objects.count() == 1
    assert post().json() == retried.json()  # and replayed from then on
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refusal_after_the_ticket_was_written_takes_it_back_and_is_replayed(
    agent: User, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the key's own transaction the creation takes no savepoint: a domain error raised
    after its first writes rolls back the whole request, and its answer is then stored
    as any other, for a retry."""
    from sigap.core.errors import ValidationFailed
    from sigap.tickets.services import creation

    token = token_create(user=agent)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post() -> Any:
        return client.post(
            "/api/v1/tickets",
            json.dumps(body(customer)),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="ditolak",
        )

    def refuse(ticket: Ticket) -> Any:
        assert Ticket.objects.filter(pk=ticket.pk).exists()  # written, not committed
        raise ValidationFailed("Ditolak setelah tiket ditulis.")

    monkeypatch.setattr(creation, "new_ticket_document", refuse)
    refused = post()
    assert refused.status_code == 422, refused.content
    assert (Ticket.objects.count(), Message.objects.count()) == (0, 0)

    monkeypatch.undo()
    retried = post()

    assert retried.status_code == 422
    assert retried["Idempotent-Replayed"] == "true"
    assert retried.content == refused.content
    assert Ticket.objects.count() == 0
