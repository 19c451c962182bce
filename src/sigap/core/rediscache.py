"""Django's Redis cache with one ``redis.Redis`` per connection pool.

Django's client builds a new ``redis.Redis`` for every cache call (``get_client``), and
each one fills its table of about 200 response callbacks: 0.2 ms of CPU a call, on the
five cache reads of every signed-in request (the session, the auth generation, the two
2FA checks, the menu's state) about 1 ms. The object is thread-safe and holds no state
of its own beyond the pool, so one per pool serves every call (decision 0009)."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis import Redis


class ReusedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = Redis(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClient
