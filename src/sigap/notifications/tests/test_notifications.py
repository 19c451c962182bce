from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.accounts import middleware
from sigap.accounts.models import Role, User
from sigap.accounts.services import user_create
from sigap.customers.models import Customer
from sigap.notifications.models import Notification
from sigap.notifications.services import notify_many
from sigap.notifications.tasks import email_notifications
from sigap.tickets import services
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
    n = Notification.objects.get()
    assert "Tenggat tiket hampir lewat." in listing and f"/notifikasi/{n.pk}/" in listing
    assert ticket.reference in listing and "Paket belum sampai sejak seminggu" in listing
    assert "Budi Santoso" in listing  # the customer
    c.post("/notifikasi/dibaca/")
    assert Notification.objects.get().read_at is not None
    assert "data-unread></span>" in c.get("/inbox/").content.decode()


@pytest.mark.django_db
def test_customers_have_no_notification_page(customer_user: User) -> None:
    c = Client()
    c.force_login(customer_user)
    assert c.get("/notifikasi/")["Location"] == "/portal/"
    assert c.get("/notifikasi/menu/")["Location"] == "/portal/"
    for url in ("/notifikasi/", "/notifikasi/menu/", "/notifikasi/pengaturan/"):
        assert Client().get(url)["Location"].startswith("/masuk/?next=")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notification_is_pushed_to_the_users_open_pages(agent: User, ticket: Ticket) -> None:
    async def scenario() -> None:
        comm = WebsocketCommunicator(InboxConsumer.as_asgi(), "/ws/inbox/")
        comm.scope["user"] = agent
        assert (await comm.connect())[0]
        await sync_to_async(notify_many)([(agent.pk, ticket.pk, "escalated", "Eskalasi")])
        assert await comm.receive_json_from(timeout=2) == {"type": "notification", "unread": 1}
        # the same again adds to the entry: the badge stays at one
        await sync_to_async(notify_many)([(agent.pk, ticket.pk, "escalated", "Eskalasi")])
        assert await comm.receive_json_from(timeout=2) == {"type": "notification", "unread": 1}
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_repeated_events_collapse_into_one_entry_while_unread(
    agent: User, supervisor: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    """The finding: 44 identical escalation rows in a minute. Now one, counted."""
    for i in range(44):
        notify_many([(supervisor.pk, ticket.pk, "escalated", f"Eskalasi ke-{i + 1}")])
    notify_many([(supervisor.pk, other_ticket.pk, "escalated", "Lain")])  # another ticket
    notify_many([(supervisor.pk, ticket.pk, "sla_warning", "Hampir")])  # another kind
    notify_many([(agent.pk, ticket.pk, "escalated", "Untuk Rina")])  # another user
    entry = Notification.objects.get(user=supervisor, ticket=ticket, kind="escalated")
    assert entry.count == 44 and entry.text == "Eskalasi ke-44"
    assert Notification.objects.filter(user=supervisor).count() == 3
    # one batch with repeats is grouped too
    notify_many(
        [
            (agent.pk, other_ticket.pk, "escalated", "a"),
            (agent.pk, other_ticket.pk, "escalated", "b"),
        ]
    )
    assert Notification.objects.get(user=agent, ticket=other_ticket).count == 2
    # once read, the next event is news again: a new entry
    c = Client()
    c.force_login(supervisor)
    c.post(f"/notifikasi/{entry.pk}/dibaca/")
    notify_many([(supervisor.pk, ticket.pk, "escalated", "Lagi")])
    counts = sorted(
        Notification.objects.filter(user=supervisor, ticket=ticket, kind="escalated").values_list(
            "count", flat=True
        )
    )
    assert counts == [1, 44]


@pytest.mark.django_db
def test_preferences_choose_app_and_email(
    agent: User, supervisor: User, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor.email = "sari@belanjaku.contoh.id"
    supervisor.save()
    c = Client()
    c.force_login(supervisor)
    page = c.get("/notifikasi/pengaturan/").content.decode()
    assert 'name="escalated-email" checked' in page  # escalations are emailed by default
    assert 'name="mentioned-email" checked' in page
    assert 'name="assigned-email" checked' not in page
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([(supervisor.pk, ticket.pk, "escalated", "Tiket melewati tenggat.")])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sari@belanjaku.contoh.id"]
    assert ticket.reference in mail.outbox[0].subject
    assert f"/tickets/{ticket.pk}/" in mail.outbox[0].body
    assert "Pelanggan: Budi Santoso" in mail.outbox[0].body
    # switch escalation email off and warnings off in the app
    c.post("/notifikasi/pengaturan/", {"escalated-in_app": "on", "sla_breached-in_app": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(
            [
                (supervisor.pk, ticket.pk, "escalated", "Lagi"),
                (supervisor.pk, ticket.pk, "sla_warning", "Hampir"),
                (supervisor.pk, ticket.pk, "assigned", "Untuk Anda"),  # now switched off
            ]
        )
    assert len(mail.outbox) == 1
    rows = list(Notification.objects.filter(user=supervisor).values_list("kind", "count"))
    assert rows == [("escalated", 2)]  # no in-app warning, nothing for an assignment


@pytest.mark.django_db
def test_email_only_is_mailed_once_per_burst_and_never_listed(
    supervisor: User, ticket: Ticket, other_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor.email = "sari@belanjaku.contoh.id"
    supervisor.save()
    c = Client()
    c.force_login(supervisor)
    c.post("/notifikasi/pengaturan/", {"escalated-email": "on"})  # email only
    with django_capture_on_commit_callbacks(execute=True):  # one sweep: two tickets
        notify_many(
            [
                (supervisor.pk, ticket.pk, "escalated", "Satu"),
                (supervisor.pk, other_ticket.pk, "escalated", "Dua"),
            ]
        )
    for _ in range(10):  # a burst on one ticket: counted, not mailed again
        with django_capture_on_commit_callbacks(execute=True):
            notify_many([(supervisor.pk, ticket.pk, "escalated", "Lagi")])
    assert len(mail.outbox) == 1  # one mail for the user, both tickets in it
    body = mail.outbox[0].body
    assert ticket.reference in body and other_ticket.reference in body
    assert "2 notifikasi baru" in mail.outbox[0].subject
    assert "Paket belum sampai sejak seminggu" in body and "Saldo terpotong dua kali" in body
    assert "Halo Sari," in body
    # not in the app
    assert c.get("/inbox/").content.decode().count("data-unread></span>") == 1
    assert "Satu" not in c.get("/notifikasi/").content.decode()
    # after the quiet time, more of the same is mailed again, with its count
    entry = Notification.objects.get(ticket=ticket)
    Notification.objects.filter(pk=entry.pk).update(
        emailed_at=timezone.now() - timedelta(minutes=16)
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([(supervisor.pk, ticket.pk, "escalated", "Masih")])
    assert len(mail.outbox) == 2 and "12 kali" in mail.outbox[1].body
    # a job run twice (at least once delivery) mails once
    assert email_notifications(ids=[entry.pk]) == 0


@pytest.mark.django_db
def test_admins_hear_of_approvals_only_when_they_ask(admin: User) -> None:
    c = Client()
    c.force_login(admin)
    page = c.get("/notifikasi/pengaturan/").content.decode()
    assert 'name="approval_needed-in_app" checked' not in page
    assert 'name="escalated-in_app" checked' in page


@pytest.mark.django_db
def test_agents_are_not_offered_what_only_supervisors_receive(agent: User) -> None:
    c = Client()
    c.force_login(agent)
    page = c.get("/notifikasi/pengaturan/").content.decode()
    assert 'name="approval_needed-in_app"' not in page and 'name="mentioned-in_app"' in page


@pytest.mark.django_db
def test_a_user_sees_and_marks_only_their_own(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    notify_many(
        [
            (agent.pk, ticket.pk, "mentioned", "Untuk Rina saja"),
            (supervisor.pk, ticket.pk, "escalated", "Untuk Sari saja"),
        ]
    )
    mine = Notification.objects.get(user=agent)
    theirs = Notification.objects.get(user=supervisor)
    c = Client()
    c.force_login(agent)
    listing = c.get("/notifikasi/").content.decode()
    menu = c.get("/notifikasi/menu/").content.decode()
    for page in (listing, menu):
        assert "Untuk Rina saja" in page and "Untuk Sari saja" not in page
    # another's id: nothing happens
    assert c.post(f"/notifikasi/{theirs.pk}/dibaca/").status_code == 302
    assert c.get(f"/notifikasi/{theirs.pk}/")["Location"] == "/notifikasi/"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # a safe way back only
    assert (
        c.post(f"/notifikasi/{mine.pk}/dibaca/", {"next": "https://evil.example/"})["Location"]
        == "/notifikasi/"
    )
    mine.refresh_from_db()
    assert mine.read_at is not None
    # following one's own entry opens the ticket
    notify_many([(agent.pk, ticket.pk, "assigned", "Baru")])
    new = Notification.objects.get(user=agent, kind="assigned")
    assert c.get(f"/notifikasi/{new.pk}/")["Location"] == f"/tickets/{ticket.pk}/"
    new.refresh_from_db()
    assert new.read_at is not None


@pytest.mark.django_db
def test_list_and_menu_read_in_constant_queries(agent: User, customer: Customer) -> None:
    def tickets(n: int) -> None:
        for i in range(n):
            t = services.ticket_create(
                actor=agent,
                customer=customer,
                kind="inquiry",
                channel="phone",
                subject=f"Pertanyaan {i}",
                description="Tanya.",
            )
            notify_many([(agent.pk, t.pk, "customer_replied", f"Balasan {i}")])

    c = Client()
    c.force_login(agent)
    tickets(1)
    c.get("/notifikasi/")  # warm the session and caches
    counts: dict[int, tuple[int, int]] = {}
    for n in (1, 20):
        if n > 1:
            tickets(n - 1)
        cache.clear()  # the menu's unread count: read from the database both times
        middleware.forget_here()  # and the signed-in user too
        with CaptureQueriesContext(connection) as listing:
            assert c.get("/notifikasi/").status_code == 200
        with CaptureQueriesContext(connection) as menu:
            assert c.get("/notifikasi/menu/").status_code == 200
        counts[n] = (len(listing), len(menu))
    assert counts[1] == counts[20]  # no query per entry
    assert counts[20][0] <= 12 and counts[20][1] <= 10
    assert "Pertanyaan 18" in c.get("/notifikasi/menu/").content.decode()


@pytest.mark.django_db
def test_a_deactivated_user_is_not_mailed(
    ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    gone = user_create(username="lama", password="rahasia-lama", role=Role.SUPERVISOR)
    gone.email = "lama@contoh.id"
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([(gone.pk, ticket.pk, "escalated", "x")])
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_account_address_leads_to_the_preferences_and_the_account_pages_link_it(
    agent: User, customer_user: User
) -> None:
    c = Client()
    c.force_login(agent)
    r = c.get("/akun/notifikasi/?dari=menu")
    assert r.status_code == 302 and r["Location"] == "/notifikasi/pengaturan/?dari=menu"
    page = c.get("/akun/notifikasi/", follow=True)
    assert page.redirect_chain == [("/notifikasi/pengaturan/", 302)]
    assert 'name="mentioned-in_app"' in page.content.decode()  # the preferences form
    for account_page in ("/akun/2fa/", "/akun/sesi/"):
        assert 'href="/akun/notifikasi/"' in c.get(account_page).content.decode()
    # Not signed in: the sign-in page, then the preferences; a customer has none.
    assert (
        Client()
        .get("/akun/notifikasi/", follow=True)
        .redirect_chain[-1][0]
        .startswith("/masuk/?next=/notifikasi/pengaturan/")
    )
    customer = Client()
    customer.force_login(customer_user)
    assert 'href="/akun/notifikasi/"' not in customer.get("/akun/sesi/").content.decode()
    assert customer.get("/akun/notifikasi/", follow=True).redirect_chain[-1][0] == "/portal/"
