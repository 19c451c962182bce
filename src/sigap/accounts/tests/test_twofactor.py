"""Two-factor authentication for staff (issue "Trust", sign-in that businesses require):
setting up an authenticator with recovery codes, the code asked after the password on the
pages, the API and the live sockets, mandatory per role, throttled and recorded."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.accounts import twofactor
from sigap.accounts.models import SecurityEvent, User
from sigap.accounts.services import user_create
from sigap.web.consumers import InboxConsumer

pytestmark = pytest.mark.django_db
PASSWORD = "sandi-agen-2026"


@pytest.fixture
def andi(db: None) -> User:
    return user_create(username="andi", password=PASSWORD, role="agent", first_name="Andi")


def sign_in(client: Client, username: str = "andi") -> Any:
    return client.post("/masuk/", {"username": username, "password": PASSWORD})


def code_for(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def set_up(client: Client, user: User) -> list[str]:
    page = client.get("/akun/2fa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and re.search(r"data-key>[A-Z2-7 ]{20,}<", html)
    done = client.post("/akun/2fa/", {"action": "confirm", "code": code_for(user)})
    assert done.status_code == 200
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())


def test_an_agent_sets_up_an_authenticator_and_gets_recovery_codes(andi: User) -> None:
    c = Client()
    sign_in(c)
    wrong = c.post("/akun/2fa/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 422 and "Kode salah" in wrong.content.decode()
    soon = c.post("/akun/2fa/", {"action": "confirm", "code": code_for(andi)})
    assert soon.status_code == 422  # even the right code, within a second of a miss
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        codes = set_up(c, andi)
        assert twofactor.has_authenticator(andi)
        assert c.get("/inbox/").status_code == 200  # this session gave its code
    assert len(codes) == 10 and len(set(codes)) == 10
    assert SecurityEvent.objects.filter(kind="2fa_enabled", user_id=andi.pk).exists()


def test_a_new_sign_in_owes_the_code_on_pages_api_and_sockets(andi: User) -> None:
    set_up(_signed_in(), andi)
    c = Client()
    response = sign_in(c)
    assert response.status_code == 302
    inbox = c.get("/inbox/")
    assert inbox.status_code == 302 and inbox["Location"].startswith("/masuk/kode/")
    api = c.get("/api/v1/tickets")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    bad = c.post("/masuk/kode/", {"code": "123456", "next": "/inbox/"})
    assert bad.status_code == 422 and "Kode salah" in bad.content.decode()
    assert SecurityEvent.objects.filter(kind="2fa_failed", user_id=andi.pk).exists()
    # past the 1 s wait, and in the next 30 s window (a code is accepted once)
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        good = c.post("/masuk/kode/", {"code": code_for(andi), "next": "/inbox/"})
        assert good.status_code == 302 and good["Location"] == "/inbox/"
        assert c.get("/inbox/").status_code == 200
        assert c.get("/api/v1/tickets").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_live_updates_socket_refuses_a_session_that_owes_the_code(andi: User) -> None:
    TOTPDevice.objects.create(user=andi, name="app", confirmed=True)
    assert not _socket_accepted(andi, {})
    assert _socket_accepted(andi, {twofactor.DEVICE_SESSION_KEY: "otp_totp.totpdevice/1"})


def test_a_recovery_code_works_once(andi: User) -> None:
    codes = set_up(_signed_in(), andi)
    first = Client()
    sign_in(first)
    assert first.post("/masuk/kode/", {"code": codes[0]}).status_code == 302
    assert first.get("/inbox/").status_code == 200
    again = Client()
    sign_in(again)
    assert again.post("/masuk/kode/", {"code": codes[0]}).status_code == 422
    assert SecurityEvent.objects.filter(kind="recovery_used", user_id=andi.pk).count() == 1


def test_guessing_codes_is_throttled(andi: User) -> None:
    set_up(_signed_in(), andi)
    c = Client()
    sign_in(c)
    start = timezone.now()
    waited = 0.0
    for miss in range(5):  # each wrong code waits out the delay the one before it set
        waited += 2**miss
        with time_machine.travel(start + timedelta(seconds=waited), tick=False):
            assert c.post("/masuk/kode/", {"code": "000000"}).status_code == 422
    with time_machine.travel(start + timedelta(seconds=waited + 1), tick=False):
        refused = c.post("/masuk/kode/", {"code": code_for(andi)})
    assert refused.status_code == 422 and "Tunggu" in refused.content.decode()


def test_an_admin_makes_it_mandatory_for_a_role(andi: User, admin: User) -> None:
    staff = Client()
    staff.force_login(admin)
    saved = staff.post("/keamanan/2fa/", {"required": ["agent"]})
    assert saved.status_code == 302
    assert twofactor.required_for(andi)
    c = Client()
    sign_in(c)
    inbox = c.get("/inbox/")
    assert inbox.status_code == 302 and inbox["Location"].startswith("/akun/2fa/")
    assert "wajib" in c.get("/akun/2fa/").content.decode()
    set_up(c, andi)
    assert c.get("/inbox/").status_code == 200
    refused = c.post("/akun/2fa/", {"action": "remove", "password": PASSWORD})
    assert refused.status_code == 403 and twofactor.has_authenticator(andi)
    assert SecurityEvent.objects.filter(kind="settings_changed", actor_id=admin.pk).exists()


def test_an_admin_resets_a_lost_phone_and_the_user_may_turn_it_off(andi: User, admin: User) -> None:
    set_up(_signed_in(), andi)
    staff = Client()
    staff.force_login(admin)
    staff.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [andi.pk]},
    )
    assert not twofactor.has_authenticator(andi)
    assert SecurityEvent.objects.filter(kind="2fa_reset", user_id=andi.pk, actor_id=admin.pk)
    c = Client()
    sign_in(c)
    assert c.get("/inbox/").status_code == 200  # no code owed any more
    set_up(c, andi)
    off = c.post("/akun/2fa/", {"action": "remove", "password": PASSWORD})
    assert off.status_code == 302 and not twofactor.has_authenticator(andi)


def _signed_in() -> Client:
    c = Client()
    assert sign_in(c).status_code == 302
    return c


def _socket_accepted(user: User, session: dict[str, Any]) -> bool:
    async def connect() -> bool:
        comm = WebsocketCommunicator(InboxConsumer.as_asgi(), "/ws/inbox/")
        comm.scope["user"] = user
        comm.scope["session"] = session
        comm.scope["url_route"] = {"kwargs": {}}
        accepted, _ = await comm.connect()
        await comm.disconnect()
        return bool(accepted)

    return async_to_sync(connect)()
