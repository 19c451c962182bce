"""In chromium: the sign-in page's "Masuk dengan …" link, the provider's own sign-in form
(node's oidc-provider on loopback, ``tests/sso_provider.py``), and back in Sigap signed in
as the agent with that verified email, the inbox on screen; nothing is blocked by the
Content-Security-Policy on the way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Role, SecurityEvent, SecurityKind, Team, User
from sigap.accounts.services import team_create, user_create
from tests.sso_provider import PASSWORD, PROVIDER_NAME, SsoConfigure

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def rina(db: None) -> User:
    rina = user_create(
        username="rina.agen",
        password="rahasia-agen",
        role=Role.AGENT,
        first_name="Rina",
        email="rina@contoh.id",
    )
    team_create(name="Pengiriman", slug="pengiriman", members=[rina])
    return rina


def test_an_agent_signs_in_through_the_provider_and_sees_the_inbox(
    server: str, browser: Any, sso_config: SsoConfigure, rina: User, artifacts: Path
) -> None:
    provider = sso_config(f"{server}/masuk/sso/selesai/")
    ctx = browser.new_context()
    page = ctx.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{server}/masuk/")
    page.screenshot(path=str(artifacts / "sso-login.png"))
    page.get_by_role("link", name=f"Masuk dengan {PROVIDER_NAME}").click()
    page.wait_for_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.get_by_label("Login").fill("rina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/inbox/")

    assert page.locator(".topbar .who").inner_text() == "Rina"
    assert page.get_by_role("complementary", name="Tampilan tersimpan").is_visible()
    assert page.get_by_role("search", name="Saring tiket").is_visible()
    page.screenshot(path=str(artifacts / "sso-inbox.png"))
    ctx.close()
    assert blocked == []
    assert Team.objects.get(slug="pengiriman").members.get() == rina
    [sign_in] = SecurityEvent.objects.filter(kind=SecurityKind.SIGN_IN)
    assert (sign_in.user_id, sign_in.detail) == (rina.pk, f"SSO: {PROVIDER_NAME}")
    assert sign_in.ip == "127.0.0.1"
