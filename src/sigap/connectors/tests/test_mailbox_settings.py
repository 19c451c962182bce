"""Mailboxes set up on Sigap's own settings page (admins only): the password stored
encrypted, the "test connection" button showing the servers' own answers, a wrong
password refused with nothing saved, the audit record without the secret, and the worker
polling a mailbox configured this way. Against a real Dovecot and SMTP server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import SecurityEvent, SecurityKind, User
from sigap.connectors.email.inbound import ingest
from sigap.connectors.email.poll import poll
from sigap.connectors.models import Mailbox
from sigap.connectors.tests import mailservers
from sigap.connectors.tests.mailservers import PASSWORD, USER, Dovecot, OAuthProvider, SmtpHandler
from sigap.connectors.tests.test_mail_poll import deliver, message
from sigap.core import secretbox
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NEW = "/settings/channels/mailboxes/new/"


@pytest.fixture(scope="module")
def oauth() -> Iterator[OAuthProvider]:
    provider = OAuthProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def dovecot(oauth: OAuthProvider) -> Iterator[Dovecot]:
    with mailservers.dovecot(oauth) as server:
        yield server


@pytest.fixture(scope="module")
def smtp(oauth: OAuthProvider) -> Iterator[tuple[int, SmtpHandler]]:
    with mailservers.smtp_server(oauth) as server:
        yield server


@pytest.fixture
def as_admin(client: Client, admin: User) -> Client:
    client.force_login(admin)
    return client


def form(dovecot: Dovecot, smtp_port: int | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "CS Belanjaku",
        "address": USER,
        "protocol": "imap",
        "host": "127.0.0.1",
        "port": dovecot.imap,
        "security": "none",
        "username": USER,
        "auth": "password",
        "password": PASSWORD,
        "password_env": "",
        "folder": "INBOX",
        "oauth_token_url": "",
        "oauth_client_id": "",
        "smtp_host": "127.0.0.1" if smtp_port else "",
        "smtp_port": smtp_port or 587,
        "smtp_security": "none",
        "smtp_username": "",
        "active": "on",
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def settings_events() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).order_by("id"))


def test_the_test_button_shows_each_servers_answer_and_saves_nothing(
    as_admin: Client, dovecot: Dovecot, smtp: tuple[int, SmtpHandler]
) -> None:
    response = as_admin.post(NEW, form(dovecot, smtp[0], action="test"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dovecot (Debian) ready." in page  # the IMAP greeting
    assert "OK Logged in" in page
    assert f"SMTP 127.0.0.1:{smtp[0]}: berhasil masuk" in page
    assert "235 2.7.0 Authentication successful" in page
    assert PASSWORD not in page  # the typed password is not rendered back
    assert not Mailbox.objects.exists() and settings_events() == []


def test_an_admin_saves_a_mailbox_and_the_password_is_stored_encrypted(
    as_admin: Client, dovecot: Dovecot, smtp: tuple[int, SmtpHandler]
) -> None:
    response = as_admin.post(NEW, form(dovecot, smtp[0], sends_replies="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    box = Mailbox.objects.get()
    with connection.cursor() as cursor:
        table = Mailbox._meta.db_table
        cursor.execute(f"SELECT * FROM {table}")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert PASSWORD not in row
    assert box.password_sealed.startswith("fernet:")
    assert secretbox.open_(box.password_sealed) == PASSWORD
    (event,) = settings_events()
    assert event.detail == "kotak surat “CS Belanjaku” dibuat"
    assert event.data["changes"]["host"] == [None, "127.0.0.1"]
    assert event.data["secrets_changed"] == {"password": "••••••"}
    assert PASSWORD not in json.dumps(event.data) and PASSWORD not in event.detail


def test_a_wrong_password_shows_the_servers_answer_and_saves_nothing(
    as_admin: Client, dovecot: Dovecot
) -> None:
    response = as_admin.post(NEW, form(dovecot, password="salah-sandi"))
    assert response.status_code == 422
    page = response.content.decode()
    assert (
        f"Gagal masuk ke IMAP 127.0.0.1:{dovecot.imap}: [AUTHENTICATIONFAILED] "
        "Authentication failed.. Tidak ada yang disimpan."
    ) in page.replace("&quot;", '"')
    assert not Mailbox.objects.exists() and settings_events() == []


def test_a_wrong_smtp_password_is_refused_with_the_smtp_answer(
    as_admin: Client, dovecot: Dovecot, smtp: tuple[int, SmtpHandler]
) -> None:
    response = as_admin.post(NEW, form(dovecot, smtp[0], smtp_password="salah"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "535 5.7.8 Authentication credentials invalid" in page
    assert "OK Logged in" in page  # the IMAP side worked, and says so
    assert not Mailbox.objects.exists() and settings_events() == []


def test_pop3_is_tested_too(as_admin: Client, dovecot: Dovecot) -> None:
    response = as_admin.post(NEW, form(dovecot, protocol="pop3", port=dovecot.pop3, action="test"))
    page = response.content.decode()
    assert response.status_code == 200, page[:2000]
    assert "+OK Dovecot (Debian) ready." in page and "+OK Logged in." in page


def test_missing_values_are_precise_and_nothing_is_saved(
    as_admin: Client, dovecot: Dovecot
) -> None:
    response = as_admin.post(NEW, form(dovecot, password="", port=70000, sends_replies="on"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Port antara 1 dan 65535." in page
    response = as_admin.post(NEW, form(dovecot, password="", sends_replies="on"))
    page = response.content.decode()
    assert "Isi kata sandi kotak surat (atau nama variabel lingkungan yang memuatnya)." in page
    assert "Isi server SMTP agar kotak surat ini dapat mengirim balasan." in page
    assert not Mailbox.objects.exists()


def test_editing_keeps_the_stored_password_unless_a_new_one_is_typed(
    as_admin: Client, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGAP_TEST_MAIL_PASSWORD", PASSWORD)
    box = Mailbox.objects.create(
        name="Lama",
        host="127.0.0.1",
        port=dovecot.imap,
        security="none",
        username=USER,
        password_env="SIGAP_TEST_MAIL_PASSWORD",
    )
    url = f"/settings/channels/mailboxes/{box.pk}/"
    # the environment variable still works: saved without typing a password
    data = form(dovecot, name="Lama", password="", password_env="SIGAP_TEST_MAIL_PASSWORD")
    assert as_admin.post(url, data).status_code == 302
    box.refresh_from_db()
    assert (box.password_env, box.password_sealed) == ("SIGAP_TEST_MAIL_PASSWORD", "")
    # a typed password is stored encrypted and replaces the variable
    assert as_admin.post(url, form(dovecot, name="Lama")).status_code == 302
    box.refresh_from_db()
    assert box.password_env == "" and secretbox.open_(box.password_sealed) == PASSWORD
    sealed = box.password_sealed
    # a later change without a password keeps it
    assert (
        as_admin.post(url, form(dovecot, name="Lama", password="", folder="INBOX")).status_code
        == 302
    )
    box.refresh_from_db()
    assert box.password_sealed == sealed
    # a wrong new one changes nothing
    response = as_admin.post(url, form(dovecot, name="Baru", password="salah"))
    assert response.status_code == 422
    box.refresh_from_db()
    assert (box.name, box.password_sealed) == ("Lama", sealed)
    # the saved mailbox's own test button
    response = as_admin.post(f"{url}test/")
    assert response.status_code == 200 and "OK Logged in" in response.content.decode()


def test_a_mailbox_set_up_on_the_page_is_polled_into_tickets(
    as_admin: Client, dovecot: Dovecot
) -> None:
    assert as_admin.post(NEW, form(dovecot)).status_code == 302
    deliver(dovecot.imap, message(71))
    result = poll(Mailbox.objects.get())
    assert (result.error, result.statuses) == ("", {"created": 1})
    assert Ticket.objects.get().subject == "Pesanan 71 belum datang"


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_open_or_change_mailboxes(
    client: Client, who: str, request: pytest.FixtureRequest, dovecot: Dovecot
) -> None:
    client.force_login(request.getfixturevalue(who))
    box = Mailbox.objects.create(name="CS", host="127.0.0.1", username=USER, password_env="X")
    pages = [
        "/settings/channels/",
        NEW,
        f"/settings/channels/mailboxes/{box.pk}/",
    ]
    for url in pages:
        assert client.get(url).status_code == 403
        assert client.post(url, form(dovecot, name="Diubah")).status_code == 403
    assert client.post(f"/settings/channels/mailboxes/{box.pk}/test/").status_code == 403
    assert list(Mailbox.objects.values_list("name", flat=True)) == ["CS"]
    assert settings_events() == []


def test_the_channels_page_lists_mailboxes_in_a_fixed_number_of_queries(
    as_admin: Client, django_assert_max_num_queries: Any
) -> None:
    Mailbox.objects.create(name="CS", host="127.0.0.1", username="u", password_env="X")
    with CaptureQueriesContext(connection) as one:
        as_admin.get("/settings/channels/")
    for n in range(5):
        Mailbox.objects.create(name=f"CS {n}", host="127.0.0.1", username=f"u{n}", password_env="X")
    with django_assert_max_num_queries(len(one)):
        response = as_admin.get("/settings/channels/")
    assert response.status_code == 200
    assert response.content.decode().count("data-mailbox=") == 6


# --- OAuth2 (XOAUTH2): Dovecot's oauth2 passdb asks the local provider about the token ----


def oauth_form(dovecot: Dovecot, oauth: OAuthProvider, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "auth": "oauth2",
        "password": "",
        "oauth_token_url": f"{oauth.base_url}/token",
        "oauth_client_id": mailservers.CLIENT_ID,
        "client_secret": mailservers.CLIENT_SECRET,
        "refresh_token": mailservers.REFRESH_TOKEN,
    }
    values.update(overrides)
    return form(dovecot, **values)


def test_an_oauth2_mailbox_signs_in_with_xoauth2_on_imap_and_smtp(
    as_admin: Client, dovecot: Dovecot, oauth: OAuthProvider, smtp: tuple[int, SmtpHandler]
) -> None:
    data = oauth_form(dovecot, oauth, smtp_host="127.0.0.1", smtp_port=smtp[0])
    response = as_admin.post(NEW, {**data, "action": "test"})
    page = response.content.decode()
    assert response.status_code == 200, page[:3000]
    assert "OK Logged in" in page and "235 2.7.0 Authentication successful" in page
    assert as_admin.post(NEW, data).status_code == 302
    box = Mailbox.objects.get()
    assert secretbox.open_(box.oauth_refresh_token_sealed) == mailservers.REFRESH_TOKEN
    assert secretbox.open_(box.oauth_client_secret_sealed) == mailservers.CLIENT_SECRET
    (event,) = settings_events()
    assert event.data["secrets_changed"] == {"client_secret": "••••••", "refresh_token": "••••••"}
    assert mailservers.REFRESH_TOKEN not in json.dumps(event.data)
    token_requests = [r for r in oauth.requests if r["path"] == ["/token"]]
    assert token_requests[-1]["grant_type"] == ["refresh_token"]
    # the worker polls it with XOAUTH2 too
    deliver(dovecot.imap, message(81))
    result = poll(box)
    assert (result.error, result.statuses) == ("", {"created": 1})
    assert "method=XOAUTH2" in (dovecot.base / "dovecot.log").read_text()


def test_a_refused_refresh_token_gives_the_providers_answer_and_saves_nothing(
    as_admin: Client, dovecot: Dovecot, oauth: OAuthProvider
) -> None:
    response = as_admin.post(NEW, oauth_form(dovecot, oauth, refresh_token="1//kedaluwarsa"))
    assert response.status_code == 422
    page = response.content.decode().replace("&#x27;", "'")
    assert (
        "penyedia OAuth2 menolak refresh token (HTTP 400): invalid_grant "
        "Token has been expired or revoked."
    ) in page
    assert not Mailbox.objects.exists() and settings_events() == []


def test_a_token_the_server_does_not_accept_gives_dovecots_answer(
    as_admin: Client, dovecot: Dovecot, oauth: OAuthProvider
) -> None:
    # the token is for cs@…, the mailbox signs in as someone else: Dovecot refuses it
    response = as_admin.post(NEW, oauth_form(dovecot, oauth, username="lain@belanjaku.test"))
    assert response.status_code == 422
    page = response.content.decode().replace("&quot;", '"')
    assert "[AUTHENTICATIONFAILED] Authentication failed." in page
    assert '"status":"401"' in page  # the XOAUTH2 error challenge
    assert not Mailbox.objects.exists()


def test_an_oauth2_mailbox_needs_its_token_url_client_and_refresh_token(
    as_admin: Client, dovecot: Dovecot, oauth: OAuthProvider
) -> None:
    data = oauth_form(dovecot, oauth, oauth_token_url="", oauth_client_id="", refresh_token="")
    page = as_admin.post(NEW, data).content.decode()
    assert "Isi alamat token OAuth2 penyedia." in page
    assert "Isi client ID OAuth2." in page
    assert "Isi refresh token OAuth2 dari penyedia, atau simpan kotak surat ini" in page
    assert not Mailbox.objects.exists()


# --- replies leave through the mailbox's SMTP server ------------------------------------------


def _customer_mail() -> bytes:
    return (
        b"From: Budi <budi@contoh.id>\r\nTo: cs@belanjaku.test\r\nSubject: Paket belum sampai\r\n"
        b"Message-ID: <balasan-1@contoh.id>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Paket saya belum sampai.\r\n"
    )


@pytest.mark.parametrize("auth", ["password", "oauth2"])
def test_replies_leave_through_the_mailbox_that_sends_them(
    as_admin: Client,
    dovecot: Dovecot,
    oauth: OAuthProvider,
    smtp: tuple[int, SmtpHandler],
    agent: User,
    settings: Any,
    auth: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # not used
    settings.SIGAP_AUTO_ACK = False
    port, handler = smtp
    extra = {"smtp_host": "127.0.0.1", "smtp_port": port, "sends_replies": "on"}
    data = oauth_form(dovecot, oauth, **extra) if auth == "oauth2" else form(dovecot, **extra)
    assert as_admin.post(NEW, data).status_code == 302
    ticket = ingest(_customer_mail()).ticket
    assert ticket is not None
    before = len(handler.received)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.message_add(
            actor=agent, ticket=ticket, kind="reply", body="Sedang kami cek, Kak."
        )
    mail_from, rcpts, content, signed_in_as = handler.received[before]
    assert (mail_from, rcpts, signed_in_as) == (USER, ["budi@contoh.id"], USER)
    assert f"<{USER}>".encode() in content and b"Sedang kami cek, Kak." in content


def test_an_admin_signs_in_to_the_provider_and_the_mailbox_is_connected(
    as_admin: Client, dovecot: Dovecot, oauth: OAuthProvider, settings: Any
) -> None:
    settings.SITE_URL = "https://cs.belanjaku.test"
    # saved without a token (inactive), then signed in through the provider
    data = oauth_form(
        dovecot,
        oauth,
        refresh_token="",
        active=None,
        oauth_authorize_url=f"{oauth.base_url}/authorize",
        oauth_scope="https://mail.google.com/",
    )
    assert as_admin.post(NEW, data).status_code == 302
    box = Mailbox.objects.get()
    assert (box.active, box.oauth_refresh_token_sealed) == (False, "")
    page = as_admin.get(f"/settings/channels/mailboxes/{box.pk}/").content.decode()
    callback = "https://cs.belanjaku.test/settings/channels/mailboxes/oauth/callback/"
    assert callback in page
    response = as_admin.post(f"/settings/channels/mailboxes/{box.pk}/oauth/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oauth.base_url}/authorize"
    assert query["client_id"] == mailservers.CLIENT_ID
    assert (query["redirect_uri"], query["login_hint"]) == (callback, USER)
    assert (query["response_type"], query["code_challenge_method"]) == ("code", "S256")
    # the provider signs the admin in and sends them back with a code
    oauth.codes["kode-persetujuan"] = (query["code_challenge"], callback)
    back = "/settings/channels/mailboxes/oauth/callback/"
    forged = as_admin.get(back, {"code": "kode-persetujuan", "state": "palsu"})
    assert forged.status_code == 302 and Mailbox.objects.get().oauth_refresh_token_sealed == ""
    # (a forged state used up the pending sign-in: start again)
    response = as_admin.post(f"/settings/channels/mailboxes/{box.pk}/oauth/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    oauth.codes["kode-persetujuan"] = (query["code_challenge"], callback)
    response = as_admin.get(back, {"code": "kode-persetujuan", "state": query["state"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    box.refresh_from_db()
    assert box.active
    assert secretbox.open_(box.oauth_refresh_token_sealed) == mailservers.REFRESH_TOKEN
    assert settings_events()[-1].data["secrets_changed"] == {"refresh_token": "••••••"}


def test_a_refused_consent_or_code_saves_nothing(
    as_admin: Client, dovecot: Dovecot, oauth: OAuthProvider
) -> None:
    data = oauth_form(
        dovecot, oauth, refresh_token="", active=None, oauth_authorize_url=f"{oauth.base_url}/a"
    )
    as_admin.post(NEW, data)
    box = Mailbox.objects.get()
    back = "/settings/channels/mailboxes/oauth/callback/"
    start = as_admin.post(f"/settings/channels/mailboxes/{box.pk}/oauth/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = as_admin.get(
        back,
        {"error": "access_denied", "error_description": "The user denied access", "state": state},
    )
    assert response.status_code == 422
    assert "Penyedia tidak memberi izin: access_denied The user denied access" in (
        response.content.decode()
    )
    start = as_admin.post(f"/settings/channels/mailboxes/{box.pk}/oauth/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = as_admin.get(back, {"code": "kode-tak-dikenal", "state": state})
    assert response.status_code == 422
    assert (
        "penyedia OAuth2 menolak kode persetujuan (HTTP 400): invalid_grant Malformed auth code."
    ) in response.content.decode()
    box.refresh_from_db()
    assert (box.active, box.oauth_refresh_token_sealed) == (False, "")


def test_a_wrong_password_is_refused_even_for_an_inactive_mailbox(
    as_admin: Client, dovecot: Dovecot
) -> None:
    response = as_admin.post(NEW, form(dovecot, password="salah-sandi", active=None))
    assert response.status_code == 422
    assert "[AUTHENTICATIONFAILED] Authentication failed." in response.content.decode()
    assert not Mailbox.objects.exists()
