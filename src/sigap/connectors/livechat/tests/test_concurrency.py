"""Live chat under concurrent load: one chat's slow database work holds up no other chat,
pushed events do not wait for the database at all, and one connection's messages are
still stored and acknowledged in the order they were sent."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings

from sigap.connectors.livechat import db, services
from sigap.connectors.livechat.models import Chat
from sigap.connectors.livechat.tests.test_consumers import receive, run, start, visitor
from sigap.kb import conversation
from sigap.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Gate:
    """Holds a call for the texts it is asked to, until released."""

    def __init__(self) -> None:
        self.texts: set[str] = set()
        self.entered = threading.Event()
        self.release = threading.Event()

    def hold(self, text: str) -> None:
        if text in self.texts:
            self.entered.set()
            assert self.release.wait(10), "never released"


@pytest.fixture
def slow_chatbot(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The chatbot (run after the visitor's message commits) hangs on the gate's texts."""
    settings.SIGAP_CHATBOT = True
    gate = Gate()
    real = conversation.on_customer_message

    def held(ticket_id: int, text: str) -> Any:
        gate.hold(text)
        return real(ticket_id, text)

    monkeypatch.setattr(conversation, "on_customer_message", held)
    yield gate
    gate.release.set()


async def until(event: threading.Event) -> None:
    for _ in range(300):
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("did not happen in 3 s")


def test_a_slow_call_in_one_chat_does_not_hold_up_another_chat(slow_chatbot: Gate) -> None:
    slow_chatbot.texts = {"Lambat"}

    async def scenario() -> None:
        slow, fast = visitor(), visitor()
        await start(slow, "start-cid-slow1", "Ani")
        begun = await start(fast, "start-cid-fast1", "Budi")
        watcher = visitor()  # Budi's second tab
        assert (await watcher.connect())[0]
        await watcher.send_json_to({"type": "resume", "token": begun["token"], "after": 0})
        assert (await watcher.receive_json_from(timeout=3))["type"] == "ready"

        await slow.send_json_to({"type": "message", "cid": "msg-cid-slow1", "body": "Lambat"})
        await until(slow_chatbot.entered)  # Ani's chatbot turn is busy, and stays so
        # She has her ack and her own message already: the answer comes after the ack.
        events = [await slow.receive_json_from(timeout=3) for _ in range(2)]
        assert sorted(e["type"] for e in events) == ["ack", "message"]

        await fast.send_json_to({"type": "message", "cid": "msg-cid-fast1", "body": "Cepat"})
        got = await receive(fast, 2)
        assert got["ack"]["cid"] == "msg-cid-fast1"
        pushed = await watcher.receive_json_from(timeout=3)
        assert (pushed["type"], pushed["message"]["body"]) == ("message", "Cepat")
        assert await slow.receive_nothing(timeout=0.1)  # no answer while the bot is held

        slow_chatbot.release.set()
        answer = await slow.receive_json_from(timeout=3)
        assert answer["type"] == "message" and answer["message"]["body"] != "Lambat"
        for comm in (slow, fast, watcher):
            await comm.disconnect()

    run(scenario)


def test_a_pushed_message_does_not_wait_for_the_shared_sync_thread() -> None:
    """Channels' consumers hop onto the process's one thread-sensitive thread before
    every event; ours must not, or a widget's messages queue behind unrelated work."""
    busy, release = threading.Event(), threading.Event()

    def occupy() -> None:
        busy.set()
        release.wait(10)

    async def scenario() -> None:
        sender = visitor()
        begun = await start(sender, "start-cid-busy1")
        watcher = visitor()
        assert (await watcher.connect())[0]
        await watcher.send_json_to({"type": "resume", "token": begun["token"], "after": 0})
        assert (await watcher.receive_json_from(timeout=3))["type"] == "ready"

        occupied = asyncio.ensure_future(sync_to_async(occupy)())  # thread-sensitive
        try:
            await until(busy)
            await sender.send_json_to({"type": "message", "cid": "msg-cid-busy1", "body": "Hai"})
            got = await receive(sender, 2)
            assert got["ack"]["cid"] == "msg-cid-busy1"
            pushed = await watcher.receive_json_from(timeout=3)
            assert pushed["message"]["cid"] == "msg-cid-busy1"
            assert not occupied.done()
        finally:
            release.set()
            await occupied
        for comm in (sender, watcher):
            await comm.disconnect()

    run(scenario)


def test_one_connections_messages_are_stored_and_acknowledged_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sent back to back without waiting for acks, the first one slow to handle: still
    stored first. A consumer handles its frames one after the other."""
    real = services._check_body

    def slow_first(body: str, **kwargs: Any) -> str:
        if body == "Pesan 1":
            time.sleep(0.3)
        return real(body, **kwargs)

    monkeypatch.setattr(services, "_check_body", slow_first)
    cids = [f"msg-cid-order{i}" for i in range(1, 6)]

    async def scenario() -> None:
        v = visitor()
        await start(v, "start-cid-order")
        for i, cid in enumerate(cids, 1):
            await v.send_json_to({"type": "message", "cid": cid, "body": f"Pesan {i}"})
        acks: list[dict[str, Any]] = []
        while len(acks) < len(cids):
            event = await v.receive_json_from(timeout=3)
            if event["type"] == "ack":
                acks.append(event)
        assert [a["cid"] for a in acks] == cids
        ids = [a["id"] for a in acks]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        await v.disconnect()

    run(scenario)
    bodies = list(
        Message.objects.filter(body__startswith="Pesan ").order_by("pk").values_list("body")
    )
    assert bodies == [(f"Pesan {i}",) for i in range(1, 6)]


def test_the_widget_gets_the_visitors_message_before_the_chatbots_answer(
    settings: Any,
) -> None:
    settings.SIGAP_CHATBOT = True

    async def scenario() -> None:
        sender = visitor()
        begun = await start(sender, "start-cid-bot01")
        watcher = visitor()
        assert (await watcher.connect())[0]
        await watcher.send_json_to({"type": "resume", "token": begun["token"], "after": 0})
        assert (await watcher.receive_json_from(timeout=3))["type"] == "ready"

        await sender.send_json_to(
            {"type": "message", "cid": "msg-cid-bot01", "body": "Paket saya belum sampai"}
        )
        first = await watcher.receive_json_from(timeout=3)
        second = await watcher.receive_json_from(timeout=3)
        assert (first["message"]["from"], first["message"]["cid"]) == ("visitor", "msg-cid-bot01")
        assert second["message"]["from"] == "system"  # the chatbot's answer
        assert first["message"]["id"] < second["message"]["id"]
        for comm in (sender, watcher):
            await comm.disconnect()

    run(scenario)
    assert Chat.objects.count() == 1


def test_database_work_runs_on_the_bounded_pool() -> None:
    active, peak, names = 0, 0, set()
    lock = threading.Lock()

    def work() -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            names.add(threading.current_thread().name)
        time.sleep(0.05)
        with lock:
            active -= 1

    async def scenario() -> None:
        await asyncio.gather(
            *(db.run(work)() for _ in range(django_settings.SIGAP_WS_DB_THREADS * 3))
        )

    run(scenario)
    assert 1 < peak <= django_settings.SIGAP_WS_DB_THREADS
    assert all(name.startswith("livechat-db") for name in names)
