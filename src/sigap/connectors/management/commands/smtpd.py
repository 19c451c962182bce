from __future__ import annotations

import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sigap.connectors.email.smtpd import IngestHandler


class Command(BaseCommand):
    help = "Receive customer mail over SMTP and file it as tickets (on-premise relay target)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **opts: Any) -> None:
        limit = int(settings.SIGAP_MAX_ATTACHMENT_BYTES) * 2
        controller = Controller(
            IngestHandler(), hostname=opts["host"], port=opts["port"], data_size_limit=limit
        )
        controller.start()
        self.stdout.write(f"SMTP masuk Sigap di {opts['host']}:{opts['port']}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
