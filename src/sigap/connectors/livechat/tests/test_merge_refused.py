"""A ticket whose live chat is still running is not merged away (``TicketMerging``)."""

from __future__ import annotations

import pytest

from sigap.accounts.models import User
from sigap.connectors.livechat import services
from sigap.core.errors import Conflict
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_running_chat_refuses_the_merge_until_it_ends(admin: User) -> None:
    chat = services.chat_start(
        name="Ani Wijaya",
        email="ani@contoh.id",
        phone="",
        body="Pesanan saya belum datang.",
        cid="cid-merge-0001",
        browser_key="browser-key-of-the-merge-visitor-000001",
    )
    source = chat.ticket
    target = ticket_services.ticket_create(
        actor=admin,
        customer=source.customer,
        kind="inquiry",
        channel="email",
        subject="Pesanan belum datang",
        description="Lewat email juga.",
    )
    with pytest.raises(Conflict, match="Obrolan langsung"):
        ticket_services.ticket_merge(actor=admin, source=source, target=target)
    assert Ticket.objects.get(pk=source.pk).merged_into_id is None

    services.chat_end(chat=chat, actor=None)
    ticket_services.ticket_merge(actor=admin, source=source, target=target)
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk
