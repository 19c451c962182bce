"""The embedded worker is restarted when it dies, with a pause that grows while it keeps
dying (issue "Trust", finding 12)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from sigap.core.supervise import Supervisor


def test_a_child_that_dies_is_started_again_with_backoff(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    starts = tmp_path / "starts"
    child = [sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"]
    supervisor = Supervisor(child, backoff=(0.05, 0.1, 0.2, 10.0)).start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not starts.exists() or len(starts.read_text()) < 4):
        time.sleep(0.05)
    time.sleep(0.3)  # the fourth has died: the 10 s pause, no fifth start
    supervisor.stop()
    assert supervisor.starts == 4
    assert starts.read_text() == "xxxx"
    assert "exited with code 3" in caplog.text and "restarting in" in caplog.text


def test_stop_ends_a_running_child_for_good(tmp_path: Path) -> None:
    child = [sys.executable, "-c", "import time; time.sleep(60)"]
    supervisor = Supervisor(child, backoff=(0.05,)).start()
    deadline = time.monotonic() + 10
    while supervisor.process is None and time.monotonic() < deadline:
        time.sleep(0.02)
    running = supervisor.process
    assert running is not None
    supervisor.stop()
    assert running.poll() is not None  # terminated
    time.sleep(0.2)
    assert supervisor.starts == 1  # and not started again
