"""The console as a workspace: the panel beside a chat (customer, canned responses filled
for the chat, the customer's other tickets only once the identity is proven), the
transfer to a team's queue recorded in the ticket's timeline, the queue's waiting time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.connectors.livechat import selectors, services
from sigap.connectors.livechat.models import Chat, ChatStatus, Identity
from sigap.core.errors import Conflict, PermissionDenied
from sigap.customers.models import Customer
from sigap.tickets import services as ticket_services
from sigap.tickets.models import CannedResponse, EventKind, TimelineEvent

pytestmark = pytest.mark.django_db

KEY = "browser-key-of-the-test-visitor-00000001"


def start(cid: str = "cid-ws-000001", name: str = "Ani Wijaya") -> Chat:
    return services.chat_start(
        name=name,
        email="ani@contoh.id",
        phone="0812 1111 2222",
        body="Pesanan saya belum datang.",
        cid=cid,
        browser_key=KEY,
    )


def side_url(chat: Chat) -> str:
    return reverse("livechat:side", args=[chat.pk])


def test_the_side_panel_shows_the_visitor_and_canned_responses_filled_for_the_chat(
    client: Client, agent: User, team: Team, other_team: Team
) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())
    CannedResponse.objects.create(title="Salam", body="Halo Kak {nama_depan}, saya {agen}.")
    CannedResponse.objects.create(title="Tim lain", body="x", team=other_team)
    CannedResponse.objects.create(title="Nonaktif", body="x", active=False)
    client.force_login(agent)

    page = client.get(side_url(chat)).content.decode()

    assert "Ani Wijaya" in page and "ani@contoh.id" in page and "0812 1111 2222" in page
    assert "Belum diverifikasi" in page
    assert 'data-canned-insert="Halo Kak Ani, saya Rina."' in page
    assert "Tim lain" not in page and "Nonaktif" not in page
    # A claimed identity shows no one's history.
    assert "Riwayat pelanggan tampil setelah identitas pengunjung terbukti" in page


def test_the_side_panel_shows_the_customers_other_tickets_once_linked(
    client: Client, agent: User, customer: Customer, django_assert_max_num_queries: Any
) -> None:
    for i in range(4):
        ticket_services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="phone",
            subject=f"Keluhan lama {i}",
            description="x",
        )
    chat = services.chat_pickup(actor=agent, chat=start())
    chat = services.chat_link_customer(actor=agent, chat=chat, customer=customer)
    for i in range(5):
        CannedResponse.objects.create(title=f"Templat {i}", body="Halo {nama}")
    client.force_login(agent)

    # the session and 2FA middleware (9), the chat, the ticket (access), history, canned
    with django_assert_max_num_queries(14):
        page = client.get(side_url(chat)).content.decode()

    assert page.count("Keluhan lama") == 4
    # the seeded ones and these five, each once (no team on the ticket: the shared ones)
    shared = CannedResponse.objects.filter(active=True, team__isnull=True).count()
    assert shared >= 5 and page.count("data-canned-insert=") == shared
    assert "Halo Budi Santoso" in page


def test_the_side_panel_is_for_staff_who_may_see_the_ticket(
    client: Client, customer_user: User, agent: User
) -> None:
    chat = start()
    assert client.get(side_url(chat)).status_code == 302  # signed out
    client.force_login(customer_user)
    assert client.get(side_url(chat)).status_code == 302
    client.force_login(agent)
    assert client.get(reverse("livechat:side", args=[chat.pk + 999])).status_code == 404


def test_a_transfer_to_a_team_puts_the_chat_back_in_the_queue_and_the_timeline_says_so(
    agent: User, team: Team, other_team: Team
) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())
    before = timezone.now()

    chat = services.chat_transfer_team(actor=agent, chat=chat, team=other_team)

    chat.refresh_from_db()
    chat.ticket.refresh_from_db()
    assert (chat.status, chat.agent_id) == (ChatStatus.WAITING, None)
    assert (chat.ticket.team_id, chat.ticket.assignee_id) == (other_team.pk, None)
    assert chat.queued_at is not None and chat.queued_at >= before
    events = TimelineEvent.objects.filter(
        ticket=chat.ticket, kind__in=[EventKind.TEAM_CHANGED, EventKind.ASSIGNED]
    ).order_by("pk")
    last_two = list(events)[-2:]
    assert {e.kind for e in last_two} == {EventKind.TEAM_CHANGED, EventKind.ASSIGNED}
    assert all(e.actor_id == agent.pk for e in last_two)
    assert all(
        e.data["reason"] == "Live chat dialihkan ke tim Pembayaran oleh Rina." for e in last_two
    )
    summary = selectors.chat_summary(chat)
    assert (summary["status"], summary["team"]) == ("waiting", "Pembayaran")
    assert summary["queued_at"] == chat.queued_at.isoformat()


def test_only_the_handler_transfers_and_only_an_active_chat(
    agent: User, outsider_agent: User, team: Team, other_team: Team
) -> None:
    waiting = start()
    with pytest.raises(PermissionDenied):  # not the handler (nobody's yet)
        services.chat_transfer_team(actor=agent, chat=waiting, team=other_team)
    chat = services.chat_pickup(actor=agent, chat=waiting)
    with pytest.raises(PermissionDenied):
        services.chat_transfer_team(actor=outsider_agent, chat=chat, team=other_team)
    services.chat_end(chat=chat, actor=agent)
    with pytest.raises(Conflict):
        services.chat_transfer_team(actor=agent, chat=chat, team=other_team)
    chat.ticket.refresh_from_db()
    assert chat.ticket.team_id != other_team.pk  # nothing half-done


def test_the_queue_counts_from_the_start_until_a_transfer(agent: User) -> None:
    chat = start()
    assert chat.queued_at == chat.created_at
    old = timezone.now() - timedelta(minutes=7)
    Chat.objects.filter(pk=chat.pk).update(queued_at=old, created_at=old)
    (row,) = selectors.console_chats(agent)
    assert row["queued_at"] == old.isoformat()
    assert Chat.objects.get(pk=chat.pk).identity == Identity.CLAIMED


def test_the_console_lists_its_chats_in_a_fixed_number_of_queries(
    agent: User, team: Team, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        start(cid=f"cid-ws-1000{i}", name=f"Pengunjung {i}")
    with django_assert_max_num_queries(3):  # the chats (+ ticket, team, agent), the claims
        rows = selectors.console_chats(agent)
    assert len(rows) == 5
