"""Keep a child process running: the embedded worker beside ``sigap serve``.

The child is started at once and again each time it exits, after a pause that doubles with
each quick death (``BACKOFF``) and starts over once it has run ``STABLE_AFTER`` seconds.
Every exit and restart is logged. ``stop()`` ends it for good (at the server's exit).
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
STABLE_AFTER = 300.0


class Supervisor:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str = "worker",
        backoff: Sequence[float] = BACKOFF,
        stable_after: float = STABLE_AFTER,
    ) -> None:
        self.argv = list(argv)
        self.name = name
        self.backoff = list(backoff)
        self.stable_after = stable_after
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"supervise-{name}", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._stopping.is_set():
                return None
            self.process = subprocess.Popen(self.argv)
            self.starts += 1
            return self.process

    def _run(self) -> None:
        quick_deaths = 0
        while not self._stopping.is_set():
            began = time.monotonic()
            process = self._spawn()
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            ran = time.monotonic() - began
            quick_deaths = 0 if ran >= self.stable_after else quick_deaths + 1
            pause = self.backoff[min(max(quick_deaths - 1, 0), len(self.backoff) - 1)]
            log.error(
                "%s exited with code %s after %.0f s; restarting in %.0f s",
                self.name,
                code,
                ran,
                pause,
            )
            if self._stopping.wait(pause):
                return

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout=timeout)
