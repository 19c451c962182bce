"""2FA probe: a session that gave only the password reaches nothing, and the code page
sends nowhere off-site (a security review's checks, kept as guards)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.accounts.models import User

pytestmark = pytest.mark.django_db

PATHS = [
    "/",
    "/admin/",
    "/api/v1/me",
    "/keamanan/log/?format=csv",
    "/akun/2fa/",
    "/akun/sesi/",
    "/chat/",
    "/masuk/sso/",
    "/portal/",
    "/notifikasi/",
]


def test_password_only_session(admin: User) -> None:
    TOTPDevice.objects.create(user=admin, name="x", confirmed=True)
    c = Client()
    assert c.post("/masuk/", {"username": "admin", "password": "rahasia-admin"}).status_code == 302
    for p in PATHS:
        r = c.get(p)
        loc = r.get("Location", "")
        assert r.status_code in (302, 403, 404, 405), (p, r.status_code)
        if r.status_code == 302:
            assert loc.startswith("/masuk/kode/") or p.startswith("/masuk/sso"), (p, loc)
    for bad in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https:/evil.example",
        " //evil.example",
        "/%09/evil.example",
    ]:
        r = c.post("/masuk/kode/", {"code": "000000", "next": bad})
        assert "evil" not in r.get("Location", ""), bad
    dev = TOTPDevice.objects.get(user=admin)
    dev.throttle_reset()
    r = c.post("/masuk/kode/", {"code": totp(dev.bin_key), "next": "//evil.example"})
    assert r.status_code == 302 and "evil" not in r["Location"], r.get("Location")
