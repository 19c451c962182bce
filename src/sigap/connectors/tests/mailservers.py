"""Real mail servers on loopback for the mailbox tests: Dovecot (Debian's package; IMAP and
POP3, a passwd-file user and, when asked, XOAUTH2 through Dovecot's oauth2 passdb), a local
OAuth2 provider (the token endpoint and the introspection endpoint Dovecot asks), and an
aiosmtpd SMTP server that signs in with a password (PLAIN, LOGIN) or XOAUTH2."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "cs@belanjaku.test", "rahasia-kotak-surat"
CLIENT_ID, CLIENT_SECRET = "sigap-uji.apps.example", "rahasia-klien-oauth"
REFRESH_TOKEN = "1//refresh-token-uji"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- OAuth2 provider ----------------------------------------------------------------------


@dataclass
class OAuthProvider:
    """The provider's token endpoint (refresh token → access token, RFC 6749 section 6,
    answered as Google and Microsoft do) and a token introspection endpoint (RFC 7662)
    that Dovecot's oauth2 passdb asks about each access token."""

    issued: dict[str, str] = field(default_factory=dict)  # access token → user
    # authorization code → (PKCE code challenge, redirect URI): what /authorize granted
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> OAuthProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                provider.requests.append({"path": [self.path], **form})
                status, body = provider.answer(self.path, form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        def one(name: str) -> str:
            return form.get(name, [""])[0]

        if path == "/token" and one("grant_type") == "authorization_code":
            granted = self.codes.pop(one("code"), None)
            digest = hashlib.sha256(one("code_verifier").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if granted is None or granted != (challenge, one("redirect_uri")):
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Malformed auth code.",
                }
            if (one("client_id"), one("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
            token = f"ya29.uji-{len(self.issued) + 1}"
            self.issued[token] = USER
            return 200, {
                "access_token": token,
                "refresh_token": REFRESH_TOKEN,
                "expires_in": 3599,
                "scope": "https://mail.google.com/",
                "token_type": "Bearer",
            }
        if path == "/token":
            if one("grant_type") != "refresh_token" or one("client_id") != CLIENT_ID:
                return 400, {"error": "invalid_request"}
            if one("client_secret") != CLIENT_SECRET:
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
            if one("refresh_token") != REFRESH_TOKEN:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            token = f"ya29.uji-{len(self.issued) + 1}"
            self.issued[token] = USER
            return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        if path == "/introspect":
            user = self.issued.get(one("token"))
            return 200, ({"active": True, "email": user} if user else {"active": False})
        return 404, {"error": "not_found"}


# --- Dovecot ------------------------------------------------------------------------------


@dataclass
class Dovecot:
    imap: int
    pop3: int
    base: Path


@contextmanager
def dovecot(oauth: OAuthProvider | None = None) -> Iterator[Dovecot]:
    """A Dovecot on loopback; with ``oauth``, XOAUTH2 and OAUTHBEARER checked by asking
    the provider's introspection endpoint about the token."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)")
    if os.geteuid() != 0:
        pytest.skip("the Dovecot test server needs root to drop to its service users")
    # Not pytest's tmp_path: its root is private (0700) and Dovecot's users must read here.
    base = Path(tempfile.mkdtemp(prefix="sigap-dovecot-"))
    (base / "run").mkdir()
    (base / "mail").mkdir()
    shutil.chown(base / "mail", "mail", "mail")
    for d in (base, base / "run"):
        d.chmod(0o755)
    (base / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    mechanisms = "plain login"
    oauth_passdb = ""
    if oauth is not None:
        mechanisms += " xoauth2 oauthbearer"
        ext = base / "dovecot-oauth2.conf.ext"
        ext.write_text(
            f"introspection_mode = post\nintrospection_url = {oauth.base_url}/introspect\n"
            "username_attribute = email\nactive_attribute = active\nactive_value = true\n"
        )
        ext.chmod(0o644)
        oauth_passdb = f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {ext}
}}
"""
    conf = base / "dovecot.conf"

    def configure(imap: int, pop3: int) -> None:
        conf.write_text(
            f"""protocols = imap pop3
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/run
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
# No two-second pause after a failed login (the wrong-password tests make some).
auth_failure_delay = 0
auth_mechanisms = {mechanisms}
mail_location = maildir:{base}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 1
{oauth_passdb}passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
}}
"""
        )

    # The ports are free when chosen, but another test's server may take one before
    # Dovecot binds it (Dovecot then exits with 89, "address already in use"): new ports.
    why = ""
    for _attempt in range(4):
        imap, pop3 = free_port(), free_port()
        if imap == pop3:
            continue
        configure(imap, pop3)
        # its errors to a file: the daemon it leaves running would hold a pipe open
        with open(base / "start.err", "w+") as err:
            started = subprocess.run(
                [DOVECOT, "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            err.seek(0)
            why = f"exit {started.returncode}: {err.read().strip()}"
        if started.returncode == 0:
            break
    else:
        pytest.fail(f"Dovecot did not start in four tries ({why})")
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", imap), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Dovecot(imap, pop3, base)
    finally:
        subprocess.run(
            [DOVECOT, "-c", str(conf), "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


# --- SMTP -----------------------------------------------------------------------------------


class SmtpHandler:
    """Accepts mail after a sign-in: PLAIN/LOGIN with the user's password, or XOAUTH2 with
    a token the OAuth2 provider issued (asked directly, as a real server would)."""

    def __init__(self, oauth: OAuthProvider | None = None) -> None:
        self.oauth = oauth
        self.received: list[tuple[str, list[str], bytes, Any]] = []

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) < 2:
            return AuthResult(
                success=False, handled=False, message="501 5.5.2 initial response required"
            )
        fields = base64.b64decode(args[1]).decode().split("\x01")
        user = fields[0].removeprefix("user=")
        token = next((f.removeprefix("auth=Bearer ") for f in fields if f.startswith("auth=")), "")
        if self.oauth is not None and self.oauth.issued.get(token) == user:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
        )

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.auth_data)
        )
        return "250 2.0.0 Ok: queued"


def _password_check(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=data.login.decode() if ok else None)


@contextmanager
def smtp_server(oauth: OAuthProvider | None = None) -> Iterator[tuple[int, SmtpHandler]]:
    handler = SmtpHandler(oauth)
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_password_check,
        auth_require_tls=False,
        ident="smtp.belanjaku.test ESMTP uji",
    )
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()
