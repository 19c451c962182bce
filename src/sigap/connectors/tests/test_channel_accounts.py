"""WhatsApp Cloud API, Telegram and Meta connections set up on the settings page (admins
only): tokens stored encrypted and read by the connectors, the webhook URL to paste, the
verify step and the WhatsApp templates' sync, against a local stand-in of the providers'
APIs answering with their documented payloads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import SecurityEvent, SecurityKind, User
from sigap.connectors import conf
from sigap.connectors.models import ChannelAccount, WhatsAppTemplate
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.core import secretbox

pytestmark = pytest.mark.django_db
WA_TOKEN = "EAAG-token-rahasia-sekali"
APP_SECRET = "rahasia-aplikasi-meta"
BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WA = "/settings/channels/whatsapp/"


@pytest.fixture
def as_admin(client: Client, admin: User) -> Client:
    client.force_login(admin)
    return client


@pytest.fixture
def apis(settings: Any, fake_api: FakeApi) -> FakeApi:
    settings.SIGAP_WHATSAPP_API_BASE = f"{fake_api.base_url}/v21.0"
    settings.SIGAP_TELEGRAM_API_BASE = fake_api.base_url
    settings.SIGAP_META_API_BASE = f"{fake_api.base_url}/v21.0"
    settings.SITE_URL = "https://cs.belanjaku.test"
    return fake_api


def wa_form(**overrides: str) -> dict[str, str]:
    data = {
        "SIGAP_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID": "102290129340398",
        "SIGAP_WHATSAPP_ACCESS_TOKEN": WA_TOKEN,
        "SIGAP_WHATSAPP_APP_SECRET": APP_SECRET,
        "SIGAP_WHATSAPP_VERIFY_TOKEN": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def events() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).order_by("id"))


def test_whatsapp_is_connected_with_its_tokens_encrypted_and_used_by_the_connector(
    as_admin: Client, apis: FakeApi
) -> None:
    assert not conf.whatsapp_sending_enabled()
    response = as_admin.post(WA, wa_form())
    assert response.status_code == 302
    row = ChannelAccount.objects.get(provider="whatsapp")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ChannelAccount._meta.db_table}")
        stored = " ".join(str(v) for v in cursor.fetchone())
    assert WA_TOKEN not in stored and APP_SECRET not in stored
    assert secretbox.open_(row.sealed["SIGAP_WHATSAPP_ACCESS_TOKEN"]) == WA_TOKEN
    # the connector reads them (the environment and settings being empty)
    assert conf.whatsapp_access_token() == WA_TOKEN
    assert conf.whatsapp_phone_number_id() == "106540352242922"
    assert conf.whatsapp_sending_enabled()
    verify_token = conf.whatsapp_verify_token()
    assert len(verify_token) >= 24  # generated, to paste into the app's dashboard
    (event,) = events()
    assert event.detail == "saluran WhatsApp Cloud API dihubungkan"
    assert set(event.data["secrets_changed"]) == {
        "SIGAP_WHATSAPP_ACCESS_TOKEN",
        "SIGAP_WHATSAPP_APP_SECRET",
        "SIGAP_WHATSAPP_VERIFY_TOKEN",
    }
    dumped = json.dumps(event.data)
    assert WA_TOKEN not in dumped and APP_SECRET not in dumped and verify_token not in dumped
    page = as_admin.get(WA).content.decode()
    assert "https://cs.belanjaku.test/hooks/whatsapp/" in page
    assert verify_token in page  # shown: it is pasted into Meta's dashboard
    assert WA_TOKEN not in page and APP_SECRET not in page
    # Meta's handshake on the webhook accepts the stored verify token
    hook = as_admin.get(
        "/hooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": "1158201444"},
    )
    assert (hook.status_code, hook.content) == (200, b"1158201444")


def test_an_environment_variable_still_wins(
    as_admin: Client, apis: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGAP_WHATSAPP_ACCESS_TOKEN", "dari-lingkungan")
    assert as_admin.post(WA, wa_form(SIGAP_WHATSAPP_ACCESS_TOKEN="")).status_code == 302
    assert conf.whatsapp_access_token() == "dari-lingkungan"
    assert (
        "dari variabel lingkungan SIGAP_WHATSAPP_ACCESS_TOKEN" in as_admin.get(WA).content.decode()
    )


def test_bad_values_are_precise_and_nothing_is_saved(as_admin: Client, apis: FakeApi) -> None:
    response = as_admin.post(
        WA, wa_form(SIGAP_WHATSAPP_PHONE_NUMBER_ID="+62 812", SIGAP_WHATSAPP_ACCESS_TOKEN="")
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "ID nomor telepon berupa angka dari WhatsApp Manager." in page
    assert "Isi Token akses (atau variabel lingkungan SIGAP_WHATSAPP_ACCESS_TOKEN)." in page
    response = as_admin.post(
        "/settings/channels/telegram/",
        {"SIGAP_TELEGRAM_BOT_TOKEN": "bukan-token", "action": "save"},
    )
    assert response.status_code == 422
    assert "Token bot dari @BotFather berbentuk 123456789:ABC" in response.content.decode()
    assert not ChannelAccount.objects.exists() and events() == []


def test_the_verify_step_shows_the_phone_number_or_metas_error(
    as_admin: Client, apis: FakeApi
) -> None:
    as_admin.post(WA, wa_form())
    apis.script(
        "/106540352242922",
        200,
        {
            "verified_name": "Belanjaku",
            "code_verification_status": "VERIFIED",
            "display_phone_number": "+62 812-3456-7890",
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "id": "106540352242922",
        },
    )
    response = as_admin.post(WA, {"action": "verify"}, follow=True)
    page = response.content.decode()
    assert "Nomor +62 812-3456-7890 (Belanjaku), kualitas GREEN." in page
    (request,) = apis.to("/106540352242922")
    assert request.headers["Authorization"] == f"Bearer {WA_TOKEN}"
    assert ChannelAccount.objects.get().verified_at is not None
    apis.script(
        "/106540352242922",
        401,
        {
            "error": {
                "message": "Error validating access token: Session has expired.",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
                "fbtrace_id": "AbCdEf",
            }
        },
    )
    response = as_admin.post(WA, {"action": "verify"})
    assert response.status_code == 422
    assert (
        "Penyedia menolak: HTTP 401: Error validating access token: Session has expired. (code 190)"
    ) in response.content.decode()
    assert [e.data.get("ok") for e in events()[1:]] == [True, False]


def test_telegram_verify_checks_the_bot_and_sets_its_webhook(
    as_admin: Client, apis: FakeApi
) -> None:
    url = "/settings/channels/telegram/"
    form = {
        "SIGAP_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "SIGAP_TELEGRAM_SECRET_TOKEN": "",
        "action": "save",
    }
    assert as_admin.post(url, form).status_code == 302
    apis.script(
        "/getMe",
        200,
        {
            "ok": True,
            "result": {
                "id": 7012345678,
                "is_bot": True,
                "first_name": "Belanjaku CS",
                "username": "belanjaku_cs_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            },
        },
    )
    apis.script("/setWebhook", 200, {"ok": True, "result": True, "description": "Webhook was set"})
    page = as_admin.post(url, {"action": "verify"}, follow=True).content.decode()
    assert (
        "Bot @belanjaku_cs_bot (Belanjaku CS); webhook https://cs.belanjaku.test/hooks/telegram/: "
        "Webhook was set"
    ) in page
    (set_webhook,) = apis.to("/setWebhook")
    assert set_webhook.path == f"/bot{BOT_TOKEN}/setWebhook"
    assert set_webhook.json()["url"] == "https://cs.belanjaku.test/hooks/telegram/"
    assert set_webhook.json()["secret_token"] == conf.telegram_secret_token() != ""
    # Telegram refuses a plain-http address with its own words
    apis.script("/getMe", 200, {"ok": True, "result": {"username": "belanjaku_cs_bot"}})
    apis.script(
        "/setWebhook",
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        },
    )
    response = as_admin.post(url, {"action": "verify"})
    assert response.status_code == 422
    assert (
        "HTTP 400: Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        in response.content.decode()
    )


def test_meta_verify_names_the_page(as_admin: Client, apis: FakeApi) -> None:
    url = "/settings/channels/meta/"
    form = {
        "SIGAP_META_PAGE_ACCESS_TOKEN": "EAAB-halaman",
        "SIGAP_META_APP_SECRET": APP_SECRET,
        "action": "save",
    }
    assert as_admin.post(url, form).status_code == 302
    apis.script("/me", 200, {"name": "Belanjaku Official", "id": "104857261234567"})
    page = as_admin.post(url, {"action": "verify"}, follow=True).content.decode()
    assert "Halaman Belanjaku Official (ID 104857261234567)." in page
    assert "https://cs.belanjaku.test/hooks/meta/" in page


def test_whatsapp_templates_are_synced_and_listed(as_admin: Client, apis: FakeApi) -> None:
    as_admin.post(WA, wa_form())
    WhatsAppTemplate.objects.create(name="pengingat", language="id", body="lama", approved=False)
    next_page = f"{apis.base_url}/v21.0/102290129340398/message_templates?after=QVFI&limit=100"
    apis.script(
        "/102290129340398/message_templates",
        200,
        {
            "data": [
                {
                    "name": "pengingat",
                    "components": [
                        {"type": "BODY", "text": "Halo {{1}}, tiket {{2}} masih kami proses."}
                    ],
                    "language": "id",
                    "status": "APPROVED",
                    "category": "UTILITY",
                    "id": "1234567890",
                },
                {
                    "name": "promo_ramadan",
                    "components": [
                        {"type": "HEADER", "format": "TEXT", "text": "Promo"},
                        {"type": "BODY", "text": "Diskon {{1}} untuk Anda."},
                    ],
                    "language": "id",
                    "status": "REJECTED",
                    "category": "MARKETING",
                    "id": "1234567891",
                },
            ],
            "paging": {"cursors": {"before": "QVFH", "after": "QVFI"}, "next": next_page},
        },
    )
    apis.script(
        "/102290129340398/message_templates",
        200,
        {
            "data": [
                {
                    "name": "survei_kepuasan",
                    "components": [{"type": "BODY", "text": "Seberapa puas Anda, {{1}}?"}],
                    "language": "en_US",
                    "status": "APPROVED",
                    "category": "UTILITY",
                    "id": "1234567892",
                }
            ],
            "paging": {"cursors": {"before": "QVFJ", "after": "QVFK"}},
        },
    )
    page = as_admin.post(WA, {"action": "sync"}, follow=True).content.decode()
    assert "Templat disinkronkan: 2 baru, 1 diubah, 2 disetujui." in page
    assert list(WhatsAppTemplate.objects.values_list("name", "language", "approved", "body")) == [
        ("pengingat", "id", True, "Halo {{1}}, tiket {{2}} masih kami proses."),
        ("promo_ramadan", "id", False, "Diskon {{1}} untuk Anda."),
        ("survei_kepuasan", "en_US", True, "Seberapa puas Anda, {{1}}?"),
    ]
    assert page.count("data-template=") == 3
    assert len(apis.to("/message_templates")) == 2  # both pages read
    assert events()[-1].detail == "templat WhatsApp disinkronkan: 2 baru, 1 diubah"


def test_a_failed_sync_changes_no_template(as_admin: Client, apis: FakeApi) -> None:
    as_admin.post(WA, wa_form())
    apis.script(
        "/message_templates",
        400,
        {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}},
    )
    response = as_admin.post(WA, {"action": "sync"})
    assert response.status_code == 422
    assert "HTTP 400: (#100) Invalid parameter (code 100)" in response.content.decode()
    assert not WhatsAppTemplate.objects.exists()


@pytest.mark.parametrize("who", ["agent", "supervisor"])
@pytest.mark.parametrize("provider", ["whatsapp", "telegram", "meta"])
def test_only_admins_set_up_messaging_channels(
    client: Client, who: str, provider: str, request: pytest.FixtureRequest, apis: FakeApi
) -> None:
    client.force_login(request.getfixturevalue(who))
    url = f"/settings/channels/{provider}/"
    assert client.get(url).status_code == 403
    for action in ("save", "verify", "sync"):
        assert client.post(url, wa_form(action=action)).status_code == 403
    assert not ChannelAccount.objects.exists() and apis.requests == [] and events() == []


def test_an_unknown_channel_is_404(as_admin: Client) -> None:
    assert as_admin.get("/settings/channels/fax/").status_code == 404


def test_the_proposal_template_is_chosen_among_approved_ones(as_admin: Client) -> None:
    ok = WhatsAppTemplate.objects.create(
        name="usulan_penyelesaian",
        language="id",
        body="Halo {{1}}, untuk tiket {{2}} kami usulkan {{3}} dengan kompensasi {{4}}.",
        approved=True,
    )
    short = WhatsAppTemplate.objects.create(
        name="usulan_pendek", language="id", body="Halo {{1}}, usulan: {{2}}.", approved=True
    )
    pending = WhatsAppTemplate.objects.create(
        name="usulan_baru", language="id", body="{{1}} {{2}} {{3}} {{4}}", approved=False
    )
    response = as_admin.post(WA, {"action": "proposals", "template": str(pending.pk)})
    assert response.status_code == 422
    assert "Hanya templat yang disetujui Meta dapat dipakai." in response.content.decode()
    response = as_admin.post(WA, {"action": "proposals", "template": str(short.pk)})
    assert response.status_code == 422
    assert "Templat usulan memerlukan tepat parameter {{1}} sampai {{4}}" in (
        response.content.decode()
    )
    assert not WhatsAppTemplate.objects.filter(for_proposals=True).exists()
    assert as_admin.post(WA, {"action": "proposals", "template": str(ok.pk)}).status_code == 302
    assert list(WhatsAppTemplate.objects.filter(for_proposals=True)) == [ok]
    assert events()[-1].detail == "templat usulan WhatsApp: — → usulan_penyelesaian"
    assert as_admin.post(WA, {"action": "proposals", "template": ""}).status_code == 302
    assert not WhatsAppTemplate.objects.filter(for_proposals=True).exists()


def test_the_whatsapp_page_lists_templates_in_a_fixed_number_of_queries(
    as_admin: Client, apis: FakeApi, django_assert_max_num_queries: Any
) -> None:
    WhatsAppTemplate.objects.create(name="t0", language="id", body="{{1}}", approved=True)
    with CaptureQueriesContext(connection) as one:
        as_admin.get(WA)
    for n in range(1, 6):
        WhatsAppTemplate.objects.create(name=f"t{n}", language="id", body="{{1}}", approved=True)
    with django_assert_max_num_queries(len(one)):
        page = as_admin.get(WA).content.decode()
    assert page.count("data-template=") == 6
