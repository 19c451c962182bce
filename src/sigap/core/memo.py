"""Configuration kept in memory per process, reloaded when an edit bumps a shared version.

Used for what every write consults (webhooks, automation rules) and what must not cost a
query per call (SLA policies). ``invalidate`` (connected to the models' save and delete
signals) makes this process reload at once and, through the cache, every process sharing
it (Redis); other processes reload within ``max_age`` seconds. The shared version is read
at most every ``check_every`` seconds, so a hot path does no cache call either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


class SharedMemo(Generic[T]):
    def __init__(
        self, key: str, loader: Callable[[], T], *, max_age: float = 60.0, check_every: float = 5.0
    ) -> None:
        self.key = f"sigap:memo:{key}"
        self.loader = loader
        self.max_age = max_age
        self.check_every = check_every
        self._value: T | None = None
        self._loaded = False
        self._version: int | None = None
        self._loaded_at = 0.0
        self._checked_at = 0.0
        self._lock = threading.Lock()
        # How many times this process saw the configuration change (the test suite reloads
        # a memo only after a test changed what it holds).
        self.changes = 0

    def get(self) -> T:
        now = time.monotonic()
        if self._loaded and now - self._checked_at < self.check_every:
            return self._value  # type: ignore[return-value]
        with self._lock:
            self._checked_at = now
            version = cache.get(self.key, 0)
            if not self._loaded or version != self._version or now - self._loaded_at > self.max_age:
                self._value = self.loader()
                self._loaded, self._version, self._loaded_at = True, version, now
            return self._value  # type: ignore[return-value]

    def invalidate(self, *_: Any, **__: Any) -> None:
        self.changes += 1
        self._loaded = False
        try:
            cache.incr(self.key)
        except ValueError:
            cache.set(self.key, 1, None)

    def hold(self, value: T) -> None:
        """Take ``value`` as freshly loaded, without calling the loader (a test whose
        database is known to hold what ``value`` says: none of this configuration)."""
        with self._lock:
            now = time.monotonic()
            self._value, self._loaded = value, True
            self._version = cache.get(self.key, 0)
            self._loaded_at = self._checked_at = now

    def forget(self) -> None:
        """Drop this process's copy only: the next ``get`` loads again, other processes
        are not told (for a test whose database was replaced under the memo)."""
        self._loaded = False
