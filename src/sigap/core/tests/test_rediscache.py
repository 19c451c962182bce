"""``core.rediscache``: Django's Redis cache with its client built once, not per call."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.core.cache import caches
from django.test import override_settings

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache() -> Any:
    url = os.environ.get("SIGAP_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("SIGAP_TEST_REDIS_URL is not set: no Redis server to test against")
    config = {"BACKEND": "sigap.core.rediscache.RedisCache", "LOCATION": url}
    with override_settings(CACHES={"default": config, "other": config}):
        cache = caches["other"]
        cache.delete_many(["rc:a", "rc:n", "rc:b"])
        yield cache
        cache.delete_many(["rc:a", "rc:n", "rc:b"])
        disconnect(cache)


def disconnect(cache: Any) -> None:
    for pool in cache._cache._pools.values():
        pool.disconnect()


def test_the_cache_works_as_djangos(redis_cache: Any) -> None:
    redis_cache.set("rc:a", {"x": [1, 2]}, 30)
    assert redis_cache.get("rc:a") == {"x": [1, 2]}
    assert redis_cache.add("rc:a", "other") is False
    redis_cache.set("rc:n", 1, None)
    assert redis_cache.incr("rc:n") == 2
    assert redis_cache.get_many(["rc:a", "rc:n", "rc:b"]) == {"rc:a": {"x": [1, 2]}, "rc:n": 2}
    redis_cache.delete("rc:a")
    assert redis_cache.get("rc:a") is None


def test_one_client_serves_every_call(redis_cache: Any) -> None:
    client = redis_cache._cache.get_client("rc:a")
    redis_cache.set("rc:a", 1, 30)
    assert redis_cache._cache.get_client("rc:b", write=True) is client
    assert client.connection_pool is redis_cache._cache._get_connection_pool(False)


def test_each_thread_has_its_own_cache_and_client(redis_cache: Any) -> None:
    mine = redis_cache._cache.get_client()
    theirs: list[Any] = []

    def other_thread() -> None:
        cache = caches["other"]
        cache.set("rc:b", "from a thread", 30)
        theirs.append(cache._cache.get_client())
        disconnect(cache)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine
    assert redis_cache.get("rc:b") == "from a thread"
