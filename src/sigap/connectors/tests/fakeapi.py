"""A stand-in for the Graph API (WhatsApp Cloud API, Messenger Platform) and the Telegram Bot
API on loopback.

A threaded ``http.server`` bound to 127.0.0.1 port 0. It records every request and
answers as the real APIs do on success (``messages[].id`` = ``wamid.FAKE<n>``, Meta's
``attachment_id`` for an upload, Telegram's ``{"ok": true, "result": {...}}``, media URLs
and bytes); ``script(path_suffix, ...)``
queues other answers (429 with ``Retry-After``, 500, a 400 with Meta's error object ...),
used first-in first-out by the next requests whose path ends with that suffix.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeApi:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.media: dict[str, tuple[bytes, str]] = {}  # WhatsApp media id / Telegram file id
        self._script: dict[str, list[Answer]] = defaultdict(list)
        self._lock = threading.Lock()
        self._counter = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers), body
                )
                answer = api._answer(request)
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: ``shutdown`` waits up to one interval (0.5 s by default),
        # and the fake API is started and stopped around a hundred times per run.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(
        self,
        suffix: str,
        status: int,
        payload: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        for _ in range(times):
            self._script[suffix].append(Answer(status, body, headers or {}))

    def to(self, suffix: str) -> list[Request]:
        """The requests whose path ends with ``suffix``."""
        return [r for r in self.requests if r.path.endswith(suffix)]

    # --- answers --------------------------------------------------------------------------

    def _next_id(self) -> int:
        self._counter += 1
        return self._counter

    def _answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            for suffix, queued in self._script.items():
                if queued and request.path.endswith(suffix):
                    return queued.pop(0)
            return self._default(request)

    def _default(self, request: Request) -> Answer:
        path = request.path
        if path.endswith("/messages"):  # WhatsApp send
            to = request.json().get("to", "")
            return _json(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": f"wamid.FAKE{self._next_id()}"}],
                }
            )
        if path.endswith("/message_attachments"):  # Meta's Attachment Upload API
            return _json({"attachment_id": f"{1857777774821000 + self._next_id()}"})
        if path.endswith("/media"):  # WhatsApp upload
            return _json({"id": f"uploaded-{self._next_id()}"})
        if path.startswith("/download/"):  # WhatsApp media bytes (needs the token)
            media = self.media.get(path.rsplit("/", 1)[-1])
            if media is None or not request.headers.get("Authorization", "").startswith("Bearer"):
                return Answer(404, b"")
            return Answer(200, media[0], {"Content-Type": media[1]})
        if "/file/bot" in path:  # Telegram file API
            media = self.media.get(path.rsplit("/", 1)[-1].split(".")[0])
            return Answer(200, media[0]) if media else Answer(404, b"")
        if "/bot" in path:  # a Telegram method
            return self._telegram(request, path.rsplit("/", 1)[-1])
        media_id = path.rsplit("/", 1)[-1]  # WhatsApp: GET /<version>/<media id>
        if request.method == "GET" and media_id in self.media:
            content, mime_type = self.media[media_id]
            return _json(
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.base_url}/download/{media_id}",
                    "mime_type": mime_type,
                    "sha256": "0" * 64,
                    "file_size": len(content),
                    "id": media_id,
                }
            )
        return Answer(404, json.dumps({"error": {"message": "Unknown path", "code": 100}}).encode())

    def _telegram(self, request: Request, method: str) -> Answer:
        if method == "getFile":
            file_id = request.json()["file_id"]
            if file_id not in self.media:
                return _json(
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                    400,
                )
            content = self.media[file_id][0]
            result = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(content),
                "file_path": f"documents/{file_id}.bin",
            }
            return _json({"ok": True, "result": result})
        return _json(
            {
                "ok": True,
                "result": {"message_id": 500 + self._next_id(), "date": 1700000000, "chat": {}},
            }
        )


def _json(payload: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(payload).encode())
