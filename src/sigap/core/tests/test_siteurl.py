"""Emailed links follow the address `sigap serve` / `sigap demo` serve, unless the operator
set SIGAP_SITE_URL; then a differing address is warned about at start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core import mail
from django.core.management import call_command
from tests.test_worker import database_url

from sigap.accounts.models import User
from sigap.core import siteurl
from sigap.portal import magic


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch, settings: LazySettings) -> None:
    """No SIGAP_SITE_URL from the operator (restored afterwards, with the setting)."""
    monkeypatch.delenv("SIGAP_SITE_URL", raising=False)
    monkeypatch.delenv("SIGAP_SITE_URL_FILE", raising=False)
    settings.SITE_URL = "http://127.0.0.1:8000"


def test_an_unset_site_url_becomes_the_served_port_in_the_mailed_links(
    unset: None, customer_user: User
) -> None:
    assert siteurl.adopt("127.0.0.1", 8202) == ""

    customer_user.email = "budi@contoh.id"
    magic.send_link(customer_user, purpose="login")

    assert "http://127.0.0.1:8202/portal/tautan/" in mail.outbox[-1].body
    assert "http://127.0.0.1:8202/portal/masuk/" in mail.outbox[-1].body
    assert ":8000" not in mail.outbox[-1].body
    # the worker and uvicorn's workers, started from here, read the same address
    assert os.environ["SIGAP_SITE_URL"] == "http://127.0.0.1:8202"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0.0.0.0", "http://127.0.0.1:8202"),
        ("localhost", "http://localhost:8202"),
        ("::1", "http://[::1]:8202"),
        ("sigap.lan", "http://sigap.lan:8202"),
    ],
)
def test_the_served_address_is_one_a_browser_can_open(host: str, expected: str) -> None:
    assert siteurl.served_url(host, 8202) == expected


def test_a_site_url_set_by_the_operator_stays_and_a_different_address_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, settings: LazySettings
) -> None:
    monkeypatch.setenv("SIGAP_SITE_URL", "http://127.0.0.1:8000")
    settings.SITE_URL = "http://127.0.0.1:8000"

    warning = siteurl.adopt("127.0.0.1", 8202)

    assert "SIGAP_SITE_URL adalah http://127.0.0.1:8000" in warning
    assert "melayani di http://127.0.0.1:8202" in warning
    assert settings.SITE_URL == "http://127.0.0.1:8000"
    # the same address said another way, or any name of a server bound to every interface
    assert siteurl.adopt("localhost", 8000) == ""
    settings.SITE_URL = "http://sigap.lan:8000/"
    assert siteurl.adopt("0.0.0.0", 8000) == ""
    assert "melayani di http://127.0.0.1:8001" in siteurl.adopt("0.0.0.0", 8001)


def test_demo_prints_the_addresses_on_the_port_it_is_given(
    unset: None, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    monkeypatch.setattr("sigap.demo.management.commands.demo.demo_exists", lambda: True)
    out = StringIO()

    call_command("demo", port=8202, stdout=out)

    assert "Portal pelanggan:    http://127.0.0.1:8202/portal/masuk/" in out.getvalue()
    assert "8000" not in out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, port: int) -> tuple[str, str]:
    """Start `sigap serve` on the port; its first stdout line and stderr so far."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    clean["SIGAP_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sigap.cli",
            "serve",
            "--port",
            str(port),
            "--no-worker",
            "--no-migrate",
        ],
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        time.sleep(0.2)
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    return line, err


@pytest.mark.long
def test_sigap_serve_on_another_port_says_the_links_point_there(tmp_path: Path) -> None:
    port = _free_port()

    line, err = _serve(tmp_path, port)

    assert f"Sigap berjalan di http://127.0.0.1:{port}/" in line
    assert f"(tautan dalam email: http://127.0.0.1:{port}/)" in line
    assert "Peringatan: SIGAP_SITE_URL" not in err


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def _children(pid: int, word: bytes) -> list[int]:
    """The processes whose parent is ``pid`` (started from any of its threads) and whose
    command line has ``word``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and word in (stat.parent / "cmdline").read_bytes().split(b"\0"):
                found.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


@pytest.mark.production_stack  # a server as systemd or Docker runs it: once per suite
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker")
# the server and its worker write to the test database (the worker's heartbeat): emptied
# after the test; the migrations' rows come back at the next serialized_rollback test's
# start, as after the suite's other transactional tests that carry it
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sigterm_stops_the_embedded_worker_with_the_server(tmp_path: Path) -> None:
    """systemd and Docker stop a server with SIGTERM: its worker must not live on. (The
    server runs on the test database, migrated, so the worker finds its tables and runs.
    A new database of its own, migrated by the server at its start, cost about 12 s of CPU
    and told nothing more about SIGTERM.)"""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    clean.update(
        SIGAP_DATA_DIR=str(tmp_path),
        SIGAP_DATABASE_URL=database_url(),
        SIGAP_DB_POOL="false",
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sigap.cli", "serve", "--port", str(port), "--no-migrate"],
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        worker = 0
        deadline = time.monotonic() + 90
        while not worker and time.monotonic() < deadline:
            worker = next(iter(_children(server.pid, b"worker")), 0)
            time.sleep(0.2)
        assert worker, "the embedded worker did not start"
        while time.monotonic() < deadline + 30:  # until it serves
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # the worker alive right now (one that died of the empty database was replaced)
        alive = [pid for pid in _children(server.pid, b"worker") if _state(pid) in "RSD"]
        assert alive, "no worker running beside the server"
        worker = alive[0]
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _state(worker) not in ("gone", "Z") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _state(worker) in ("gone", "Z"), "the worker outlived the server"
        assert code == 128 + signal.SIGTERM  # an orderly exit, its exit handlers run
    finally:
        if server.poll() is None:
            server.kill()
        if worker and _state(worker) not in ("gone", "Z"):
            os.kill(worker, signal.SIGKILL)  # no orphan left behind by a failing run
