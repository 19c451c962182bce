"""Sending to the channel layer from synchronous code (views, services, jobs).

A send is handed to a long-lived event loop of this process and not waited for, so the
caller does not block on Redis and sends keep their order:
* under ``sigap serve``, the loop serving the websockets (a request runs on a worker
  thread beside it);
* elsewhere (the job worker, management commands) with a shared layer (Redis), a loop of
  its own on a background thread, so each send does not start a loop and connect anew.
With the in-process layer outside the server (tests, the embedded setup's worker) the
send runs to completion with ``async_to_sync``: that layer belongs to the caller's loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, wait
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings

log = logging.getLogger(__name__)

IN_MEMORY = "channels.layers.InMemoryChannelLayer"

_loop: asyncio.AbstractEventLoop | None = None  # the serving loop, once a request came
_own: asyncio.AbstractEventLoop | None = None  # ours, on a background thread
_own_pid = 0
_own_lock = threading.Lock()

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
    """Whether the caller runs on the serving loop (which lives as long as the server, so
    a delayed send is safe to schedule there; a command's own loop may stop at exit)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return running is _loop


def _shared_layer() -> bool:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", IN_MEMORY)
    return bool(backend != IN_MEMORY)


_pending: set[Future[None]] = set()  # sends handed to our loop and not yet done
DRAIN_SECONDS = 5.0


def _own_loop() -> asyncio.AbstractEventLoop:
    global _own, _own_pid
    with _own_lock:
        if _own is None or _own_pid != os.getpid() or _own.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="sigap-channel-layer", daemon=True
            )
            thread.start()
            if _own is None:
                atexit.register(_drain)
            _own, _own_pid = loop, os.getpid()
        return _own


def _drain() -> None:
    """At exit, let the sends still on our loop finish (a command or a script that wrote
    something exits right after; its announcement must still go out)."""
    if _pending:
        wait(list(_pending), timeout=DRAIN_SECONDS)


def _target() -> asyncio.AbstractEventLoop | None:
    """The loop to hand a send to, or None to run it here and now."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    loop = _loop
    if loop is not None and not loop.is_closed() and loop.is_running():
        return None if running is loop else loop  # on the loop itself: the caller awaits
    if running is None and _shared_layer():
        return _own_loop()
    return None


def send(make: Callable[[], Awaitable[None]], what: str) -> None:
    """Run ``make()`` (a coroutine doing the sends) on a long-lived loop without waiting,
    or to completion here when there is none. A failure is logged, never raised: a dead
    channel layer must not break a write that has already committed."""
    loop = _target()
    if loop is None:
        try:
            async_to_sync(make)()
        except Exception:
            log.exception("channel layer: %s not sent", what)
        return
    future = asyncio.run_coroutine_threadsafe(_awaited(make), loop)
    if loop is _own:
        _pending.add(future)
        future.add_done_callback(_pending.discard)
    future.add_done_callback(lambda f: _log_failure(f, what))


async def _awaited(make: Callable[[], Awaitable[None]]) -> None:
    await make()


def _log_failure(future: Future[None], what: str) -> None:
    error = future.exception()
    if error is not None:
        log.error("channel layer: %s not sent", what, exc_info=error)
