"""Several connections per provider, one per brand (issue 17): a second brand's own WhatsApp
number, Telegram bot and Facebook page. The documented payloads go to the webhooks as the
providers send them, signed with the connection's own secret; each lands in its brand,
and the reply on a ticket leaves through its brand's connection (its token, its phone
number id, its bot) at the fake provider API on loopback. The default connection (the
server's settings) keeps working as before."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from django.test import Client

from sigap.accounts import brands
from sigap.accounts.models import Brand, SecurityEvent, User
from sigap.connectors import conf
from sigap.connectors import services as channel_services
from sigap.connectors.models import ChannelAccount, InboundDelivery
from sigap.connectors.tests import test_meta
from sigap.connectors.tests.conftest import (
    APP_SECRET,
    BOT_TOKEN,
    PHONE_NUMBER_ID,
    TG_SECRET,
    load,
)
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.connectors.whatsapp.inbound import sign
from sigap.core.errors import Conflict, ValidationFailed
from sigap.tickets import services
from sigap.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

B_PHONE_NUMBER_ID = "209876543210987"
B_TOKEN = "EAAG-token-kopi-senja"
B_SECRET = "rahasia-aplikasi-kopi-senja"
B_VERIFY = "token-verifikasi-kopi-senja"
B_BOT_TOKEN = "7098765432:AAKopiSenjaBotTokenUntukUjiCoba_123456"
B_TG_SECRET = "rahasia-webhook-kopi-senja"
B_PAGE_ID = "109999888877776"
B_PAGE_TOKEN = "EAAPage-token-kopi-senja"
B_META_SECRET = "rahasia-meta-kopi-senja"


@pytest.fixture
def brand_b(admin: User) -> Brand:
    return Brand.objects.create(name="Kopi Senja", slug="kopi-senja", sender_name="Kopi Senja")


def connect(admin: User, brand: Brand, provider: str, **settings: str) -> ChannelAccount:
    """Set up the brand's own connection as the settings page does."""
    spec = channel_services.channel_spec(provider)
    secret = {s.name for s in spec.settings if s.secret}
    return channel_services.channel_save(
        actor=admin,
        provider=provider,
        values={k: v for k, v in settings.items() if k not in secret},
        typed={k: v for k, v in settings.items() if k in secret},
        brand=brand,
    )


def whatsapp_b(admin: User, brand: Brand) -> ChannelAccount:
    return connect(
        admin,
        brand,
        "whatsapp",
        SIGAP_WHATSAPP_PHONE_NUMBER_ID=B_PHONE_NUMBER_ID,
        SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID="301234567890123",
        SIGAP_WHATSAPP_ACCESS_TOKEN=B_TOKEN,
        SIGAP_WHATSAPP_APP_SECRET=B_SECRET,
        SIGAP_WHATSAPP_VERIFY_TOKEN=B_VERIFY,
    )


def to_number(phone_number_id: str, *, wamid: str, sender: str) -> dict[str, Any]:
    """The documented text message, to the business number ``phone_number_id``."""
    payload = load("whatsapp_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    value["contacts"][0]["wa_id"] = sender
    value["messages"][0].update({"id": wamid, "from": sender})
    return payload


def post_signed(client: Client, capture: Any, url: str, payload: Any, secret: str) -> Any:
    body = json.dumps(payload).encode()
    with capture(execute=True):
        return client.post(
            url,
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body, secret),
        )


def ticket_of(external_id: str) -> Ticket:
    return Message.objects.select_related("ticket").get(external_id=external_id).ticket


def reply(agent: User, ticket: Ticket, body: str, capture: Any) -> Message:
    with capture(execute=True):
        return services.message_add(actor=agent, ticket=ticket, kind="reply", body=body)


# --- WhatsApp: two numbers ------------------------------------------------------------------


def test_two_brands_whatsapp_numbers_each_their_tickets_and_replies(
    whatsapp: FakeApi,
    client: Client,
    admin: User,
    agent: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    whatsapp_b(admin, brand_b)
    to_a = to_number(PHONE_NUMBER_ID, wamid="wamid.A1", sender="6281234567890")
    to_b = to_number(B_PHONE_NUMBER_ID, wamid="wamid.B1", sender="6281298765432")

    r = post_signed(client, capture, "/hooks/whatsapp/", to_a, APP_SECRET)
    assert (r.status_code, r.json()["messages"]) == (200, {"accepted": 1})
    # the same webhook URL: told apart by the number, signed with brand B's app secret
    r = post_signed(client, capture, "/hooks/whatsapp/", to_b, B_SECRET)
    assert (r.status_code, r.json()["messages"]) == (200, {"accepted": 1})
    ticket_a = ticket_of("wamid.A1")
    ticket_b = ticket_of("wamid.B1")
    assert ticket_a.brand_id == brands.default_id()
    assert ticket_b.brand_id == brand_b.pk

    # a redelivery is a duplicate; nothing filed twice
    r = post_signed(client, capture, "/hooks/whatsapp/", to_b, B_SECRET)
    assert r.json()["messages"] == {"duplicate": 1}
    assert Message.objects.filter(external_id="wamid.B1").count() == 1

    reply(agent, ticket_b, "Kopi pengganti kami kirim.", capture)
    reply(agent, ticket_a, "Paket sedang kami lacak.", capture)
    sent_b, sent_a = whatsapp.to("/messages")
    assert sent_b.path == f"/v21.0/{B_PHONE_NUMBER_ID}/messages"
    assert sent_b.headers["Authorization"] == f"Bearer {B_TOKEN}"
    assert sent_b.json()["to"] == "6281298765432"
    assert sent_a.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert sent_a.headers["Authorization"] == "Bearer EAAG-token-uji"


def test_each_number_has_its_own_24_hour_window(
    whatsapp: FakeApi,
    client: Client,
    admin: User,
    agent: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The customer wrote to brand B's number 26 hours ago and to the default number just
    now: B's window is closed, whatever the other number's."""
    capture = django_capture_on_commit_callbacks
    whatsapp_b(admin, brand_b)
    to_b = to_number(B_PHONE_NUMBER_ID, wamid="wamid.B5", sender="6281234567890")
    to_b["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(
        int(time.time()) - 26 * 3600
    )
    assert post_signed(client, capture, "/hooks/whatsapp/", to_b, B_SECRET).status_code == 200
    to_a = to_number(PHONE_NUMBER_ID, wamid="wamid.A5", sender="6281234567890")
    assert post_signed(client, capture, "/hooks/whatsapp/", to_a, APP_SECRET).status_code == 200
    ticket_a, ticket_b = ticket_of("wamid.A5"), ticket_of("wamid.B5")
    assert ticket_a.pk != ticket_b.pk and ticket_a.customer_id == ticket_b.customer_id
    with pytest.raises(Conflict):
        reply(agent, ticket_b, "Kopi pengganti kami kirim.", capture)
    reply(agent, ticket_a, "Paket sedang kami lacak.", capture)
    (sent,) = whatsapp.to("/messages")
    assert sent.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"


def test_brand_b_number_signed_with_another_secret_is_refused(
    whatsapp: FakeApi,
    client: Client,
    admin: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    whatsapp_b(admin, brand_b)
    to_b = to_number(B_PHONE_NUMBER_ID, wamid="wamid.B2", sender="6281298765432")
    for secret in (APP_SECRET, "salah"):  # the default connection's secret is not B's
        r = post_signed(
            client, django_capture_on_commit_callbacks, "/hooks/whatsapp/", to_b, secret
        )
        assert (r.status_code, r.json()["error"]["code"]) == (403, "invalid_signature")
    # nor is brand B's secret good for the default number
    to_a = to_number(PHONE_NUMBER_ID, wamid="wamid.A2", sender="6281234567890")
    r = post_signed(client, django_capture_on_commit_callbacks, "/hooks/whatsapp/", to_a, B_SECRET)
    assert r.status_code == 403
    assert not InboundDelivery.objects.exists()


def test_an_unknown_phone_number_id_is_refused_and_loses_nothing(
    whatsapp: FakeApi,
    client: Client,
    admin: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    whatsapp_b(admin, brand_b)
    to_a = to_number(PHONE_NUMBER_ID, wamid="wamid.A3", sender="6281234567890")
    assert post_signed(client, capture, "/hooks/whatsapp/", to_a, APP_SECRET).status_code == 200
    stranger = to_number("999000111222333", wamid="wamid.X1", sender="6281200000000")
    r = post_signed(client, capture, "/hooks/whatsapp/", stranger, APP_SECRET)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_phone_number_id")
    assert "999000111222333" in r.json()["error"]["message"]
    # unsigned, or signed with no connection's secret: refused as any forged request,
    # telling a stranger nothing of which numbers are connected
    r = post_signed(client, capture, "/hooks/whatsapp/", stranger, "bukan-rahasia-kami")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "invalid_signature")
    # a delivery naming a known and an unknown number: refused whole, redelivered later
    both = copy.deepcopy(to_a)
    both["entry"].append(stranger["entry"][0])
    assert post_signed(client, capture, "/hooks/whatsapp/", both, APP_SECRET).status_code == 404
    # what was accepted before is untouched
    assert list(InboundDelivery.objects.values_list("external_id", "status")) == [
        ("wamid.A3", "filed")
    ]


def test_one_delivery_for_two_numbers_of_one_app_is_split(
    whatsapp: FakeApi,
    client: Client,
    admin: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Two numbers of one Meta app (so one app secret) in one delivery: each change is
    accepted as its own number's."""
    connect(
        admin,
        brand_b,
        "whatsapp",
        SIGAP_WHATSAPP_PHONE_NUMBER_ID=B_PHONE_NUMBER_ID,
        SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID="301234567890123",
        SIGAP_WHATSAPP_ACCESS_TOKEN=B_TOKEN,
        SIGAP_WHATSAPP_APP_SECRET=APP_SECRET,
    )
    both = to_number(PHONE_NUMBER_ID, wamid="wamid.A4", sender="6281234567890")
    both["entry"].append(
        to_number(B_PHONE_NUMBER_ID, wamid="wamid.B4", sender="628129")["entry"][0]
    )
    r = post_signed(
        client, django_capture_on_commit_callbacks, "/hooks/whatsapp/", both, APP_SECRET
    )
    assert (r.status_code, r.json()["messages"]) == (200, {"accepted": 2})
    assert ticket_of("wamid.A4").brand_id == brands.default_id()
    assert ticket_of("wamid.B4").brand_id == brand_b.pk


def test_the_handshake_takes_each_connections_verify_token(
    whatsapp: FakeApi, client: Client, admin: User, brand_b: Brand
) -> None:
    account = whatsapp_b(admin, brand_b)
    hello = {"hub.mode": "subscribe", "hub.verify_token": B_VERIFY, "hub.challenge": "42"}
    assert client.get(f"/hooks/whatsapp/{account.pk}/", hello).content == b"42"
    assert client.get("/hooks/whatsapp/", hello).content == b"42"
    wrong = {**hello, "hub.verify_token": "token-verifikasi-sigap"}  # the default one's
    assert client.get(f"/hooks/whatsapp/{account.pk}/", wrong).status_code == 403
    assert client.get("/hooks/whatsapp/999999/", hello).status_code == 404


def test_two_connections_cannot_share_a_number(
    whatsapp: FakeApi, admin: User, brand_b: Brand
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        connect(
            admin,
            brand_b,
            "whatsapp",
            SIGAP_WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,  # the default connection's
            SIGAP_WHATSAPP_ACCESS_TOKEN=B_TOKEN,
            SIGAP_WHATSAPP_APP_SECRET=B_SECRET,
        )
    assert "SIGAP_WHATSAPP_PHONE_NUMBER_ID" in refused.value.fields
    assert not ChannelAccount.objects.exists()


# --- Telegram: two bots ---------------------------------------------------------------------


def telegram_b(admin: User, brand: Brand) -> ChannelAccount:
    return connect(
        admin,
        brand,
        "telegram",
        SIGAP_TELEGRAM_BOT_TOKEN=B_BOT_TOKEN,
        SIGAP_TELEGRAM_SECRET_TOKEN=B_TG_SECRET,
    )


def post_update(client: Client, capture: Any, url: str, update: Any, secret: str) -> Any:
    with capture(execute=True):
        return client.post(
            url,
            data=json.dumps(update),
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
        )


def test_two_brands_telegram_bots_each_their_tickets_and_replies(
    telegram: FakeApi,
    client: Client,
    admin: User,
    agent: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    account = telegram_b(admin, brand_b)
    update = load("telegram_text.json")
    r = post_update(client, capture, "/hooks/telegram/", update, TG_SECRET)
    assert r.json() == {"result": "accepted"}
    # brand B's bot at its own URL: update ids are per bot, so the same id is new there
    r = post_update(client, capture, f"/hooks/telegram/{account.pk}/", update, B_TG_SECRET)
    assert r.json() == {"result": "accepted"}
    ticket_a, ticket_b = Ticket.objects.order_by("id")
    assert (ticket_a.brand_id, ticket_b.brand_id) == (brands.default_id(), brand_b.pk)
    # a redelivery to B's bot, even at the shared URL (told by its secret token): once
    r = post_update(client, capture, "/hooks/telegram/", update, B_TG_SECRET)
    assert r.json() == {"result": "duplicate"}
    # the wrong secret for B's URL (the default bot's) is refused
    r = post_update(client, capture, f"/hooks/telegram/{account.pk}/", update, TG_SECRET)
    assert r.status_code == 403

    reply(agent, ticket_b, "Pesanan Anda kami cek.", capture)
    reply(agent, ticket_a, "Saldo dikembalikan hari ini.", capture)
    sent_b, sent_a = telegram.to("/sendMessage")
    assert sent_b.path == f"/bot{B_BOT_TOKEN}/sendMessage"
    assert sent_a.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert sent_b.json()["chat_id"] == sent_a.json()["chat_id"] == "123456789"


def test_verify_sets_the_brands_bot_webhook_to_its_own_url(
    telegram: FakeApi, client: Client, admin: User, brand_b: Brand
) -> None:
    account = telegram_b(admin, brand_b)
    c = Client()
    c.force_login(admin)
    r = c.post(
        f"/settings/channels/telegram/brands/{brand_b.pk}/", {"action": "verify"}, follow=False
    )
    assert r.status_code == 302
    _me, hook = telegram.requests
    assert hook.path == f"/bot{B_BOT_TOKEN}/setWebhook"
    assert hook.json()["url"].endswith(f"/hooks/telegram/{account.pk}/")
    assert hook.json()["secret_token"] == B_TG_SECRET
    account.refresh_from_db()
    assert account.verified_at is not None
    event = SecurityEvent.objects.filter(data__action="verify").get()
    assert (event.data["ok"], event.data["brand"]) == (True, "kopi-senja")


# --- Meta: two pages ------------------------------------------------------------------------


def test_two_brands_facebook_pages_each_their_tickets_and_replies(
    fake_api: FakeApi,
    settings: Any,
    client: Client,
    admin: User,
    agent: User,
    brand_b: Brand,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    settings.SIGAP_META_VERIFY_TOKEN = test_meta.VERIFY
    settings.SIGAP_META_APP_SECRET = test_meta.SECRET
    settings.SIGAP_META_PAGE_ACCESS_TOKEN = test_meta.TOKEN
    settings.SIGAP_META_API_BASE = f"{fake_api.base_url}/v21.0"
    settings.SIGAP_AUTO_ACK = False
    connect(
        admin,
        brand_b,
        "meta",
        SIGAP_META_PAGE_ACCESS_TOKEN=B_PAGE_TOKEN,
        SIGAP_META_APP_SECRET=B_META_SECRET,
        SIGAP_META_PAGE_ID=B_PAGE_ID,
    )
    to_a = test_meta.load("meta_messenger_text.json")
    to_b = copy.deepcopy(to_a)
    to_b["entry"][0]["id"] = B_PAGE_ID
    to_b["entry"][0]["messaging"][0]["recipient"]["id"] = B_PAGE_ID
    to_b["entry"][0]["messaging"][0]["message"]["mid"] = "m_kopi_senja_1"
    r = post_signed(client, capture, "/hooks/meta/", to_a, test_meta.SECRET)
    assert r.json()["messages"] == {"accepted": 1}
    assert post_signed(client, capture, "/hooks/meta/", to_b, test_meta.SECRET).status_code == 403
    r = post_signed(client, capture, "/hooks/meta/", to_b, B_META_SECRET)
    assert r.json()["messages"] == {"accepted": 1}
    ticket_a = ticket_of(test_meta.MID)
    ticket_b = ticket_of("m_kopi_senja_1")
    assert (ticket_a.brand_id, ticket_b.brand_id) == (brands.default_id(), brand_b.pk)

    reply(agent, ticket_b, "Halo dari Kopi Senja.", capture)
    reply(agent, ticket_a, "Halo dari Belanjaku.", capture)
    sent_b, sent_a = fake_api.to("/me/messages")
    assert sent_b.headers["Authorization"] == f"Bearer {B_PAGE_TOKEN}"
    assert sent_a.headers["Authorization"] == f"Bearer {test_meta.TOKEN}"

    # a page no connection has, while the default one names none: the default takes it;
    # once the default names its page, a stranger's page is refused
    settings.SIGAP_META_PAGE_ID = "108123456789012"
    stranger = copy.deepcopy(to_a)
    stranger["entry"][0]["id"] = "100000000000042"
    r = post_signed(client, capture, "/hooks/meta/", stranger, test_meta.SECRET)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_page_id")


# --- the settings pages ---------------------------------------------------------------------


def test_an_admin_connects_a_brands_number_on_the_channels_page(
    whatsapp: FakeApi, admin: User, brand_b: Brand
) -> None:
    c = Client()
    c.force_login(admin)
    page = c.get("/settings/channels/whatsapp/").content.decode()
    assert 'id="brand-connections"' in page and "Kopi Senja" in page
    r = c.get("/settings/channels/whatsapp/", {"brand": brand_b.pk})
    assert r["Location"] == f"/settings/channels/whatsapp/brands/{brand_b.pk}/"
    url = f"/settings/channels/whatsapp/brands/{brand_b.pk}/"
    r = c.post(url, {"action": "save", "SIGAP_WHATSAPP_PHONE_NUMBER_ID": B_PHONE_NUMBER_ID})
    assert r.status_code == 422  # its own token and app secret are required
    assert not ChannelAccount.objects.exists()
    r = c.post(
        url,
        {
            "action": "save",
            "SIGAP_WHATSAPP_PHONE_NUMBER_ID": B_PHONE_NUMBER_ID,
            "SIGAP_WHATSAPP_BUSINESS_ACCOUNT_ID": "301234567890123",
            "SIGAP_WHATSAPP_ACCESS_TOKEN": B_TOKEN,
            "SIGAP_WHATSAPP_APP_SECRET": B_SECRET,
        },
    )
    assert r.status_code == 302
    account = ChannelAccount.objects.get()
    assert (account.provider, account.brand_id) == ("whatsapp", brand_b.pk)
    assert B_TOKEN not in json.dumps(account.sealed)
    page = c.get(url).content.decode()
    assert f"/hooks/whatsapp/{account.pk}/" in page  # its own webhook URL to paste
    with conf.using_brand("whatsapp", brand_b.pk):
        assert conf.whatsapp_access_token() == B_TOKEN
        verify_token = conf.whatsapp_verify_token()  # generated, shown to paste
        assert conf.whatsapp_api_base() == f"{whatsapp.base_url}/v21.0"  # the server's
    assert verify_token and verify_token in page
    assert conf.whatsapp_access_token() == "EAAG-token-uji"  # the default one unchanged
    saved = SecurityEvent.objects.get(data__model="channelaccount", data__action="added")
    assert saved.data["brand"] == "kopi-senja"
    assert B_TOKEN not in json.dumps(saved.data)
    assert "Kopi Senja" in c.get("/settings/channels/").content.decode()

    # the brand's page lists its number; disconnecting it forgets only it
    assert "brand-messaging" in c.get(f"/settings/brands/{brand_b.pk}/").content.decode()
    r = c.post(f"/settings/channels/whatsapp/brands/{brand_b.pk}/disconnect/")
    assert r.status_code == 302
    assert not ChannelAccount.objects.exists()
    removed = SecurityEvent.objects.filter(data__what="channel").get()
    assert removed.data["before"]["brand"] == "kopi-senja"


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_see_the_connection_pages(
    who: str, request: pytest.FixtureRequest, admin: User, brand_b: Brand
) -> None:
    c = Client()
    c.force_login(request.getfixturevalue(who))
    base = f"/settings/channels/whatsapp/brands/{brand_b.pk}/"
    assert c.get(base).status_code == 403
    assert c.post(base, {"action": "save"}).status_code == 403
    assert c.post(base, {"action": "verify"}).status_code == 403
    assert c.post(f"{base}disconnect/").status_code == 403
    assert not ChannelAccount.objects.exists()
