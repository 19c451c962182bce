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
from channels_redis.core import RedisChannelLayer

from tests.test_settings_env import redis_url_or_skip


@pytest.mark.redis
def test_a_change_published_in_another_process_arrives(tmp_path: Path) -> None:
    url = redis_url_or_skip()
    layer = RedisChannelLayer(hosts=[url])

    async def listen() -> dict[str, object]:
        channel = await layer.new_channel()
        await layer.group_add("inbox", channel)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
        env.update(
            DJANGO_SETTINGS_MODULE="sigap.settings",
            SIGAP_DATA_DIR=str(tmp_path),
            SIGAP_REDIS_URL=url,
        )
        script = (
            "import django; django.setup(); from channels.layers import get_channel_layer;"
            "print(type(get_channel_layer()).__name__);"
            "from sigap.tickets import live; live.publish({4242})"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "RedisChannelLayer"
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=10)
        finally:
            await layer.group_discard("inbox", channel)
            await layer.flush()

    assert async_to_sync(listen)() == {"type": "tickets.changed", "tickets": [4242]}
