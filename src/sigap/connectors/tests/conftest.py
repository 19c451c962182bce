"""Fixtures for the messaging channels: the payloads of ``payloads/``, a fake provider API on
loopback, and settings pointing the clients at it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.whatsapp.inbound import sign

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "rahasia-aplikasi-meta"
VERIFY_TOKEN = "token-verifikasi-sigap"
PHONE_NUMBER_ID = "106540352242922"
BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
TG_SECRET = "rahasia-webhook-telegram_42"


def load(name: str, *, now: bool = True) -> dict[str, Any]:
    """A documented payload; with ``now``, its timestamps are the current time (the
    24-hour window and the SLA clock see a fresh message)."""
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    if now:
        stamp = int(time.time())
        for entry in data.get("entry", []):
            for change in entry["changes"]:
                for item in change["value"].get("messages", []) + change["value"].get(
                    "statuses", []
                ):
                    item["timestamp"] = str(stamp)
        for key in ("message", "edited_message"):
            if key in data:
                data[key]["date"] = stamp
    return data


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi().start()
    yield api
    api.stop()


@pytest.fixture
def whatsapp(settings: Any, fake_api: FakeApi) -> FakeApi:
    """The WhatsApp channel configured against the fake Graph API."""
    settings.SIGAP_WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.SIGAP_WHATSAPP_APP_SECRET = APP_SECRET
    settings.SIGAP_WHATSAPP_ACCESS_TOKEN = "EAAG-token-uji"
    settings.SIGAP_WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.SIGAP_WHATSAPP_API_BASE = f"{fake_api.base_url}/v21.0"
    settings.SIGAP_AUTO_ACK = False  # tests count API requests; one test turns it on
    return fake_api


@pytest.fixture
def telegram(settings: Any, fake_api: FakeApi) -> FakeApi:
    settings.SIGAP_TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.SIGAP_TELEGRAM_SECRET_TOKEN = TG_SECRET
    settings.SIGAP_TELEGRAM_API_BASE = fake_api.base_url
    settings.SIGAP_AUTO_ACK = False
    return fake_api


Post = Callable[..., Any]


@pytest.fixture
def post_whatsapp(client: Client, django_capture_on_commit_callbacks: Any) -> Post:
    """POST a payload as Meta does (signed raw body); jobs queued on commit run."""

    def post(payload: Any, *, signature: str | None = None, raw: bytes | None = None) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {}
        if signature != "":
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature or sign(body, APP_SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/hooks/whatsapp/", data=body, content_type="application/json", **headers
            )

    return post


@pytest.fixture
def post_telegram(client: Client, django_capture_on_commit_callbacks: Any) -> Post:
    def post(payload: Any, *, secret: str | None = TG_SECRET, raw: bytes | None = None) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/hooks/telegram/", data=body, content_type="application/json", **headers
            )

    return post
