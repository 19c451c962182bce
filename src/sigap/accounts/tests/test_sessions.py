"""Signed-in browsers are listed to their user, who can end one or all the others; an admin
signs someone out everywhere; a revoked token stops working at once in every process."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from sigap.accounts import services
from sigap.accounts.models import ApiToken, SecurityEvent, User, UserSession
from sigap.accounts.services import token_authenticate, token_create, user_create

pytestmark = pytest.mark.django_db
PASSWORD = "sandi-agen-2026"


@pytest.fixture(
    params=[
        "django.contrib.sessions.backends.db",  # embedded (no shared cache)
        "django.contrib.sessions.backends.cached_db",  # production, with Redis's cache
    ]
)
def andi(request: pytest.FixtureRequest, settings: Any, db: None) -> User:
    settings.SESSION_ENGINE = request.param
    cache.clear()
    return user_create(username="andi", password=PASSWORD, role="agent")


def browser(ip: str, agent: str) -> Client:
    c = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    assert c.post("/masuk/", {"username": "andi", "password": PASSWORD}).status_code == 302
    return c


def test_the_sessions_page_lists_browsers_and_ends_one(andi: User) -> None:
    laptop = browser("10.0.0.1", "Firefox di laptop")
    phone = browser("10.0.0.2", "Chrome di ponsel")
    html = laptop.get("/akun/sesi/").content.decode()
    assert "Firefox di laptop" in html and "Chrome di ponsel" in html
    assert "10.0.0.2" in html and "Perangkat ini" in html
    other = UserSession.objects.get(user=andi, ip="10.0.0.2")
    assert laptop.post("/akun/sesi/", {"session": other.session_key}).status_code == 302
    assert phone.get("/inbox/")["Location"].startswith("/masuk/")  # signed out at once
    assert laptop.get("/inbox/").status_code == 200
    assert SecurityEvent.objects.filter(kind="sessions_ended", user_id=andi.pk).exists()


def test_signing_out_everywhere_else_also_ends_sessions_it_never_listed(andi: User) -> None:
    laptop = browser("10.0.0.1", "Firefox")
    phone = browser("10.0.0.2", "Chrome")
    tablet = browser("10.0.0.3", "Safari")
    UserSession.objects.filter(ip="10.0.0.3").delete()  # signed in before sessions were listed
    assert laptop.post("/akun/sesi/", {"action": "others"}).status_code == 302
    assert laptop.get("/inbox/").status_code == 200  # this browser stays signed in
    assert phone.get("/inbox/")["Location"].startswith("/masuk/")
    assert tablet.get("/inbox/")["Location"].startswith("/masuk/")


def test_an_admin_signs_someone_out_everywhere(andi: User, admin: User) -> None:
    laptop = browser("10.0.0.1", "Firefox")
    staff = Client()
    staff.force_login(admin)
    staff.post(
        "/admin/accounts/user/", {"action": "sign_out_everywhere", "_selected_action": [andi.pk]}
    )
    assert laptop.get("/inbox/")["Location"].startswith("/masuk/")
    assert SecurityEvent.objects.filter(
        kind="sessions_ended", user_id=andi.pk, actor_id=admin.pk
    ).exists()


def test_a_token_revoked_in_another_process_stops_working_at_once(andi: User) -> None:
    raw = token_create(user=andi, name="integrasi")
    assert token_authenticate(raw) is not None  # checked and remembered in this process
    # another process revokes it: the row, and the shared generation (its forget_tokens)
    ApiToken.objects.filter(prefix=raw[:12]).update(revoked_at=timezone.now())
    generation = int(cache.get(services.GENERATION_KEY) or 0)
    cache.set(services.GENERATION_KEY, generation + 1, timeout=None)
    assert token_authenticate(raw) is None  # not 5 seconds later: now
