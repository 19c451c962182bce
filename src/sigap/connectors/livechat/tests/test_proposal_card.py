"""Live chat: an offered proposal reaches the visitor's open widget as a message with an
answer card (two signed links to the confirming page); a reconnecting widget gets the
card again, and the link decides the proposal as the customer's answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors.livechat.models import Chat
from sigap.connectors.livechat.tests.test_consumers import run, start, visitor
from sigap.tickets import services
from sigap.tickets.models import Proposal, ProposalStatus, Status, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def offer(agent: User) -> Proposal:
    ticket = Chat.objects.get().ticket
    services.ticket_update(
        actor=agent, ticket=ticket, version=ticket.version, changes={"severity": "sederhana"}
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.status == Status.NEW:
        services.ticket_transition(actor=agent, ticket=ticket, to=Status.IN_PROGRESS)
    return services.proposal_create(
        actor=agent,
        ticket=Ticket.objects.get(pk=ticket.pk),
        summary="Kami ganti barangnya dengan yang baru.",
        compensation_type="replacement",
    )


def test_the_widget_shows_the_offer_with_an_answer_card(agent: User) -> None:
    found: dict[str, Any] = {}

    async def scenario() -> None:
        v = visitor()
        begun = await start(v, "start-cid-prop-1")
        last = begun["ready"]["messages"][-1]["id"]
        proposal = await sync_to_async(offer)(agent)
        pushed = await v.receive_json_from(timeout=15)
        assert pushed["type"] == "message"
        message = pushed["message"]
        assert "Kami ganti barangnya dengan yang baru." in message["body"]
        card = message["card"]
        assert (card["proposal"], card["open"]) == (proposal.pk, True)
        assert card["accept"].endswith("?jawab=terima") and card["reject"].endswith("?jawab=tolak")
        await v.disconnect()
        # a widget that reconnects gets the card with the message
        again = visitor()
        assert (await again.connect())[0]
        await again.send_json_to({"type": "resume", "token": begun["token"], "after": last})
        ready = await again.receive_json_from(timeout=15)
        carded = [m for m in ready["messages"] if "card" in m]
        assert [m["card"]["proposal"] for m in carded] == [proposal.pk]
        await again.disconnect()
        found.update(proposal=proposal, accept=card["accept"])

    run(scenario)
    browser = Client()
    path = urlsplit(found["accept"]).path
    assert browser.get(path).status_code == 200  # the page asks; nothing decided yet
    assert Proposal.objects.get(pk=found["proposal"].pk).status == ProposalStatus.OFFERED
    assert browser.post(path, {"jawab": "terima"}).status_code == 302
    assert Proposal.objects.get(pk=found["proposal"].pk).status == ProposalStatus.ACCEPTED
