"""The production setup end to end: `sigap serve --workers 2` on the test database with
the Redis channel layer, real websocket clients.

* live-chat visitors get each other's messages (a sender and a second tab of the same
  chat), whichever process each socket landed on;
* an agent's live-chat console follows those chats' messages, and the agent's inbox socket
  (a synchronous consumer) learns of changes published by another process;
* when Redis drops the server's subscription connections, the server subscribes again
  and live updates flow on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import websockets
from django.conf import settings
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors.tests.mailservers import free_port
from sigap.settings import live_channel_prefix
from tests.test_live_redis import publish_from_another_process
from tests.test_settings_env import redis_url_or_skip
from tests.test_worker import SIGAP, database_url

pytestmark = [
    pytest.mark.redis,
    pytest.mark.production_stack,  # once per `make test`: in the PostgreSQL run
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PAIRS = 6


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], int]]:
    redis_url = redis_url_or_skip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="sigap.settings",
        SIGAP_DATABASE_URL=database_url(),
        SIGAP_DATA_DIR=str(tmp_path),
        SIGAP_SECRET_KEY=settings.SECRET_KEY,  # the test's session is signed with it
        SIGAP_REDIS_URL=redis_url,
        SIGAP_DB_POOL="false",
        SIGAP_TRIAGE="false",
        SIGAP_LOG_LEVEL="WARNING",
    )
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [*SIGAP, "serve", "--no-migrate", "--no-worker", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            # Both processes serving: the first alone answers /livez while the second is
            # still importing Sigap, and every socket the test opens then lands on the first
            # (seen in CI on a loaded machine: one subscription connection, not two).
            # uvicorn logs "Started server process" as each one starts taking connections.
            started = (tmp_path / "serve.log").read_text().count("Started server process")
            try:
                if started >= 2 and httpx.get(f"{url}/livez", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "sigap serve did not start in 60 s"
            time.sleep(0.2)
        yield url, env, proc.pid  # the server's process group: its workers
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


async def _until(ws: Any, kind: str, timeout: float = 10) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            event = json.loads(await ws.recv())
            if event["type"] == kind:
                return event
            assert event["type"] != "error", event

    return await asyncio.wait_for(read(), timeout)


async def _chat_pair(ws_url: str, origin: str, n: int) -> tuple[Any, Any]:
    # One browser: both sockets carry its cookie (a chat resumes only in the browser that
    # started it).
    browser = {"Cookie": f"sigap_chat=browser-key-{uuid.uuid4().hex}"}
    sender = await websockets.connect(
        ws_url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers=browser,
    )
    await sender.send(
        json.dumps(
            {
                "type": "start",
                "cid": uuid.uuid4().hex,
                "name": f"Pengunjung {n}",
                "email": f"pengunjung{n}@contoh.id",
                "phone": "",
                "body": "Halo, pesanan saya belum sampai.",
            }
        )
    )
    token = (await _until(sender, "started"))["token"]
    await _until(sender, "ready")
    watcher = await websockets.connect(
        ws_url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers=browser,
    )
    await watcher.send(json.dumps({"type": "resume", "token": token, "after": 0}))
    await _until(watcher, "ready")
    return sender, watcher


async def _inbox_hears(inbox: Any, env: dict[str, str], ticket_id: int, *, tries: int = 1) -> bool:
    """Publish ``ticket_id`` from another process until the inbox socket hears of it."""
    for _ in range(tries):
        await asyncio.to_thread(
            publish_from_another_process,
            env["SIGAP_REDIS_URL"],
            Path(env["SIGAP_DATA_DIR"]),
            ticket_id,
        )
        with contextlib.suppress(TimeoutError):
            while True:
                event = json.loads(await asyncio.wait_for(inbox.recv(), 3))
                if event == {"type": "tickets.changed", "tickets": [ticket_id]}:
                    return True
    return False


def _subscribed(redis_url: str, group_pattern: str) -> list[bytes]:
    """The Pub/Sub channels of the live groups matching ``group_pattern`` that some
    process is subscribed to."""
    client = redis.Redis.from_url(redis_url)
    try:
        prefix = live_channel_prefix(redis_url)
        return list(client.pubsub_channels(f"{prefix}__group__{group_pattern}"))
    finally:
        client.close()


def _group_pids(group: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # pid (comm) state ppid pgrp ...; comm may hold spaces: split after it
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == group:
                pids.add(int(stat.parent.name))
    return pids


def _drop_subscriptions(redis_url: str, server_group: int) -> int:
    """Kill the server's subscription connections on the Redis server (as a Redis restart
    or a network blip would); other clients (other tests) are left alone."""
    names = {f"sigap-live-{pid}" for pid in _group_pids(server_group)}
    client = redis.Redis.from_url(redis_url)
    killed = 0
    for c in client.client_list():
        if c.get("name") in names and int(c.get("sub", 0)) > 0:
            killed += client.client_kill_filter(_id=c["id"])
    client.close()
    return killed


def test_two_server_processes_carry_live_chat_and_inbox_updates_over_redis(
    server: tuple[str, dict[str, str], int], agent: User
) -> None:
    url, env, group = server
    ws_base = url.replace("http://", "ws://")
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    async def scenario() -> None:
        inbox = await websockets.connect(
            f"{ws_base}/ws/inbox/",
            origin=url,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
        )
        console = await websockets.connect(
            f"{ws_base}/ws/livechat/console/",
            origin=url,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
        )
        await _until(console, "chats")
        pairs = [await _chat_pair(f"{ws_base}/ws/livechat/", url, n) for n in range(PAIRS)]
        for n, (sender, _) in enumerate(pairs):
            await sender.send(
                json.dumps({"type": "message", "cid": f"pesan-m{n}", "body": f"Ke-{n}"})
            )
        for n, (sender, watcher) in enumerate(pairs):
            assert (await _until(sender, "ack"))["cid"] == f"pesan-m{n}"
            while (message := (await _until(watcher, "message"))["message"])[
                "cid"
            ] != f"pesan-m{n}":
                pass
            assert message["body"] == f"Ke-{n}"
        # The agent's console follows the waiting chats: every message reaches it too.
        heard: set[str] = set()
        while len(heard) < PAIRS:
            cid = (await _until(console, "message"))["message"]["cid"]
            heard |= {cid} & {f"pesan-m{n}" for n in range(PAIRS)}

        assert await _inbox_hears(inbox, env, 4747)
        assert _drop_subscriptions(env["SIGAP_REDIS_URL"], group) == 2  # one per server process
        # Subscribed again within about a second: a publish then arrives.
        assert await _inbox_hears(inbox, env, 4343, tries=5)
        for n, (sender, watcher) in enumerate(pairs):
            await sender.send(json.dumps({"type": "message", "cid": f"pesan-r{n}", "body": "Lagi"}))
            while (await _until(watcher, "message"))["message"]["cid"] != f"pesan-r{n}":
                pass
        assert len(_subscribed(env["SIGAP_REDIS_URL"], "livechat-v-*")) == PAIRS
        for sender, watcher in pairs:
            await sender.close()
            await watcher.close()
        await inbox.close()
        await console.close()

    asyncio.run(scenario())
    # Closed sockets leave their groups: the server unsubscribes (nothing piles up).
    deadline = time.monotonic() + 10
    while _subscribed(env["SIGAP_REDIS_URL"], "livechat-v-*"):
        assert time.monotonic() < deadline, "the chats' groups stayed subscribed"
        time.sleep(0.2)
