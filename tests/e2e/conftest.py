"""A real Sigap server (uvicorn, ASGI: HTTP and websockets) in a thread, on the test
database, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SIGAP_TEST_CHROMIUM") or shutil.which("chromium") or ""
ARTIFACTS = Path(os.environ.get("SIGAP_TEST_ARTIFACTS", "var/test-artifacts")).resolve()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(
        "sigap.asgi:application",
        host="127.0.0.1",
        port=port,
        lifespan="off",
        http="httptools",
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not CHROMIUM:
        pytest.skip(
            "no chromium: install Debian's chromium (apt-get install chromium) "
            "or set SIGAP_TEST_CHROMIUM; .ci/run installs it"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # are still plain synchronous calls (Playwright's documented Django setting).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    from django.db import connections

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
        # While Playwright's loop counts as running on this thread, Django keeps this
        # thread's connections apart (asgiref's Local: per context, not per thread), so the
        # test's ORM calls opened connections of their own that the test database's
        # teardown never sees. Close them here, inside that context; left open, PostgreSQL
        # refuses to drop the test database ("is being accessed by other users").
        connections.close_all()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
