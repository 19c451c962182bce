"""A real Sigap server (uvicorn, ASGI: HTTP and websockets) in a thread, on the test
database, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Debian's headless shell first (package chromium-headless-shell, what Playwright itself
# runs for headless tests): the same engine without the browser's own interface and
# services. The browser tests (tests/e2e, 40 tests, two processes on PostgreSQL) took
# 137 s of CPU with it against 218 s with the whole chromium, everything they start
# counted (a cpuacct cgroup), and 92 s against 126 s of wall (2026-12-07). The whole
# chromium still serves where the shell is not installed.
CHROMIUM = (
    os.environ.get("SIGAP_TEST_CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
    or ""
)
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


class _Chromium:
    """One Playwright driver and one chromium per test process, started by the first
    browser test: launching them took about 0.9 s of CPU and 2-2.5 s of waiting per test
    (measured 2026-12-07). Each test still gets a browser of its own in effect: its pages
    live in contexts it makes (``browser.new_context()``: own cookies, storage and cache),
    and whatever context it leaves open is closed after it."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright()
        self.playwright = self._manager.start()
        self.browser = self._launch()
        self._loop = asyncio.get_running_loop()  # marked running by Playwright's calls
        self.pause()

    def _launch(self) -> Any:
        return self.playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

    def resume(self) -> Any:
        """Before a browser test: Playwright's loop counts as running on this thread again
        (its sync calls expect it, as between two calls of theirs), and a chromium that
        died in an earlier test is replaced."""
        asyncio._set_running_loop(self._loop)
        if not self.browser.is_connected():
            self.browser = self._launch()
        return self.browser

    def pause(self) -> None:
        """After a browser test: between its sync calls Playwright leaves its event loop
        marked as running on this thread; left so, the next tests in this process (not
        browser tests) would run their ORM calls as if inside an event loop (Django's
        SynchronousOnlyOperation). The loop is not running: its fiber waits for the next
        Playwright call, which marks it again (``resume``)."""
        asyncio._set_running_loop(None)

    def close(self) -> None:
        self.resume()
        with contextlib.suppress(Exception):  # chromium may be gone already
            self.browser.close()
        self._manager.__exit__()


@pytest.fixture(scope="session")
def _chromium() -> Iterator[_Chromium]:
    shared = _Chromium()
    yield shared
    shared.close()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Any]:
    if not CHROMIUM:
        pytest.skip(
            "no chromium: install Debian's chromium-headless-shell (apt-get install "
            "chromium-headless-shell) or chromium, or set SIGAP_TEST_CHROMIUM; .ci/run "
            "installs the first"
        )
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # are still plain synchronous calls (Playwright's documented Django setting).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    from django.db import connections

    shared: _Chromium = request.getfixturevalue("_chromium")
    b = shared.resume()
    try:
        yield b
    finally:
        try:
            for context in b.contexts:  # the test's own, as if its browser closed
                context.close()
        finally:
            # While Playwright's loop counts as running on this thread, Django keeps this
            # thread's connections apart (asgiref's Local: per context, not per thread),
            # so the test's ORM calls opened connections of their own that the test
            # database's teardown never sees. Close them here, inside that context; left
            # open, PostgreSQL refuses to drop the test database ("is being accessed by
            # other users").
            connections.close_all()
            shared.pause()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
