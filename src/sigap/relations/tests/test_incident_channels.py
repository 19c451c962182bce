"""One answer to every ticket of an incident reaches each customer once on their own
channel: a real SMTP server on loopback for the email ticket, the fake Graph API for the
WhatsApp one, also when the send job runs again and the resume pass runs after it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors.email.inbound import ingest
from sigap.connectors.tests.conftest import (  # noqa: F401 (fixtures)
    Post,
    fake_api,
    load,
    post_whatsapp,
    whatsapp,
)
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.tests.test_email_out import Inbox, incoming, smtp  # noqa: F401
from sigap.relations import incidents
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_answer_all_reaches_the_email_and_whatsapp_customers_once_each(
    whatsapp: FakeApi,  # noqa: F811
    post_whatsapp: Post,  # noqa: F811
    smtp: Inbox,  # noqa: F811
    supervisor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post_whatsapp(load("whatsapp_text.json"))
    on_whatsapp = Ticket.objects.get(channel="whatsapp")
    with django_capture_on_commit_callbacks(execute=True):
        by_email = ingest(incoming("Gagal bayar GoPay")).ticket
    assert by_email is not None
    smtp.messages.clear()
    incident = incidents.incident_open(actor=supervisor, title="GoPay gangguan")
    for ticket in (on_whatsapp, by_email):
        incidents.incident_link(actor=supervisor, incident=incident, ticket=ticket)

    with django_capture_on_commit_callbacks(execute=True):
        answer = incidents.incident_answer(
            actor=supervisor,
            incident=incident,
            body="Halo Kak {nama_depan}, pembayaran GoPay sedang gangguan ({nomor_tiket}).",
        )
    with django_capture_on_commit_callbacks(execute=True):
        incidents.answer_send(answer.pk)  # the job again
        incidents.resume(timezone.now() + timedelta(minutes=5))  # and the minute's pass

    (sent,) = whatsapp.to("/messages")
    wa_name = on_whatsapp.customer.name.split()[0]
    assert sent.json()["text"]["body"] == (
        f"Halo Kak {wa_name}, pembayaran GoPay sedang gangguan ({on_whatsapp.reference})."
    )
    (mail,) = smtp.messages
    assert mail["To"] == "budi@contoh.id" or "budi@contoh.id" in mail["To"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    assert f"Halo Kak Budi, pembayaran GoPay sedang gangguan ({by_email.reference})." in (
        body.get_content()
    )
