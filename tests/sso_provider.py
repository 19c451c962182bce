"""A real OpenID Connect provider for the single sign-on tests.

node's oidc-provider (``tests/oidc_provider/server.mjs``) runs as a subprocess on loopback,
once per test process: it signs ID tokens (RS256, a key made at its start), serves
discovery, JWKS, token and userinfo endpoints and a sign-in form that checks the password
of ``ACCOUNTS``. Each test registers its own client (dynamic client registration) for the
redirect URI it needs and points Sigap's settings at it (``sso_config``).

Needs Node.js and ``npm ci --prefix tests/oidc_provider`` (``.ci/run`` does it); without
them the tests that use the provider are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
PROVIDER_NAME = "Keycloak Contoh"
PASSWORD = "sandi-di-penyedia"


def _account(email: str, verified: bool | None = True, **extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"email": email, **extra}
    if verified is not None:
        claims["email_verified"] = verified
    return {"password": PASSWORD, "claims": claims}


# The people the provider knows, by login. Their emails are the provider's word; which of
# them Sigap knows is up to each test.
ACCOUNTS: dict[str, Any] = {
    "rina": _account("Rina@Contoh.ID", given_name="Rina", family_name="Wulandari"),
    "dewi": _account("dewi.lestari@contoh.id", given_name="Dewi", family_name="Lestari"),
    "tono": _account("tono@contoh.id", verified=False, name="Tono"),
    "tanpa": _account("tanpa@contoh.id", verified=None, name="Tanpa Status"),
    "eko": _account("eko@lain.example", given_name="Eko"),
    "sari": _account("sari@contoh.id", given_name="Sari"),
    "budi": _account("budi@contoh.id", given_name="Budi"),
    # Entra ID's way: no email_verified, the tenant's verified domain instead.
    "mira": _account("mira@contoh.id", verified=None, xms_edov=True, given_name="Mira"),
    "wati": {**_account("wati@contoh.id", given_name="Wati"), "userinfo_only": True},
}


@dataclass(frozen=True)
class Provider:
    issuer: str

    def register(self, redirect_uri: str) -> tuple[str, str]:
        """A new client for this redirect URI: its id and secret."""
        answer = httpx.post(
            f"{self.issuer}/reg",
            json={
                "redirect_uris": [redirect_uri],
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            timeout=10,
        )
        answer.raise_for_status()
        body = answer.json()
        return str(body["client_id"]), str(body["client_secret"])


# Node's start takes about 0.5 s of CPU. It once took longer than 20 s in a whole CI run,
# the machine's two cores shared with both test runs, their servers and browsers; and once
# a provider printed nothing for 60 s while the suite ran (2026-12-08, the old tree of an
# A/B run; not seen again in 16 starts under three busy loops, 0.6-1.2 s each). A start
# that has said nothing in 30 s is killed, its state kept for the report, and made once
# more.
START_TIMEOUT = 30.0
START_ATTEMPTS = 2


def _state(pid: int) -> str:
    """What the kernel says of a silent provider: its state and what it waits in."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError as exc:
        return f"(no /proc entry: {exc})"
    state = next((line for line in status.splitlines() if line.startswith("State:")), "")
    return f"{state.strip()}, waiting in {wchan or '?'}"


def _start() -> tuple[subprocess.Popen[str], str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no Node.js: the single sign-on tests run node's oidc-provider")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip(
            "oidc-provider is not installed: run `npm ci --prefix tests/oidc_provider` "
            "(.ci/run does)"
        )
    env = {**os.environ, "SIGAP_TEST_OIDC_ACCOUNTS": json.dumps(ACCOUNTS)}
    silent: list[str] = []
    for _ in range(START_ATTEMPTS):
        log = Path(tempfile.mkstemp(prefix="sigap-oidc-provider-", suffix=".log")[1])
        with log.open("w") as err:
            proc = subprocess.Popen(
                [node, "server.mjs"],
                cwd=PROVIDER_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        assert proc.stdout is not None
        started = time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
        line = proc.stdout.readline() if ready else ""
        if line:
            if silent and sys.__stderr__ is not None:  # in the run's output, uncaptured
                said = silent[0].strip().replace("\n", " ")
                sys.__stderr__.write(f"The OpenID provider started again: the first {said}\n")
            return proc, str(json.loads(line)["issuer"]), log
        waited = time.monotonic() - started
        state = _state(proc.pid) if proc.poll() is None else f"exited {proc.returncode}"
        proc.kill()
        proc.wait()
        proc.stdout.close()
        silent.append(f"said nothing in {waited:.1f} s, {state}:\n{log.read_text()}")
        log.unlink(missing_ok=True)
    pytest.fail("the OpenID provider did not start:\n" + "\n".join(silent))


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    proc, issuer, log = _start()
    try:
        yield Provider(issuer)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        log.unlink(missing_ok=True)


SsoConfigure = Callable[..., Provider]


@pytest.fixture
def sso_config(oidc_provider: Provider, settings: Any) -> SsoConfigure:
    """``sso_config(redirect_uri, **overrides)``: registers a client for the redirect URI
    and configures Sigap for the provider (agents of contoh.id, no provisioning)."""

    def configure(redirect_uri: str, **overrides: Any) -> Provider:
        client_id, secret = oidc_provider.register(redirect_uri)
        values: dict[str, Any] = {
            "SIGAP_OIDC_ISSUER": oidc_provider.issuer,
            "SIGAP_OIDC_CLIENT_ID": client_id,
            "SIGAP_OIDC_CLIENT_SECRET": secret,
            "SIGAP_OIDC_SCOPES": ["openid", "email", "profile"],
            "SIGAP_OIDC_PROVIDER_NAME": PROVIDER_NAME,
            "SIGAP_OIDC_ALLOWED_DOMAINS": ["contoh.id"],
            "SIGAP_OIDC_AUTO_PROVISION": False,
            "SIGAP_OIDC_DEFAULT_ROLE": "agent",
            "SIGAP_OIDC_DEFAULT_TEAM": "",
        }
        values.update({f"SIGAP_OIDC_{k.upper()}": v for k, v in overrides.items()})
        for name, value in values.items():
            setattr(settings, name, value)
        return oidc_provider

    return configure


def sign_in_at_provider(authorize_url: str, login: str, password: str = PASSWORD) -> str:
    """What a browser does at the provider, over HTTP: open the authorization URL, submit
    the sign-in form, follow the provider's redirects. Returns the URL it sends the browser
    back to (Sigap's callback with ``code`` and ``state``)."""
    provider = urlsplit(authorize_url).netloc
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        answer = browser.get(authorize_url)
        for _ in range(10):
            if answer.is_redirect:
                target = urljoin(str(answer.url), answer.headers["location"])
                if urlsplit(target).netloc != provider:
                    return target
                answer = browser.get(target)
                continue
            form = re.search(r'<form method="post" action="([^"]+)"', answer.text)
            assert answer.status_code == 200 and form, answer.text
            if "Wrong login or password" in answer.text:
                raise AssertionError(f"the provider refused {login}'s password")
            answer = browser.post(
                urljoin(str(answer.url), form.group(1)),
                data={"login": login, "password": password},
            )
    raise AssertionError("the provider never sent the browser back")
