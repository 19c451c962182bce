"""Database work of the live-chat websockets: a bounded pool of threads per process.

``channels.db.database_sync_to_async`` is thread-sensitive: in a consumer (which, unlike
a Django HTTP request, gets no ``ThreadSensitiveContext`` of its own) every call of every
websocket in the process runs on one and the same thread. One chat's message then waits
for every other chat's message, start, resume and chatbot answer before it (measured with
``bench/livechat.py``: that thread was the queue behind the delivery p99).

``run`` sends the call to a pool of ``SIGAP_WS_DB_THREADS`` threads instead. Each call
takes a database connection for its duration only (Django's connections belong to their
thread and are closed, with the psycopg pool: handed back, before and after each call, as
``database_sync_to_async`` does), so the pool's size bounds the connections websockets
hold at once. One connection's calls still run one after the other, in order: a consumer
awaits each call before it handles its next frame. Writes of one chat are ordered by the
chat's row lock (``services._lock``), whichever thread runs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings

_P = ParamSpec("_P")
_R = TypeVar("_R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    """The process's pool (made on first use: each server process has its own)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.SIGAP_WS_DB_THREADS, thread_name_prefix="livechat-db"
            )
        return _executor


def run(func: Callable[_P, _R]) -> Callable[_P, Coroutine[Any, Any, _R]]:
    """``func`` as a coroutine function whose calls run on the pool, between
    ``close_old_connections`` calls. Use it like ``database_sync_to_async``."""
    return database_sync_to_async(func, thread_sensitive=False, executor=executor())
