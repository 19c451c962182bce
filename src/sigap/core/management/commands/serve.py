from __future__ import annotations

import atexit
import signal
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from sigap.core import siteurl
from sigap.core.supervise import Supervisor


class Command(BaseCommand):
    help = "Serve Sigap over HTTP (ASGI, uvicorn). Applies pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="worker processes")
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--access-log", action="store_true")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker beside the server (embedded queue only)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        import uvicorn

        # before the worker starts: it sends the mail, with links to this address
        warning = siteurl.adopt(opts["host"], opts["port"])
        if warning:
            self.stderr.write(warning)
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if opts["workers"] > 1 and not settings.REDIS_URL:
            self.stderr.write(
                "Peringatan: beberapa proses tanpa SIGAP_REDIS_URL — pembaruan langsung "
                "(websocket) hanya sampai ke pengguna di proses yang sama. Set SIGAP_REDIS_URL."
            )
        if not settings.REDIS_URL and not opts["no_worker"]:
            # Embedded setup: the SQLite job queue needs a worker; start it alongside, and
            # again whenever it dies (core/supervise.py), so nothing else has to be run.
            # With Redis, run `sigap worker` under the platform's supervisor.
            worker = Supervisor(
                [sys.executable, "-c", "from sigap.cli import main; main()", "worker"]
            ).start()
            atexit.register(worker.stop)
            # uvicorn handles SIGTERM (systemd, Docker) while it serves, then hands it back to
            # the handler found before it: without one, the default kills this process there
            # and then, exit handlers unrun, and the worker lives on as an orphan
            signal.signal(signal.SIGTERM, _exit_on_term)
        self.stdout.write(
            f"Sigap berjalan di {siteurl.served_url(opts['host'], opts['port'])}/ "
            f"(tautan dalam email: {settings.SITE_URL.rstrip('/')}/)"
        )
        uvicorn.run(
            "sigap.asgi:application",
            host=opts["host"],
            port=opts["port"],
            workers=opts["workers"],
            access_log=opts["access_log"],
            lifespan="off",
            # httptools writes each response in one piece; with h11 a keep-alive client
            # waits ~40 ms per request on delayed ACKs.
            http="httptools",
            loop="uvloop",
            log_level="info",
        )


def _exit_on_term(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # the exit handlers run: the worker is stopped
