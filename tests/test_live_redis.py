"""With SIGAP_REDIS_URL, live updates cross processes: a change published by one process
reaches a websocket group joined in another (the production setup, several workers)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels_redis.pubsub import RedisPubSubChannelLayer

from sigap.settings import live_channel_prefix
from tests.test_settings_env import redis_url_or_skip


def publish_from_another_process(redis_url: str, data_dir: Path, ticket_id: int) -> str:
    """Announce a change of ``ticket_id`` from a separate Sigap process on ``redis_url``;
    returns the class name of the channel layer that process used."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="sigap.settings",
        SIGAP_DATA_DIR=str(data_dir),
        SIGAP_REDIS_URL=redis_url,
    )
    script = (
        "import django; django.setup(); from channels.layers import get_channel_layer;"
        "print(type(get_channel_layer()).__name__);"
        f"from sigap.tickets import live; live.publish({{{ticket_id}}})"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.redis
def test_a_change_published_in_another_process_arrives(tmp_path: Path) -> None:
    url = redis_url_or_skip()
    layer = RedisPubSubChannelLayer(hosts=[url], prefix=live_channel_prefix(url))

    async def listen() -> dict[str, object]:
        channel = await layer.new_channel()
        await layer.group_add("inbox", channel)
        layer_used = publish_from_another_process(url, tmp_path, 4242)
        assert layer_used == "RedisPubSubChannelLayer"
        try:
            while True:  # other tests may announce changes of their own meanwhile
                event = await asyncio.wait_for(layer.receive(channel), timeout=10)
                if event.get("tickets") == [4242]:
                    return event
        finally:
            await layer.group_discard("inbox", channel)
            await layer.flush()

    assert async_to_sync(listen)() == {"type": "tickets.changed", "tickets": [4242]}


@pytest.mark.redis
def test_installations_on_other_redis_databases_do_not_hear_each_other(tmp_path: Path) -> None:
    """Redis Pub/Sub ignores the database number; the channel names carry it."""
    url = redis_url_or_skip()
    base, _, database = url.rpartition("/")
    other = f"{base}/{(int(database or 0) + 1) % 16}"
    assert live_channel_prefix(url) != live_channel_prefix(other)
    layer = RedisPubSubChannelLayer(hosts=[other], prefix=live_channel_prefix(other))

    async def listen() -> list[dict[str, object]]:
        channel = await layer.new_channel()
        await layer.group_add("inbox", channel)
        publish_from_another_process(url, tmp_path, 4545)
        heard = []
        try:
            while True:
                heard.append(await asyncio.wait_for(layer.receive(channel), timeout=1.5))
        except TimeoutError:
            return [e for e in heard if e.get("tickets") == [4545]]
        finally:
            await layer.group_discard("inbox", channel)
            await layer.flush()

    assert async_to_sync(listen)() == []
