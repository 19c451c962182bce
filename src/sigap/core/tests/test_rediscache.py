"""The Redis cache reuses one client per connection pool (core.rediscache), and works as
Django's: set, get, many, incr and delete against a real Redis, from several threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from sigap.core.rediscache import RedisCache


@pytest.fixture
def redis_cache() -> Iterator[RedisCache]:
    url = os.environ.get("SIGAP_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("SIGAP_TEST_REDIS_URL is not set: no Redis server to test against")
    cache = RedisCache(url, {"KEY_PREFIX": "sigap-test-rediscache"})
    yield cache
    for pool in cache._cache._pools.values():
        pool.disconnect()


@pytest.mark.redis
def test_one_client_per_pool_serves_every_call(redis_cache: RedisCache) -> None:
    client = redis_cache._cache
    assert client.get_client() is client.get_client(write=True) is client.get_client("k")
    redis_cache.set("a", {"n": 1}, 30)
    redis_cache.set("counter", 1, 30)
    assert redis_cache.get("a") == {"n": 1}
    assert redis_cache.incr("counter") == 2
    assert redis_cache.get_many(["a", "counter", "none"]) == {"a": {"n": 1}, "counter": 2}
    redis_cache.delete_many(["a", "counter"])
    assert redis_cache.get("a") is None


@pytest.mark.redis
def test_threads_share_the_client(redis_cache: RedisCache) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                redis_cache.set(f"t{n}", i, 30)
                assert redis_cache.get(f"t{n}") == i
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    redis_cache.delete_many([f"t{n}" for n in range(8)])
    assert errors == []
