"""Django's WSGI handler served from uvicorn's event loop with one thread hop a request.

a2wsgi's ``WSGIMiddleware`` (what ``sigap.asgi`` used first) runs the application on a
pool thread and hands every ASGI message back to the loop while the thread waits: the
response's start, each body chunk and the final empty chunk, and each read of the
request's body. A small API answer was four waits on the loop from the thread, each a
wake-up of the loop and then of the thread (docs/decisions/0009, "the served path").

Here the loop reads a small request body itself first (uvicorn has it buffered by then),
the thread runs the application and returns the status, headers and whole body of a
non-streaming response, and the loop sends them: the thread is woken once and the loop
once. Each thread runs its requests in its own context, as a threaded WSGI server does:
Django keeps its caches per context (asgiref's ``Local``), so a context per request, as
a2wsgi makes, opened a new Redis connection on every request that read the cache.
Streaming responses (files, exports) and large or unsized request bodies go
through a2wsgi's way, message by message. The application's ``close()`` (Django's
``request_finished``: connections back to the pool) runs on the same thread, before the
response is sent, as a2wsgi does for the last chunk.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from a2wsgi.wsgi import Body, build_environ

# Request bodies up to this size are read on the loop before the thread runs; Django's own
# limit for a body read into memory (DATA_UPLOAD_MAX_MEMORY_SIZE) is 2.5 MB by default.
BUFFERED_BODY_MAX = 1024 * 1024

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Message = dict[str, Any]
Headers = list[tuple[bytes, bytes]]


class WSGIBridge:
    """An ASGI application (HTTP only) that runs a WSGI application on a thread pool."""

    def __init__(self, app: WSGIApp, workers: int) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(thread_name_prefix="WSGI", max_workers=workers)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http", scope["type"]
        loop = asyncio.get_running_loop()
        body: Any = None
        if _buffered(scope):
            chunks = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away before its body arrived
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = io.BytesIO(b"".join(chunks))
        else:
            body = Body(loop, receive)
        environ = cast(dict[str, Any], build_environ(scope, body))  # type: ignore[arg-type]
        # In the thread's own context, not a copy of the loop's: Django keeps its caches
        # (and so the Redis connection pools) per context, and a fresh context per request
        # meant a new Redis connection per request.
        answer = await loop.run_in_executor(self.executor, self._run, environ, loop, send)
        if answer is not None:
            status, headers, content = answer
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})

    def _run(
        self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Any
    ) -> tuple[int, Headers, bytes] | None:
        """On a pool thread: the whole answer, or None once a streamed one was sent."""
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            if exc_info is not None and started and started[0] is _SENT:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [int(status.split(" ", 1)[0]), _headers(headers)]
            return written.append  # WSGI's write(): before the iterable's chunks

        iterable = self.app(environ, start_response)
        try:
            if getattr(iterable, "streaming", True) is False:  # Django's HttpResponse
                content = b"".join(itertools.chain(written, iterable))
                return started[0], started[1], content
            _stream(loop, send, started, written, iterable)
            return None
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()


_SENT = object()


def _buffered(scope: dict[str, Any]) -> bool:
    """Whether the request's body is small enough and sized, to be read before the app."""
    length = None
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            return False
    if length is None:
        return True  # no body (a GET), or one uvicorn has to end at the connection's end
    try:
        return int(length) <= BUFFERED_BODY_MAX
    except ValueError:
        return False


def _headers(headers: list[tuple[str, str]]) -> Headers:
    return [
        (name.strip().encode("latin1").lower(), value.strip().encode("latin1"))
        for name, value in headers
    ]


def _stream(
    loop: asyncio.AbstractEventLoop,
    send: Any,
    started: list[Any],
    written: list[bytes],
    iterable: Iterable[bytes],
) -> None:
    """Send a streaming answer chunk by chunk from the thread, each send waited for."""

    def put(message: Message) -> None:
        asyncio.run_coroutine_threadsafe(send(message), loop).result()

    head = True
    for chunk in itertools.chain(written, iterable):
        if head:
            put({"type": "http.response.start", "status": started[0], "headers": started[1]})
            started[0:1] = [_SENT]
            head = False
        put({"type": "http.response.body", "body": chunk, "more_body": True})
    if head:
        put({"type": "http.response.start", "status": started[0], "headers": started[1]})
    put({"type": "http.response.body", "body": b""})
