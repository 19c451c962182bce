"""The live-chat websockets: start and resume, idempotent resend, who may listen, and the
console working a chat with a visitor.

Each test runs one event loop (the in-memory channel layer belongs to a loop); database
work runs in threads through ``sync_to_async``, as under the real server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from sigap.accounts.models import User
from sigap.accounts.presence import mark_seen
from sigap.connectors.livechat import services
from sigap.connectors.livechat.consumers import ConsoleConsumer, VisitorConsumer
from sigap.connectors.livechat.models import Chat
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


BROWSER = [(b"cookie", b"sigap_chat=browser-key-of-the-test-visitor-00000001")]


def visitor(headers: list[tuple[bytes, bytes]] | None = None) -> WebsocketCommunicator:
    """A widget's socket; by default from one and the same browser (its cookie)."""
    return WebsocketCommunicator(
        VisitorConsumer.as_asgi(), "/ws/livechat/", headers=BROWSER if headers is None else headers
    )


def console(user: Any) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/livechat/console/")
    comm.scope["user"] = user
    return comm


async def receive(comm: WebsocketCommunicator, n: int) -> dict[str, dict[str, Any]]:
    """The next ``n`` events, by type (their order between types is not part of the
    protocol)."""
    out: dict[str, dict[str, Any]] = {}
    for _ in range(n):
        event = await comm.receive_json_from(timeout=3)
        out[event["type"]] = event
    assert len(out) == n
    return out


async def start(comm: WebsocketCommunicator, cid: str, name: str = "Ani") -> dict[str, Any]:
    assert (await comm.connect())[0]
    await comm.send_json_to(
        {
            "type": "start",
            "cid": cid,
            "name": name,
            "email": f"{name.lower()}@contoh.id",
            "phone": "",
            "body": f"Halo, saya {name}.",
        }
    )
    started = await comm.receive_json_from(timeout=3)
    assert started["type"] == "started"
    ready = await comm.receive_json_from(timeout=3)
    assert ready["type"] == "ready"
    return {"token": started["token"], "ready": ready}


def test_a_resent_message_is_stored_once_and_acknowledged_with_the_same_id() -> None:
    async def scenario() -> None:
        v = visitor()
        begun = await start(v, "start-cid-0001")
        (first,) = begun["ready"]["messages"]  # no email-style acknowledgement in a chat
        assert (first["from"], first["cid"], first["body"]) == (
            "visitor",
            "start-cid-0001",
            "Halo, saya Ani.",
        )
        state = begun["ready"]["state"]
        assert state["status"] == "waiting"
        assert state["notice"].startswith(  # nobody online: told it became a ticket
            "Saat ini belum ada petugas yang daring. Percakapan ini sudah kami catat sebagai "
            f"tiket {state['ticket']}. Kami akan membalas paling lambat "
        )

        await v.send_json_to({"type": "message", "cid": "msg-cid-0001", "body": "Resi JNE01"})
        got = await receive(v, 2)
        stored_id = got["ack"]["id"]
        assert got["ack"] == {"type": "ack", "cid": "msg-cid-0001", "id": stored_id}
        assert got["message"]["message"]["id"] == stored_id

        await v.send_json_to({"type": "message", "cid": "msg-cid-0001", "body": "Resi JNE01"})
        assert await v.receive_json_from(timeout=3) == {
            "type": "ack",
            "cid": "msg-cid-0001",
            "id": stored_id,
        }
        assert await v.receive_nothing(timeout=0.3)
        count = await sync_to_async(Message.objects.filter(body="Resi JNE01").count)()
        assert count == 1
        await v.disconnect()

    run(scenario)


def test_a_reconnecting_visitor_gets_everything_after_its_last_id(agent: User) -> None:
    def agent_answers_while_away() -> None:
        chat = services.chat_pickup(actor=agent, chat=Chat.objects.get())
        services.chat_agent_message(
            actor=agent, chat=chat, cid="agent-cid-0001", body="Kami cek dulu ya.", note=False
        )
        services.chat_agent_message(
            actor=agent, chat=chat, cid="agent-cid-0002", body="Kurir lambat.", note=True
        )

    async def scenario() -> None:
        v = visitor()
        begun = await start(v, "start-cid-0002")
        last = begun["ready"]["messages"][-1]["id"]
        await v.disconnect()

        await sync_to_async(agent_answers_while_away)()

        again = visitor()
        assert (await again.connect())[0]
        await again.send_json_to({"type": "resume", "token": begun["token"], "after": last})
        ready = await again.receive_json_from(timeout=3)
        assert [(m["from"], m["name"], m["body"]) for m in ready["messages"]] == [
            ("agent", "Rina", "Kami cek dulu ya.")
        ]  # the internal note is not the visitor's
        assert (ready["state"]["status"], ready["state"]["agent"]) == ("active", "Rina")
        await again.disconnect()

    run(scenario)


def test_a_visitor_sees_only_its_own_conversation() -> None:
    async def scenario() -> None:
        ani, budi = visitor(), visitor()
        ani_chat = await start(ani, "start-cid-0003", "Ani")
        budi_chat = await start(budi, "start-cid-0004", "Budi")

        await ani.send_json_to({"type": "message", "cid": "msg-cid-0003", "body": "Rahasia Ani"})
        await receive(ani, 2)
        assert await budi.receive_nothing(timeout=0.3)

        await budi.send_json_to({"type": "resume", "token": budi_chat["token"], "after": 0})
        ready = await budi.receive_json_from(timeout=3)
        assert "Rahasia Ani" not in [m["body"] for m in ready["messages"]]
        assert ready["messages"][0]["body"] == "Halo, saya Budi."
        assert ani_chat["token"] != budi_chat["token"]
        await ani.disconnect()
        await budi.disconnect()

    run(scenario)


def test_a_forged_token_gets_nothing_and_is_closed() -> None:
    async def scenario() -> None:
        owner = visitor()
        begun = await start(owner, "start-cid-0005")
        await owner.disconnect()

        stranger = visitor()
        assert (await stranger.connect())[0]
        await stranger.send_json_to({"type": "message", "cid": "msg-cid-0005", "body": "hai"})
        assert (await stranger.receive_json_from(timeout=3))["code"] == "no_chat"
        forged = begun["token"][:-3] + "abc"
        await stranger.send_json_to({"type": "resume", "token": forged, "after": 0})
        error = await stranger.receive_json_from(timeout=3)
        assert (error["type"], error["code"]) == ("error", "not_found")
        assert await stranger.receive_output(timeout=3) == {
            "type": "websocket.close",
            "code": 4403,
        }

    run(scenario)


def test_customers_and_anonymous_cannot_open_the_console(customer_user: User) -> None:
    async def scenario() -> None:
        for user in (customer_user, AnonymousUser()):
            assert await console(user).connect() == (False, 4403)

    run(scenario)


def test_an_agent_works_a_chat_from_the_console(agent: User) -> None:
    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-0006")
        chat_id = (await sync_to_async(Chat.objects.get)()).pk
        await sync_to_async(mark_seen)(agent.pk)
        c = console(agent)
        assert (await c.connect())[0]
        hello = await c.receive_json_from(timeout=3)
        assert [(x["id"], x["status"]) for x in hello["chats"]] == [(chat_id, "waiting")]

        await c.send_json_to({"type": "pickup", "chat": chat_id})
        assert (await c.receive_json_from(timeout=3))["chat"]["agent"] == agent.pk
        state = await v.receive_json_from(timeout=3)
        assert (state["type"], state["state"]["agent"]) == ("state", "Rina")

        # Typing and reading travel both ways.
        await v.send_json_to({"type": "typing", "on": True})
        assert await c.receive_json_from(timeout=3) == {
            "type": "typing",
            "chat": chat_id,
            "on": True,
        }
        await c.send_json_to({"type": "typing", "chat": chat_id, "on": True})
        assert await v.receive_json_from(timeout=3) == {"type": "typing", "on": True}

        await c.send_json_to(
            {"type": "reply", "chat": chat_id, "cid": "agent-cid-0003", "body": "Halo Kak Ani"}
        )
        got = await receive(c, 2)
        assert got["message"]["message"]["body"] == "Halo Kak Ani"
        pushed = await v.receive_json_from(timeout=3)
        assert (pushed["message"]["from"], pushed["message"]["body"]) == ("agent", "Halo Kak Ani")

        await v.send_json_to({"type": "read", "up_to": pushed["message"]["id"]})
        read = await c.receive_json_from(timeout=3)
        assert read == {"type": "read", "chat": chat_id, "up_to": pushed["message"]["id"]}

        await c.send_json_to(
            {"type": "note", "chat": chat_id, "cid": "agent-cid-0004", "body": "VIP"}
        )
        got = await receive(c, 2)
        assert got["message"]["message"]["kind"] == "note"
        assert await v.receive_nothing(timeout=0.3)  # notes stay among staff

        await c.send_json_to({"type": "open", "chat": chat_id, "after": 0})
        history = await c.receive_json_from(timeout=3)
        assert [m["body"] for m in history["messages"]][-2:] == ["Halo Kak Ani", "VIP"]

        await v.send_json_to({"type": "message", "cid": "msg-cid-0006", "body": "Terima kasih"})
        assert (await c.receive_json_from(timeout=3))["message"]["body"] == "Terima kasih"

        await c.send_json_to({"type": "end", "chat": chat_id})
        await receive(v, 3)  # ack + own message + the ended state, in some order
        assert (await c.receive_json_from(timeout=3))["chat"]["status"] == "ended"
        await v.disconnect()
        await c.disconnect()

    run(scenario)


def test_a_reply_from_the_ticket_page_reaches_the_open_widget(agent: User) -> None:
    def reply_on_ticket_page() -> None:
        chat = Chat.objects.get()
        ticket_services.message_add(
            actor=agent, ticket=chat.ticket, kind="reply", body="Dari halaman tiket"
        )

    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-0007")
        await sync_to_async(reply_on_ticket_page)()
        pushed = await v.receive_json_from(timeout=3)
        assert (pushed["type"], pushed["message"]["body"]) == ("message", "Dari halaman tiket")
        await v.disconnect()

    run(scenario)


def test_another_agent_cannot_act_on_a_taken_chat(agent: User, outsider_agent: User) -> None:
    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-0008")
        chat = await sync_to_async(Chat.objects.get)()
        await sync_to_async(services.chat_pickup)(actor=agent, chat=chat)
        c = console(outsider_agent)
        assert (await c.connect())[0]
        assert (await c.receive_json_from(timeout=3))["chats"] == []
        await c.send_json_to(
            {"type": "reply", "chat": chat.pk, "cid": "agent-cid-0005", "body": "Saya ambil"}
        )
        error = await c.receive_json_from(timeout=3)
        assert (error["type"], error["code"]) == ("error", "permission_denied")
        await v.disconnect()
        await c.disconnect()

    run(scenario)


def test_a_chat_is_transferred_to_another_online_agent(
    agent: User, outsider_agent: User, supervisor: User
) -> None:
    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-0009")
        chat = await sync_to_async(Chat.objects.get)()
        await sync_to_async(services.chat_pickup)(actor=agent, chat=chat)
        assert (await v.receive_json_from(timeout=3))["state"]["agent"] == "Rina"
        await sync_to_async(mark_seen)(outsider_agent.pk)
        first, second = console(agent), console(outsider_agent)
        for comm in (first, second):
            assert (await comm.connect())[0]
            await comm.receive_json_from(timeout=3)  # the chat list

        await first.send_json_to({"type": "agents"})
        agents = await first.receive_json_from(timeout=3)
        assert agents == {
            "type": "agents",
            "agents": [{"id": outsider_agent.pk, "name": "Dodi"}],
            "teams": [],
        }
        await first.send_json_to({"type": "transfer", "chat": chat.pk, "to": outsider_agent.pk})

        moved = await second.receive_json_from(timeout=3)
        assert (moved["type"], moved["chat"]["agent"]) == ("chat", outsider_agent.pk)
        assert (await first.receive_json_from(timeout=3))["chat"]["agent_name"] == "Dodi"
        assert (await v.receive_json_from(timeout=3))["state"]["agent"] == "Dodi"
        await chat.arefresh_from_db()
        ticket = await sync_to_async(lambda: chat.ticket)()
        await ticket.arefresh_from_db()
        assert (chat.agent_id, ticket.assignee_id) == (outsider_agent.pk, outsider_agent.pk)
        for comm in (v, first, second):
            await comm.disconnect()

    run(scenario)


def test_a_chat_is_transferred_to_a_teams_queue_from_the_console(
    agent: User, team: Any, other_team: Any
) -> None:
    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-0019")
        chat = await sync_to_async(Chat.objects.get)()
        await sync_to_async(services.chat_pickup)(actor=agent, chat=chat)
        await v.receive_json_from(timeout=3)  # the state: served
        comm = console(agent)
        assert (await comm.connect())[0]
        await comm.receive_json_from(timeout=3)  # the chat list

        await comm.send_json_to({"type": "agents"})
        offered = await comm.receive_json_from(timeout=3)
        assert offered["teams"] == [
            {"id": other_team.pk, "name": "Pembayaran"},
            {"id": team.pk, "name": "Pengiriman"},
        ]
        await comm.send_json_to({"type": "transfer", "chat": chat.pk, "team": other_team.pk})

        queued = await comm.receive_json_from(timeout=3)
        assert (queued["type"], queued["chat"]["status"]) == ("chat", "waiting")
        assert (queued["chat"]["agent"], queued["chat"]["team"]) == (None, "Pembayaran")
        assert (await v.receive_json_from(timeout=3))["state"]["status"] == "waiting"
        await comm.send_json_to({"type": "transfer", "chat": chat.pk, "team": 999999})
        refused = await comm.receive_json_from(timeout=3)
        assert (refused["type"], refused["code"]) == ("error", "not_found")
        for c in (v, comm):
            await c.disconnect()

    run(scenario)


def test_the_visitor_ends_the_chat() -> None:
    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-0010")
        await v.send_json_to({"type": "end"})
        state = await v.receive_json_from(timeout=3)
        assert (state["type"], state["state"]["status"]) == ("state", "ended")
        await v.send_json_to({"type": "message", "cid": "msg-cid-0010", "body": "Masih?"})
        error = await v.receive_json_from(timeout=3)
        assert (error["code"], error["cid"]) == ("conflict", "msg-cid-0010")
        await v.disconnect()

    run(scenario)
