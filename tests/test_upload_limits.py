"""One message sent through a page or the API carries at most so many files and so many
megabytes in all (issue "Trust", finding 10: a portal reply carried 37 MB in 20 files).
Refused as a whole, before anything is stored, with the reason; the text is kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sigap.accounts.models import User
from sigap.accounts.services import token_create
from sigap.customers.models import Customer
from sigap.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db


def files(n: int, size: int = 10) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"bukti-{i}.txt", b"x" * size, content_type="text/plain")
        for i in range(n)
    ]


@pytest.fixture
def customers_ticket(customer: Customer, ticket: Ticket) -> Ticket:
    return ticket


def test_a_portal_reply_with_too_many_files_is_refused_and_its_text_kept(
    customer_user: User, customers_ticket: Ticket
) -> None:
    c = Client()
    c.force_login(customer_user)
    before = Message.objects.count()
    response = c.post(
        f"/portal/tiket/{customers_ticket.pk}/balas/",
        {"body": "Ini semua buktinya", "attachments": files(11)},
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "Paling banyak 10 lampiran per pesan" in html
    assert "Ini semua buktinya" in html  # what they wrote is still in the form
    assert Message.objects.count() == before and not Attachment.objects.exists()


def test_a_portal_reply_over_the_total_is_refused(
    customer_user: User, customers_ticket: Ticket, settings: Any
) -> None:
    settings.SIGAP_MAX_MESSAGE_ATTACHMENTS_BYTES = 25_000
    c = Client()
    c.force_login(customer_user)
    response = c.post(
        f"/portal/tiket/{customers_ticket.pk}/balas/",
        {"body": "Foto-foto", "attachments": files(3, size=10_000)},
    )
    assert response.status_code == 413
    assert "melebihi batas" in response.content.decode()
    assert not Attachment.objects.exists()
    ok = c.post(
        f"/portal/tiket/{customers_ticket.pk}/balas/",
        {"body": "Foto-foto", "attachments": files(2, size=10_000)},
    )
    assert ok.status_code == 302 and Attachment.objects.count() == 2


def test_a_new_portal_ticket_with_too_many_files_is_refused(
    customer_user: User, customer: Customer
) -> None:
    c = Client()
    c.force_login(customer_user)
    response = c.post(
        "/portal/baru/",
        {"kind": "complaint", "subject": "Rusak", "description": "Rusak", "attachments": files(12)},
    )
    assert response.status_code == 413
    assert not Ticket.objects.exists()


def test_an_agent_reply_with_too_many_files_is_refused(agent: User, ticket: Ticket) -> None:
    c = Client()
    c.force_login(agent)
    before = Message.objects.count()
    response = c.post(
        f"/tickets/{ticket.pk}/reply/",
        {"kind": "reply", "body": "Terlampir", "attachments": files(11)},
    )
    assert response.status_code == 413
    assert Message.objects.count() == before


def test_the_api_refuses_too_many_files_with_the_error_shape(
    customer_user: User, customers_ticket: Ticket
) -> None:
    token = token_create(user=customer_user)
    response = Client().post(
        f"/api/v1/tickets/{customers_ticket.pk}/messages",
        {"body": "Bukti", "files": files(11)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 413
    body = response.json()
    assert body["error"]["code"] and "10 lampiran" in body["error"]["message"]
    assert not Attachment.objects.exists()
