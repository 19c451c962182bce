"""Signing in to a mailbox's servers: the incoming one (IMAP or POP3) and its SMTP server,
with a password or with OAuth2 (XOAUTH2, Google Workspace and Microsoft 365).

The secrets come from ``Secrets``: the stored, encrypted values (``core.secretbox``) or the
environment variable named by ``password_env`` (the older way). The same functions serve
the worker's poll, the replies' SMTP connection and the settings page's "test connection",
which runs them on the values typed into the form before anything is saved.
"""

from __future__ import annotations

import base64
import imaplib
import os
import poplib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from django.utils.translation import gettext as _

from sigap.connectors.models import MailAuth, Mailbox, MailProtocol, MailSecurity
from sigap.core import secretbox

TIMEOUT = 30


class MailboxError(Exception):
    """The mailbox cannot be used: a missing secret, a refused sign-in, a token refused."""


@dataclass(frozen=True)
class Secrets:
    password: str = ""
    smtp_password: str = ""
    client_secret: str = ""
    refresh_token: str = ""


def stored_secrets(mailbox: Mailbox) -> Secrets:
    """The mailbox's secrets: the stored ones decrypted; the password from its environment
    variable when none is stored. ``MailboxError`` when a stored one cannot be read."""
    try:
        password = secretbox.open_(mailbox.password_sealed)
        smtp_password = secretbox.open_(mailbox.smtp_password_sealed)
        client_secret = secretbox.open_(mailbox.oauth_client_secret_sealed)
        refresh_token = secretbox.open_(mailbox.oauth_refresh_token_sealed)
    except secretbox.SecretUnreadable as exc:
        raise MailboxError(str(exc)) from exc
    if not password and mailbox.password_env:
        password = os.environ.get(mailbox.password_env, "")
    return Secrets(password, smtp_password, client_secret, refresh_token)


def password(mailbox: Mailbox, secrets: Secrets) -> str:
    if secrets.password:
        return secrets.password
    if mailbox.password_env:
        raise MailboxError(
            _("variabel lingkungan %(name)s kosong") % {"name": mailbox.password_env}
        )
    raise MailboxError(_("kata sandi kotak surat belum diisi"))


# --- OAuth2 ----------------------------------------------------------------------------------


def access_token(mailbox: Mailbox, secrets: Secrets) -> str:
    """A fresh access token for the mailbox: its refresh token exchanged at the provider's
    token endpoint (RFC 6749 section 6). ``MailboxError`` with the provider's answer."""
    if not mailbox.oauth_token_url:
        raise MailboxError(_("alamat token OAuth2 belum diisi"))
    if not secrets.refresh_token:
        raise MailboxError(_("refresh token OAuth2 belum ada: masuk dengan akun penyedia dahulu"))
    form = {
        "grant_type": "refresh_token",
        "refresh_token": secrets.refresh_token,
        "client_id": mailbox.oauth_client_id,
    }
    if secrets.client_secret:
        form["client_secret"] = secrets.client_secret
    try:
        response = httpx.post(mailbox.oauth_token_url, data=form, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise MailboxError(
            _("penyedia OAuth2 tidak dapat dihubungi (%(kind)s): %(why)s")
            % {"kind": type(exc).__name__, "why": exc}
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    token = body.get("access_token") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(token, str) or not token:
        detail = ""
        if isinstance(body, dict):
            detail = " ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))
        detail = detail or response.text[:200]
        raise MailboxError(
            _("penyedia OAuth2 menolak refresh token (HTTP %(status)s): %(detail)s")
            % {"status": response.status_code, "detail": detail}
        )
    return token


def _oauth_error(body: object) -> str:
    """RFC 6749 section 5.2's ``error`` and ``error_description``."""
    if not isinstance(body, dict):
        return ""
    return " ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))


def exchange_code(
    mailbox: Mailbox, secrets: Secrets, *, code: str, redirect_uri: str, verifier: str
) -> str:
    """The refresh token for an authorization code the provider sent back after the admin
    signed in (RFC 6749 section 4.1.3, with PKCE, RFC 7636). ``MailboxError`` with the
    provider's answer."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": mailbox.oauth_client_id,
        "code_verifier": verifier,
    }
    if secrets.client_secret:
        form["client_secret"] = secrets.client_secret
    try:
        response = httpx.post(mailbox.oauth_token_url, data=form, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise MailboxError(
            _("penyedia OAuth2 tidak dapat dihubungi (%(kind)s): %(why)s")
            % {"kind": type(exc).__name__, "why": exc}
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    token = body.get("refresh_token") if isinstance(body, dict) else None
    if response.status_code != 200:
        detail = " ".join(
            str(body[k])
            for k in ("error", "error_description")
            if isinstance(body, dict) and body.get(k)
        )
        raise MailboxError(
            _("penyedia OAuth2 menolak kode persetujuan (HTTP %(status)s): %(detail)s")
            % {"status": response.status_code, "detail": detail or response.text[:200]}
        )
    if not isinstance(token, str) or not token:
        raise MailboxError(
            _(
                "penyedia OAuth2 tidak memberi refresh token (Google: izinkan akses offline; "
                "Microsoft: cakupan offline_access)"
            )
        )
    return token


def xoauth2(user: str, token: str) -> bytes:
    """The XOAUTH2 initial client response (Google's and Microsoft's SASL XOAUTH2)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


class _Once:
    """IMAP ``authenticate``'s callback: the XOAUTH2 response first; then an empty answer
    to the server's error challenge (kept in ``error``: Google's and Dovecot's JSON with
    the status), so that the server ends with its NO and its text."""

    def __init__(self, response: bytes) -> None:
        self.response: bytes | None = response
        self.error = ""

    def __call__(self, challenge: bytes) -> bytes:
        if self.response is None:
            self.error = challenge.decode("utf-8", errors="replace")
            return b""
        response, self.response = self.response, None
        return response


# --- incoming ---------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    if isinstance(value, list):
        return " ".join(_text(v) for v in value if v is not None)
    return str(value).strip()


def open_imap(
    mailbox: Mailbox, secrets: Secrets, log: Callable[[str], None] | None = None
) -> imaplib.IMAP4:
    """A signed-in IMAP connection (``log`` receives the server's greeting and answers)."""
    say = log or (lambda _: None)
    if mailbox.security == MailSecurity.SSL:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, timeout=TIMEOUT)
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
    say(_text(conn.welcome))
    try:
        if mailbox.security == MailSecurity.STARTTLS:
            started = conn.starttls(ssl.create_default_context())
            say(f"STARTTLS: {started[0]} {_text(started[1])}")
        answer: tuple[str, Any]
        if mailbox.auth == MailAuth.OAUTH2:
            once = _Once(xoauth2(mailbox.username, access_token(mailbox, secrets)))
            try:
                answer = conn.authenticate("XOAUTH2", once)
            except imaplib.IMAP4.error as exc:
                if not once.error:
                    raise
                raise imaplib.IMAP4.error(f"{_text(exc.args[0])} {once.error}") from exc
        else:
            answer = conn.login(mailbox.username, password(mailbox, secrets))
        say(f"{answer[0]} {_text(answer[1])}")
    except BaseException:
        conn.shutdown()
        raise
    return conn


def _pop3_auth_xoauth2(conn: poplib.POP3, response: bytes) -> bytes:
    encoded = base64.b64encode(response).decode("ascii")
    return conn._shortcmd(f"AUTH XOAUTH2 {encoded}")  # type: ignore[attr-defined,no-any-return]


def open_pop3(
    mailbox: Mailbox, secrets: Secrets, log: Callable[[str], None] | None = None
) -> poplib.POP3:
    say = log or (lambda _: None)
    if mailbox.security == MailSecurity.SSL:
        conn: poplib.POP3 = poplib.POP3_SSL(mailbox.host, mailbox.port, timeout=TIMEOUT)
    else:
        conn = poplib.POP3(mailbox.host, mailbox.port, timeout=TIMEOUT)
    say(_text(conn.getwelcome()))
    try:
        if mailbox.security == MailSecurity.STARTTLS:
            say(_text(conn.stls(ssl.create_default_context())))
        if mailbox.auth == MailAuth.OAUTH2:
            say(
                _text(
                    _pop3_auth_xoauth2(
                        conn, xoauth2(mailbox.username, access_token(mailbox, secrets))
                    )
                )
            )
        else:
            conn.user(mailbox.username)
            say(_text(conn.pass_(password(mailbox, secrets))))
    except BaseException:
        conn.close()
        raise
    return conn


# --- outgoing ---------------------------------------------------------------------------------


def smtp_login(conn: smtplib.SMTP, mailbox: Mailbox, secrets: Secrets) -> tuple[int, bytes]:
    """Sign in on an open SMTP connection as the mailbox (its SMTP user, else its user)."""
    user = mailbox.smtp_username or mailbox.username
    if mailbox.auth == MailAuth.OAUTH2:
        response = xoauth2(user, access_token(mailbox, secrets)).decode()
        conn.ehlo_or_helo_if_needed()
        return conn.auth("XOAUTH2", lambda challenge=None: response, initial_response_ok=True)
    secret = secrets.smtp_password or password(mailbox, secrets)
    return conn.login(user, secret)


def open_smtp(
    mailbox: Mailbox,
    secrets: Secrets,
    log: Callable[[str], None] | None = None,
    timeout: float = TIMEOUT,
) -> smtplib.SMTP:
    """A signed-in connection to the mailbox's SMTP server."""
    say = log or (lambda _: None)
    if not mailbox.smtp_host:
        raise MailboxError(_("server SMTP belum diisi"))
    if mailbox.smtp_security == MailSecurity.SSL:
        conn: smtplib.SMTP = smtplib.SMTP_SSL(timeout=timeout, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(timeout=timeout)
    try:
        code, greeting = conn.connect(mailbox.smtp_host, mailbox.smtp_port)
        say(f"{code} {_text(greeting)}")
        if mailbox.smtp_security == MailSecurity.STARTTLS:
            conn.ehlo()
            code, answer = conn.starttls(context=ssl.create_default_context())
            say(f"STARTTLS: {code} {_text(answer)}")
            conn.ehlo()
        code, answer = smtp_login(conn, mailbox, secrets)
        say(f"{code} {_text(answer)}")
    except BaseException:
        conn.close()
        raise
    return conn


# --- the settings page's test -----------------------------------------------------------------


@dataclass
class Check:
    """One server tested: its kind (IMAP, POP3, SMTP), whether signing in worked, and the
    server's own words (greeting, answers, or the error it gave)."""

    server: str
    ok: bool
    lines: list[str]


def _failure(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, imaplib.IMAP4.error | poplib.error_proto):
        return _text(exc.args[0] if exc.args else exc)
    if isinstance(exc, MailboxError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def check_incoming(mailbox: Mailbox, secrets: Secrets) -> Check:
    lines: list[str] = []
    server = "IMAP" if mailbox.protocol == MailProtocol.IMAP else "POP3"
    where = f"{server} {mailbox.host}:{mailbox.port}"
    try:
        if mailbox.protocol == MailProtocol.IMAP:
            conn = open_imap(mailbox, secrets, lines.append)
            try:
                typ, data = conn.select(mailbox.folder, readonly=True)
                if typ != "OK":
                    lines.append(f"{typ} {_text(data)}")
                    return Check(where, False, lines)
                lines.append(f"{mailbox.folder}: {_text(data)}")
            finally:
                conn.logout()
        else:
            pop = open_pop3(mailbox, secrets, lines.append)
            pop.quit()
    except (MailboxError, imaplib.IMAP4.error, poplib.error_proto, OSError, httpx.HTTPError) as exc:
        lines.append(_failure(exc))
        return Check(where, False, lines)
    return Check(where, True, lines)


def check_smtp(mailbox: Mailbox, secrets: Secrets) -> Check:
    lines: list[str] = []
    where = f"SMTP {mailbox.smtp_host}:{mailbox.smtp_port}"
    try:
        conn = open_smtp(mailbox, secrets, lines.append)
        conn.quit()
    except (MailboxError, smtplib.SMTPException, OSError) as exc:
        lines.append(_failure(exc))
        return Check(where, False, lines)
    return Check(where, True, lines)


def check(mailbox: Mailbox, secrets: Secrets) -> list[Check]:
    """Sign in to the mailbox's incoming server and, when it has one, its SMTP server."""
    results = [check_incoming(mailbox, secrets)]
    if mailbox.smtp_host:
        results.append(check_smtp(mailbox, secrets))
    return results
