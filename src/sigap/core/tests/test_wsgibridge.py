"""core.wsgibridge: a WSGI application served from an ASGI loop, one thread hop a request."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application

from sigap.core import wsgibridge
from sigap.core.wsgibridge import WSGIBridge


def scope(
    method: str = "GET", path: str = "/", headers: list[tuple[bytes, bytes]] | None = None
) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "root_path": "",
        "query_string": b"a=1",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }


def serve(app: Any, s: dict[str, Any], chunks: list[bytes] | None = None) -> list[dict[str, Any]]:
    """Run one request through the bridge; the messages it sent."""
    sent: list[dict[str, Any]] = []
    body = list(chunks or [b""])

    async def receive() -> dict[str, Any]:
        if body:
            chunk = body.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(body)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(s, receive, send))
    return sent


def body_of(sent: list[dict[str, Any]]) -> bytes:
    assert sent[0]["type"] == "http.response.start"
    assert all(m["type"] == "http.response.body" for m in sent[1:])
    assert not sent[-1].get("more_body", False)
    return b"".join(m["body"] for m in sent[1:])


class Answer(list[bytes]):
    """A non-streaming response as Django's WSGI handler returns it."""

    streaming = False
    closed = False

    def close(self) -> None:
        self.closed = True


def test_it_sends_a_whole_answer_in_two_messages() -> None:
    answers: list[Answer] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert environ["REQUEST_METHOD"] == "GET"
        assert environ["PATH_INFO"] == "/x"
        assert environ["QUERY_STRING"] == "a=1"
        assert environ["HTTP_HOST"] == "testserver"
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-A", "b")])
        answers.append(Answer([b"he", b"llo"]))
        return answers[0]

    sent = serve(WSGIBridge(app, 1), scope(path="/x"))

    assert sent == [
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"text/plain"), (b"x-a", b"b")],
        },
        {"type": "http.response.body", "body": b"hello"},
    ]
    assert answers[0].closed


def test_it_gives_the_app_a_small_body_read_before_it_runs() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        data = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [])
        return Answer([data[::-1]])

    s = scope("POST", headers=[(b"content-length", b"6"), (b"content-type", b"text/plain")])
    sent = serve(WSGIBridge(app, 1), s, [b"abc", b"def"])

    assert body_of(sent) == b"fedcba"


def test_it_reads_a_large_body_from_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wsgibridge, "BUFFERED_BODY_MAX", 4)

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert not hasattr(environ["wsgi.input"], "getvalue")  # not read beforehand
        data = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return Answer([data.upper()])

    s = scope("POST", headers=[(b"content-length", b"6")])
    sent = serve(WSGIBridge(app, 1), s, [b"abc", b"def"])

    assert body_of(sent) == b"ABCDEF"


def test_it_streams_an_answer_chunk_by_chunk() -> None:
    closed = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/csv")])

        def rows() -> Iterator[bytes]:
            try:
                yield b"a\n"
                yield b"b\n"
            finally:
                closed.append(True)

        return rows()

    sent = serve(WSGIBridge(app, 1), scope())

    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]},
        {"type": "http.response.body", "body": b"a\n", "more_body": True},
        {"type": "http.response.body", "body": b"b\n", "more_body": True},
        {"type": "http.response.body", "body": b""},
    ]
    assert closed == [True]


def test_an_empty_stream_still_starts_the_answer() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("204 No Content", [])
        return iter(())

    sent = serve(WSGIBridge(app, 1), scope())

    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 204


def test_an_error_in_the_app_reaches_the_server() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        serve(WSGIBridge(app, 1), scope())


def test_a_thread_keeps_its_context_from_one_request_to_the_next() -> None:
    """As a threaded WSGI server: Django's caches (per context) and their Redis pools live
    as long as the thread, not a request."""
    var: contextvars.ContextVar[int] = contextvars.ContextVar("n", default=0)
    seen: list[tuple[int, int, int]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        var.set(var.get() + 1)
        seen.append((threading.get_ident(), var.get(), id(caches["default"])))
        start_response("200 OK", [])
        return Answer([b""])

    bridge = WSGIBridge(app, 1)
    serve(bridge, scope())
    serve(bridge, scope())

    assert seen[0][0] == seen[1][0]
    assert [n for _, n, _ in seen] == [1, 2]
    assert seen[0][2] == seen[1][2]


def test_it_serves_django() -> None:
    sent = serve(WSGIBridge(get_wsgi_application(), 1), scope(path="/livez"))

    assert sent[0]["status"] == 200
    assert body_of(sent) == b"ok"
    assert (b"content-type", b"text/plain") in sent[0]["headers"]
