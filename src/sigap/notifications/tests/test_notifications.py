from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from sigap.accounts.models import User
from sigap.notifications.models import Notification
from sigap.notifications.services import notify_many
from sigap.tickets.models import Ticket
from sigap.web.consumers import InboxConsumer


@pytest.mark.django_db
def test_bell_counts_unread_and_the_list_marks_them_read(agent: User, ticket: Ticket) -> None:
    notify_many([(agent.pk, ticket.pk, "sla_warning", "Tenggat tiket hampir lewat.")])
    c = Client()
    c.force_login(agent)
    inbox = c.get("/inbox/").content.decode()
    assert "data-unread>1</span>" in inbox
    listing = c.get("/notifikasi/").content.decode()
    assert "Tenggat tiket hampir lewat." in listing and f"/tickets/{ticket.pk}/" in listing
    c.post("/notifikasi/dibaca/")
    assert Notification.objects.get().read_at is not None
    assert "data-unread></span>" in c.get("/inbox/").content.decode()


@pytest.mark.django_db
def test_customers_have_no_notification_page(customer_user: User) -> None:
    c = Client()
    c.force_login(customer_user)
    assert c.get("/notifikasi/")["Location"] == "/portal/"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notification_is_pushed_to_the_users_open_pages(agent: User, ticket: Ticket) -> None:
    async def scenario() -> None:
        comm = WebsocketCommunicator(InboxConsumer.as_asgi(), "/ws/inbox/")
        comm.scope["user"] = agent
        assert (await comm.connect())[0]
        await sync_to_async(notify_many)([(agent.pk, ticket.pk, "escalated", "Eskalasi")])
        assert await comm.receive_json_from(timeout=2) == {"type": "notification"}
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_preferences_choose_app_and_email(
    agent: User, supervisor: User, ticket: Ticket, django_capture_on_commit_callbacks: object
) -> None:
    from django.core import mail

    supervisor.email = "sari@belanjaku.contoh.id"
    supervisor.save()
    c = Client()
    c.force_login(supervisor)
    page = c.get("/notifikasi/pengaturan/").content.decode()
    assert 'name="escalated-email" checked' in page  # escalations are emailed by default
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        notify_many([(supervisor.pk, ticket.pk, "escalated", "Tiket melewati tenggat.")])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sari@belanjaku.contoh.id"]
    assert ticket.reference in mail.outbox[0].subject
    assert f"/tickets/{ticket.pk}/" in mail.outbox[0].body
    # switch escalation email off and warnings off in the app
    c.post("/notifikasi/pengaturan/", {"escalated-in_app": "on", "sla_breached-in_app": "on"})
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        notify_many(
            [
                (supervisor.pk, ticket.pk, "escalated", "Lagi"),
                (supervisor.pk, ticket.pk, "sla_warning", "Hampir"),
            ]
        )
    assert len(mail.outbox) == 1
    kinds = list(Notification.objects.filter(user=supervisor).values_list("kind", flat=True))
    assert sorted(kinds) == ["escalated", "escalated"]  # no in-app warning
