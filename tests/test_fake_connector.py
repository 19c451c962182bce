"""A new connector, written in its own folder (``tests/fake_connector/``) and registered by
its app with one line, receives and sends like the built-in ones: nothing outside its
folder knows about it."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import clear_url_caches

from sigap.accounts.models import User
from sigap.connectors import registry
from sigap.connectors.models import OutboundDelivery
from sigap.surveys.models import Survey
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket
from sigap.tickets.tests.steps import drive_to

pytestmark = pytest.mark.django_db


class FakeApi:
    """The provider's API on loopback: records what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                api.sent.append(json.loads(body))
                reply = json.dumps({"id": f"x-{len(api.sent)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()


@pytest.fixture
def fake_connector(settings: Any) -> Iterator[FakeApi]:
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "tests.fake_connector"]
    from tests.fake_connector import connector  # the app is installed now

    api = FakeApi()
    connector.API["base"] = api.base
    for module in ("sigap.connectors.urls", "sigap.urls"):  # mount its webhook URLs
        importlib.reload(importlib.import_module(module))
    clear_url_caches()
    yield api
    api.server.shutdown()
    api.server.server_close()
    registry.unregister("x")
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "tests.fake_connector"]
    for module in ("sigap.connectors.urls", "sigap.urls"):
        importlib.reload(importlib.import_module(module))
    clear_url_caches()


def _post(
    client: Client, payload: dict[str, str], *, sign: bool = True, forged: str = "forged"
) -> Any:
    from tests.fake_connector.connector import signature

    body = json.dumps(payload).encode()
    headers = {"HTTP_X_FAKE_SIGNATURE": signature(body) if sign else forged}
    return client.post("/hooks/x/webhook/", body, content_type="application/json", **headers)


def test_a_connector_in_its_own_folder_receives_and_sends(
    fake_connector: FakeApi, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    message = {
        "id": "m-1",
        "from": "pengguna-77",
        "name": "Sari Wulandari",
        "text": "Halo, pesanan saya belum sampai.",
        "at": "2026-12-01T10:00:00+07:00",
    }
    assert registry.label("x") == "Pesan X"
    assert _post(client, message, sign=False).status_code == 403
    assert _post(client, message, sign=False, forged="\u00e9" * 64).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, message)
    with django_capture_on_commit_callbacks(execute=True):
        again = _post(client, message)  # a redelivery files nothing twice

    assert (first.status_code, first.json()) == (200, {"accepted": 1})
    assert again.json() == {"duplicate": 1}
    ticket = Ticket.objects.get(channel="x")
    assert ticket.customer.name == "Sari Wulandari"
    assert list(ticket.messages.values_list("kind", "body")) == [
        ("inbound", "Halo, pesanan saya belum sampai."),
        ("reply", ticket.messages.get(kind="reply").body),  # the acknowledgement
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(
            actor=agent, ticket=ticket, kind="reply", body="Kami cek sekarang, Kak Sari."
        )

    assert [m["to"] for m in fake_connector.sent] == ["pengguna-77", "pengguna-77"]
    assert fake_connector.sent[-1]["text"] == "Kami cek sekarang, Kak Sari."
    reply = Message.objects.get(body="Kami cek sekarang, Kak Sari.")
    row = OutboundDelivery.objects.get(message=reply)
    assert (row.provider, row.status, row.provider_id) == ("x", "sent", "x-2")


def test_its_customers_answer_the_survey_with_a_tap_on_it(
    fake_connector: FakeApi, agent: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The survey asks on a channel whose connector sends direct messages: no survey code
    names the channel."""
    settings.SIGAP_SURVEYS = True
    settings.SIGAP_AUTO_ACK = False
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            client,
            {
                "id": "m-1",
                "from": "pengguna-77",
                "name": "Sari",
                "text": "Paket rusak.",
                "at": "2026-12-01T10:00:00+07:00",
            },
        )
    ticket = Ticket.objects.get(channel="x")
    with django_capture_on_commit_callbacks(execute=True):
        drive_to(agent, ticket, "resolved")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.sent_via == "x"
    question = fake_connector.sent[-1]
    assert question["to"] == "pengguna-77"
    assert ticket.reference in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["1", "2", "3", "4", "5"]

    tap = {
        "id": "m-2",
        "from": "pengguna-77",
        "name": "Sari",
        "tap": question["buttons"][3]["id"],
        "at": "2026-12-01T11:00:00+07:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, tap).json() == {"survey": 1}
    survey.refresh_from_db()
    assert survey.csat == 4
    ces = fake_connector.sent[-1]
    assert ces["text"].startswith("Terima kasih, nilai Anda (4)")
    assert len(ces["buttons"]) == survey.ces_scale
    ticket.refresh_from_db()
    assert ticket.status == "resolved"  # a tap is not a message: nothing re-opens
