"""Sending to the channel layer from synchronous code (views, services, jobs).

Under ``sigap serve`` a request runs on a worker thread while the process's event loop
serves the websockets. A send is handed to that loop and not waited for: the request
does not block on Redis, and sends keep their order. Elsewhere (the job worker, tests,
management commands) there is no such loop and the send runs to completion with
``async_to_sync``, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

from asgiref.sync import async_to_sync

log = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None

App = Callable[..., Awaitable[None]]


def remember_loop(app: App) -> App:
    """Wrap the HTTP application so the first request records the serving event loop."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        global _loop
        if _loop is None:
            _loop = asyncio.get_running_loop()
        await app(scope, receive, send)

    return wrapped


def serving_loop_is_running_here() -> bool:
    """Whether the caller runs on the serving event loop (a long-lived one, where a
    delayed send is safe to schedule)."""
    try:
        return _loop is not None and asyncio.get_running_loop() is _loop
    except RuntimeError:
        return False


def _running_elsewhere() -> asyncio.AbstractEventLoop | None:
    loop = _loop
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    try:
        if asyncio.get_running_loop() is loop:
            return None  # on the loop itself: the caller must await, not hand over
    except RuntimeError:
        pass
    return loop


def send(make: Callable[[], Awaitable[None]], what: str) -> None:
    """Run ``make()`` (a coroutine doing the sends) on the serving loop without waiting,
    or to completion here when there is none. A failure is logged, never raised: a dead
    channel layer must not break a write that has already committed."""
    loop = _running_elsewhere()
    if loop is None:
        try:
            async_to_sync(make)()
        except Exception:
            log.exception("channel layer: %s not sent", what)
        return
    future = asyncio.run_coroutine_threadsafe(_awaited(make), loop)
    future.add_done_callback(lambda f: _log_failure(f, what))


async def _awaited(make: Callable[[], Awaitable[None]]) -> None:
    await make()


def _log_failure(future: Future[None], what: str) -> None:
    error = future.exception()
    if error is not None:
        log.error("channel layer: %s not sent", what, exc_info=error)
