"""Facebook Messenger and Instagram (Meta's Messenger Platform): webhooks in, comments as
tickets, replies out through the fake Graph API on loopback."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors import delivery
from sigap.connectors.meta import outbound as meta_out
from sigap.connectors.meta.inbound import sign
from sigap.connectors.models import DeliveryStatus, InboundDelivery, InboundStatus, OutboundDelivery
from sigap.connectors.tests.conftest import PAYLOADS, Post
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.core.errors import Conflict
from sigap.tickets import services
from sigap.tickets.attachments import Upload, attachment_store
from sigap.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
SECRET = "rahasia-aplikasi-meta-messenger"
VERIFY = "token-verifikasi-meta"
TOKEN = "EAAPage-token-uji"
PSID = "6745123498765432"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
FB_COMMENT = "812345678901234_1098765432109876"
IG_COMMENT = "17865799348089039"
SEND = "/v21.0/me/messages"
GRAPH_ERROR_400 = {
    "error": {
        "message": "(#100) No matching user found",
        "type": "OAuthException",
        "code": 100,
        "error_subcode": 2018001,
        "fbtrace_id": "AbCdEf123",
    }
}


def load(name: str) -> dict[str, Any]:
    """A documented payload with its timestamps set to now (ms for messaging)."""
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    now = int(time.time())
    for entry in data["entry"]:
        for event in entry.get("messaging", []):
            event["timestamp"] = now * 1000
        for change in entry.get("changes", []):
            if "created_time" in change["value"]:
                change["value"]["created_time"] = now
    return data


@pytest.fixture
def meta(settings: Any, fake_api: FakeApi) -> FakeApi:
    settings.SIGAP_META_VERIFY_TOKEN = VERIFY
    settings.SIGAP_META_APP_SECRET = SECRET
    settings.SIGAP_META_PAGE_ACCESS_TOKEN = TOKEN
    settings.SIGAP_META_API_BASE = f"{fake_api.base_url}/v21.0"
    settings.SIGAP_AUTO_ACK = False  # tests count API requests
    return fake_api


@pytest.fixture
def post_meta(client: Client, django_capture_on_commit_callbacks: Any) -> Post:
    def post(payload: Any, *, signature: str | None = None, raw: bytes | None = None) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        headers: dict[str, Any] = {}
        if signature != "":
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature or sign(body, SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/hooks/meta/", data=body, content_type="application/json", **headers
            )

    return post


def only_ticket() -> Ticket:
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 1
    return tickets[0]


def reply(agent: User, ticket: Ticket, body: str, capture: Any, **kw: Any) -> Message:
    with capture(execute=True):
        return services.message_add(actor=agent, ticket=ticket, kind="reply", body=body, **kw)


# --- the handshake and the signature ------------------------------------------------------


def test_verification_echoes_the_challenge_for_the_meta_token_only(
    meta: FakeApi, client: Client, settings: Any
) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "987654"}
    response = client.get("/hooks/meta/", params)
    assert (response.status_code, response.content) == (200, b"987654")
    settings.SIGAP_WHATSAPP_VERIFY_TOKEN = "token-whatsapp"
    params["hub.verify_token"] = "token-whatsapp"
    assert client.get("/hooks/meta/", params).status_code == 403


@pytest.mark.parametrize(
    "signature",
    # the last: a non-ASCII header, which ``hmac.compare_digest`` refuses to compare as text
    ["", "sha256=" + "0" * 64, "md5=abc", pytest.param("sha256=" + "\u00e9" * 64, id="non-ascii")],
)
def test_it_refuses_a_missing_or_bad_signature_and_logs_it(
    meta: FakeApi, post_meta: Post, caplog: pytest.LogCaptureFixture, signature: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="sigap.connectors.views"):
        response = post_meta(load("meta_messenger_text.json"), signature=signature)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert "meta webhook" in caplog.text and "X-Hub-Signature-256" in caplog.text
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


def test_a_body_signed_with_another_secret_is_refused(meta: FakeApi, post_meta: Post) -> None:
    payload = load("meta_messenger_text.json")
    other = sign(json.dumps(payload).encode(), "rahasia-whatsapp")
    assert post_meta(payload, signature=other).status_code == 403


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{not json", id="broken"),
        pytest.param(b"[" * 2000 + b"]" * 2000, id="array-2000-deep"),
        pytest.param(b'{"a": ' * 2000 + b"1" + b"}" * 2000, id="object-2000-deep"),
    ],
)
def test_a_body_that_is_not_json_is_refused_with_400(
    meta: FakeApi, post_meta: Post, raw: bytes
) -> None:
    response = post_meta(None, raw=raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


# --- private messages ------------------------------------------------------------------------


def test_a_messenger_message_opens_a_facebook_ticket(meta: FakeApi, post_meta: Post) -> None:
    response = post_meta(load("meta_messenger_text.json"))
    assert response.status_code == 200
    assert response.json() == {"messages": {"accepted": 1}, "ignored": {}, "failed": []}
    ticket = only_ticket()
    assert (ticket.channel, ticket.status) == ("facebook", "new")
    assert ticket.subject == "Halo min, pesanan saya INV-2026-88123 belum dikirim."
    assert ticket.customer.name == f"Pengguna Facebook {PSID}"
    assert list(ticket.customer.contacts.values_list("kind", "value")) == [("facebook", PSID)]
    message = ticket.messages.get()
    assert (message.kind, message.channel, message.external_id) == ("inbound", "facebook", MID)
    row = InboundDelivery.objects.get()
    assert (row.provider, row.external_id, row.address, row.status, row.message_id) == (
        "facebook",
        MID,
        PSID,
        InboundStatus.FILED,
        message.pk,
    )


def test_the_same_delivery_twice_is_stored_once(meta: FakeApi, post_meta: Post) -> None:
    payload = load("meta_messenger_text.json")
    first, second = post_meta(payload), post_meta(payload)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["messages"] == {"duplicate": 1}
    counts = (Ticket.objects.count(), Message.objects.count(), InboundDelivery.objects.count())
    assert counts == (1, 1, 1)


def test_an_echo_of_the_pages_own_message_is_ignored(meta: FakeApi, post_meta: Post) -> None:
    response = post_meta(load("meta_messenger_echo.json"))
    assert response.status_code == 200
    assert response.json() == {
        "messages": {},
        "ignored": {"gema pesan bisnis sendiri (is_echo)": 1},
        "failed": [],
    }
    assert (Ticket.objects.count(), InboundDelivery.objects.count()) == (0, 0)


def test_an_attachment_is_kept_as_its_url_on_the_same_ticket(
    meta: FakeApi, post_meta: Post
) -> None:
    post_meta(load("meta_messenger_text.json"))
    assert post_meta(load("meta_messenger_image.json")).json()["messages"] == {"accepted": 1}
    bodies = list(only_ticket().messages.order_by("id").values_list("body", flat=True))
    assert bodies[1] == (
        "Lampiran gambar: https://scontent.xx.fbcdn.net/v/t1.15752-9/bukti_transfer.jpg?_nc_cat=1"
    )


def test_an_instagram_message_opens_an_instagram_ticket(meta: FakeApi, post_meta: Post) -> None:
    assert post_meta(load("meta_instagram_text.json")).status_code == 200
    ticket = only_ticket()
    assert (ticket.channel, ticket.subject) == ("instagram", "Kak, ukuran M masih ada?")
    assert list(ticket.customer.contacts.values_list("kind", "value")) == [
        ("instagram", "1234567890123456")
    ]


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (
            lambda p: p.update(object="user"),
            "object: harus 'page' atau 'instagram', diterima 'user'",
        ),
        (lambda p: p.update(entry=[]), "entry: harus berupa array JSON yang tidak kosong"),
        (
            lambda p: p["entry"][0].update(messaging={}),
            "entry[0].messaging: harus berupa array JSON",
        ),
        (lambda p: p["entry"][0].pop("id"), "entry[0].id: harus berupa teks yang tidak kosong"),
    ],
)
def test_a_payload_of_the_wrong_shape_is_refused_with_400(
    meta: FakeApi, post_meta: Post, mutate: Any, error: str
) -> None:
    payload = load("meta_messenger_text.json")
    mutate(payload)
    response = post_meta(payload)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == error
    assert InboundDelivery.objects.count() == 0


def test_a_message_without_text_or_attachments_is_kept_as_failed(
    meta: FakeApi, post_meta: Post
) -> None:
    payload = load("meta_messenger_text.json")
    del payload["entry"][0]["messaging"][0]["message"]["text"]
    response = post_meta(payload)
    assert response.status_code == 200
    assert response.json()["failed"] == [
        {"id": MID, "error": "entry[0].messaging[0].message: pesan tanpa text maupun attachments"}
    ]
    assert InboundDelivery.objects.get().status == InboundStatus.FAILED
    assert Ticket.objects.count() == 0


# --- public comments -------------------------------------------------------------------------


def test_a_facebook_comment_becomes_a_ticket_with_the_post_and_comment_ids(
    meta: FakeApi, post_meta: Post
) -> None:
    assert post_meta(load("meta_feed_comment.json")).json()["messages"] == {"accepted": 1}
    ticket = only_ticket()
    assert (ticket.channel, ticket.subject) == (
        "facebook",
        "Paket saya sudah seminggu belum sampai, tolong dicek!",
    )
    assert ticket.customer.name == "Siti Rahmawati"
    message = ticket.messages.get()
    assert message.external_id == f"comment:{FB_COMMENT}"
    assert message.body == (
        "Paket saya sudah seminggu belum sampai, tolong dicek!\n\n"
        "(Komentar publik Facebook pada kiriman 108123456789012_812345678901234, "
        f"id komentar {FB_COMMENT})"
    )


def test_the_pages_own_comment_and_other_feed_changes_are_ignored(
    meta: FakeApi, post_meta: Post
) -> None:
    own = load("meta_feed_comment.json")
    own["entry"][0]["changes"][0]["value"]["from"] = {"id": "108123456789012", "name": "Toko"}
    edited = load("meta_feed_comment.json")
    edited["entry"][0]["changes"][0]["value"]["verb"] = "edited"
    assert post_meta(own).json()["ignored"] == {"komentar bisnis sendiri": 1}
    assert post_meta(edited).json()["ignored"] == {
        "bukan komentar baru (kiriman, reaksi, suntingan, hapus …)": 1
    }
    assert InboundDelivery.objects.count() == 0


def test_a_second_comment_joins_the_commenters_open_ticket(meta: FakeApi, post_meta: Post) -> None:
    post_meta(load("meta_instagram_comment.json"))
    again = load("meta_instagram_comment.json")
    again["entry"][0]["changes"][0]["value"].update(id="17865799348089040", text="Halo??")
    assert post_meta(again).json()["messages"] == {"accepted": 1}
    ticket = only_ticket()
    assert (ticket.channel, ticket.customer.name, ticket.messages.count()) == (
        "instagram",
        "rina.belanja",
        2,
    )


# --- replies -------------------------------------------------------------------------------


def test_a_reply_to_a_messenger_customer_goes_through_the_send_api(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_messenger_text.json"))
    meta.script(SEND, 200, {"recipient_id": PSID, "message_id": "m_BALASAN1"})
    message = reply(agent, only_ticket(), "Baik Kak, kami cek.", django_capture_on_commit_callbacks)
    (sent,) = meta.requests
    assert (sent.path, sent.headers["Authorization"]) == (SEND, f"Bearer {TOKEN}")
    assert sent.json() == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Baik Kak, kami cek."},
    }
    row = OutboundDelivery.objects.get(message=message)
    assert (row.provider, row.recipient, row.status, row.provider_id, row.attempts) == (
        "facebook",
        PSID,
        DeliveryStatus.SENT,
        "m_BALASAN1",
        1,
    )


def test_the_first_reply_to_a_comment_goes_public_then_private(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_555"})
    meta.script(SEND, 200, {"recipient_id": "24242424242424242", "message_id": "m_PRIBADI"})
    ticket = only_ticket()
    answer = "Mohon maaf Kak, boleh kirim nomor pesanannya?"
    message = reply(agent, ticket, answer, django_capture_on_commit_callbacks)
    public, private = meta.requests
    assert public.path == f"/v21.0/{FB_COMMENT}/comments"
    assert public.json() == {"message": meta_out.PUBLIC_INVITATION}
    assert private.path == SEND
    assert private.json() == {
        "recipient": {"comment_id": FB_COMMENT},
        "messaging_type": "RESPONSE",
        "message": {"text": answer},
    }
    row = OutboundDelivery.objects.get(message=message)
    assert (row.recipient, row.status, row.parts_sent, row.provider_id) == (
        f"comment:{FB_COMMENT}",
        "sent",
        2,
        "m_PRIBADI",
    )
    # the comment is answered: without a private message from the customer, nothing more
    later = reply(agent, ticket, "Ada kabar, Kak?", django_capture_on_commit_callbacks)
    second = OutboundDelivery.objects.get(message=later)
    assert (second.status, second.error) == ("failed", meta_out.NO_RECIPIENT)
    assert len(meta.requests) == 2


def test_an_instagram_comment_is_answered_under_replies(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_instagram_comment.json"))
    meta.script(f"/{IG_COMMENT}/replies", 200, {"id": "17870000000000001"})
    meta.script(SEND, 200, {"recipient_id": "1234567890123456", "message_id": "aWdf_PRIV"})
    reply(agent, only_ticket(), "Kami bantu cek ya Kak.", django_capture_on_commit_callbacks)
    assert [r.path for r in meta.requests] == [f"/v21.0/{IG_COMMENT}/replies", SEND]
    assert meta.requests[1].json()["recipient"] == {"comment_id": IG_COMMENT}


def test_a_failed_private_reply_is_retried_without_posting_the_public_one_again(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_555"})
    meta.script(SEND, 503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
    start = timezone.now()
    message = reply(agent, only_ticket(), "Jawaban", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.parts_sent, row.last_status_code) == ("pending", 1, 503)
    meta.script(SEND, 200, {"message_id": "m_AKHIRNYA"})
    # due 30 s after the failed attempt, which a loaded machine makes a second or more
    # after ``start``
    assert row.next_attempt_at is not None
    assert timedelta(seconds=29) < row.next_attempt_at - start < timedelta(seconds=40)
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.retry_due() == 1
    assert [r.path for r in meta.requests] == [f"/v21.0/{FB_COMMENT}/comments", SEND, SEND]
    row.refresh_from_db()
    assert (row.status, row.parts_sent, row.provider_id) == ("sent", 2, "m_AKHIRNYA")


def test_a_reply_is_retried_with_backoff_on_500(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_messenger_text.json"))
    meta.script(SEND, 500, {"error": {"message": "An unknown error has occurred.", "code": 1}})
    start = timezone.now()
    message = reply(agent, only_ticket(), "Kami proses ya", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert row.error.startswith("Facebook: (#1) An unknown error has occurred.")
    assert row.next_attempt_at is not None
    assert timedelta(seconds=29) < row.next_attempt_at - start < timedelta(seconds=40)
    assert delivery.retry_due() == 0  # not before its time
    meta.script(SEND, 200, {"message_id": "m_KEDUA"})
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.retry_due() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_id, row.error) == ("sent", 2, "m_KEDUA", "")
    assert len(meta.to(SEND)) == 2


def test_a_400_is_not_retried_and_its_error_is_recorded(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_messenger_text.json"))
    meta.script(SEND, 400, GRAPH_ERROR_400)
    message = reply(agent, only_ticket(), "Halo Kak", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.attempts, row.last_status_code, row.error) == (
        "failed",
        1,
        400,
        "Facebook: (#100) No matching user found",
    )
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert delivery.retry_due() == 0
    assert delivery.attempt(row.pk) == "skipped"
    assert len(meta.to(SEND)) == 1


def test_without_a_page_token_nothing_is_sent(
    meta: FakeApi,
    post_meta: Post,
    agent: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post_meta(load("meta_messenger_text.json"))
    settings.SIGAP_META_PAGE_ACCESS_TOKEN = ""
    message = reply(agent, only_ticket(), "Halo", django_capture_on_commit_callbacks)
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.error) == ("skipped", meta_out.NOT_CONFIGURED)
    assert meta.requests == []


@pytest.mark.django_db
def test_a_comment_ticket_gets_no_automatic_acknowledgement() -> None:
    from sigap.customers.services import customer_create
    from sigap.tickets import services as tickets

    customer = customer_create(name="Komentator")
    ticket = tickets.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="facebook",
        subject="Komentar",
        description="Kok pesanan saya belum dikirim?",
        external_id="comment:123_456",
    )
    assert not ticket.messages.filter(kind="reply").exists()
    dm = tickets.ticket_create(
        actor=None,
        customer=customer,
        kind="complaint",
        channel="facebook",
        subject="Pesan",
        description="Halo, pesanan saya belum dikirim.",
        external_id="m_abc",
    )
    assert dm.messages.filter(kind="reply").count() == 1  # a private message is acknowledged


# --- attachments on replies ------------------------------------------------------------------

UPLOAD = "/v21.0/me/message_attachments"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"y" * 50


def upload_message(request: Any) -> bytes:
    """The ``message`` form field Meta's Attachment Upload API gets (multipart)."""
    head, _, rest = request.body.partition(b'name="message"\r\n\r\n')
    assert head, "no message field in the upload"
    return bytes(rest.split(b"\r\n--", 1)[0])


def test_a_reply_with_attachments_uploads_each_and_sends_it_by_id(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_messenger_text.json"))
    meta.script("/message_attachments", 200, {"attachment_id": "1857777774821032"})
    meta.script("/message_attachments", 200, {"attachment_id": "1857777774821033"})
    meta.script(SEND, 200, {"recipient_id": PSID, "message_id": "m_TEKS"}, times=3)
    message = reply(
        agent,
        only_ticket(),
        "Berikut bukti dan resinya",
        django_capture_on_commit_callbacks,
        uploads=[Upload("bukti.png", PNG), Upload("resi.pdf", PDF)],
    )
    image, document = meta.to("/message_attachments")
    assert (image.path, image.headers["Authorization"]) == (UPLOAD, f"Bearer {TOKEN}")
    assert json.loads(upload_message(image)) == {
        "attachment": {"type": "image", "payload": {"is_reusable": True}}
    }
    assert b'name="filedata"; filename="bukti.png"' in image.body and PNG in image.body
    assert b"Content-Type: image/png" in image.body
    assert json.loads(upload_message(document))["attachment"]["type"] == "file"
    assert PDF in document.body and b'name="platform"' not in document.body
    text, first, second = (r.json() for r in meta.to(SEND))
    assert text["message"] == {"text": "Berikut bukti dan resinya"}
    assert first == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {
            "attachment": {"type": "image", "payload": {"attachment_id": "1857777774821032"}}
        },
    }
    assert second["message"]["attachment"] == {
        "type": "file",
        "payload": {"attachment_id": "1857777774821033"},
    }
    assert [r.path for r in meta.requests] == [SEND, UPLOAD, SEND, UPLOAD, SEND]
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.parts_sent, row.provider_id) == ("sent", 3, "m_TEKS")


def test_an_instagram_attachment_is_uploaded_for_the_instagram_platform(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_instagram_text.json"))
    reply(
        agent,
        only_ticket(),
        "",
        django_capture_on_commit_callbacks,
        uploads=[Upload("ukuran.png", PNG)],
    )
    (upload,) = meta.to("/message_attachments")
    assert b'name="platform"\r\n\r\ninstagram\r\n' in upload.body
    (sent,) = meta.to(SEND)  # no text: only the attachment
    assert sent.json()["recipient"] == {"id": "1234567890123456"}
    assert sent.json()["message"]["attachment"]["type"] == "image"
    assert sent.json()["message"]["attachment"]["payload"]["attachment_id"].isdigit()


def test_an_attachment_over_metas_limit_fails_the_reply_before_anything_is_sent(
    meta: FakeApi,
    post_meta: Post,
    agent: User,
    settings: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 30 * 1024 * 1024  # Sigap takes it, Meta would not
    assert meta_out.ATTACHMENT_LIMIT == 25 * 1024 * 1024
    post_meta(load("meta_messenger_text.json"))
    ticket = only_ticket()
    big = b"%PDF-1.4\n" + b"0" * (meta_out.ATTACHMENT_LIMIT - 8)
    message = reply(
        agent,
        ticket,
        "Katalognya",
        django_capture_on_commit_callbacks,
        uploads=[Upload("k.pdf", big)],
    )
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.attempts, row.parts_sent) == ("failed", 1, 0)
    assert row.error == (
        "Facebook: lampiran 'k.pdf' berukuran 25.0 MB, melebihi batas 25 MB untuk lampiran "
        "Facebook/Instagram; tidak ada yang dikirim. Kirim ulang balasan tanpa lampiran itu "
        "(atau dengan berkas yang lebih kecil)."
    )
    assert meta.requests == []  # neither the text nor an upload
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Gagal terkirim" in page and "melebihi batas 25 MB untuk lampiran" in page


def test_an_answer_to_a_comment_with_an_attachment_is_refused_and_text_still_goes(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_feed_comment.json"))
    ticket = only_ticket()
    with pytest.raises(Conflict) as refused:
        reply(
            agent,
            ticket,
            "Ini resinya",
            django_capture_on_commit_callbacks,
            uploads=[Upload("resi.pdf", PDF)],
        )
    assert refused.value.message.startswith(
        "Balasan atas komentar publik Facebook tidak dapat membawa lampiran: Meta hanya "
        "mengizinkan satu balasan pribadi berupa teks untuk setiap komentar."
    )
    assert not Message.objects.filter(kind="reply").exists()
    assert (OutboundDelivery.objects.count(), meta.requests) == (0, [])
    # the comment is still unanswered: a text reply goes public, then private
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_555"})
    reply(agent, ticket, "Boleh kirim nomor pesanannya, Kak?", django_capture_on_commit_callbacks)
    assert [r.path for r in meta.requests] == [f"/v21.0/{FB_COMMENT}/comments", SEND]
    assert meta.requests[1].json()["recipient"] == {"comment_id": FB_COMMENT}


def test_an_attachment_added_to_a_comment_answer_another_way_fails_after_the_text(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_555"})
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_add(
            actor=agent, ticket=only_ticket(), kind="reply", body="Kami cek ya Kak"
        )
        attachment_store(message=message, upload=Upload("resi.pdf", PDF))
    row = OutboundDelivery.objects.get(message=message)
    assert (row.status, row.parts_sent) == ("failed", 2)
    assert row.error == meta_out.comment_attachment_refusal("facebook")
    assert [r.path for r in meta.requests] == [f"/v21.0/{FB_COMMENT}/comments", SEND]


# --- Meta's messaging window -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("later", "kind"),
    [
        (timedelta(hours=23, minutes=59), {"messaging_type": "RESPONSE"}),
        (timedelta(hours=30), {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
        (timedelta(days=6, hours=23), {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
    ],
)
def test_a_reply_goes_as_a_response_for_24_hours_then_tagged_human_agent(
    meta: FakeApi,
    post_meta: Post,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    later: timedelta,
    kind: dict[str, str],
) -> None:
    post_meta(load("meta_messenger_text.json"))
    with time_machine.travel(timezone.now() + later):
        message = reply(
            agent,
            only_ticket(),
            "Maaf menunggu, Kak",
            django_capture_on_commit_callbacks,
            uploads=[Upload("bukti.png", PNG)],
        )
    text, image = (r.json() for r in meta.to(SEND))
    assert text == {"recipient": {"id": PSID}, **kind, "message": {"text": "Maaf menunggu, Kak"}}
    assert {k: v for k, v in image.items() if k != "message"} == {"recipient": {"id": PSID}, **kind}
    assert OutboundDelivery.objects.get(message=message).status == "sent"


def test_after_seven_days_a_reply_is_refused_and_nothing_is_stored(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_messenger_text.json"))
    ticket = only_ticket()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        with pytest.raises(Conflict) as refused:
            reply(agent, ticket, "Halo Kak?", django_capture_on_commit_callbacks)
        services.message_add(actor=agent, ticket=ticket, kind="note", body="Hubungi lewat telepon")
    assert refused.value.message.startswith(
        "Batas 7 hari Facebook sudah lewat: pesan pribadi terakhir pelanggan diterima "
    )
    assert "tag HUMAN_AGENT) sampai 7 hari" in refused.value.message
    assert refused.value.fields == {"body": ["Di luar batas 7 hari Facebook."]}
    assert not Message.objects.filter(kind="reply").exists()
    assert (OutboundDelivery.objects.count(), meta.requests) == (0, [])


def test_a_retry_after_24_hours_goes_tagged(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    post_meta(load("meta_messenger_text.json"))
    start = timezone.now()
    meta.script(SEND, 503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
    with time_machine.travel(start + timedelta(hours=23, minutes=59, seconds=50)):
        message = reply(agent, only_ticket(), "Kami proses", django_capture_on_commit_callbacks)
    with time_machine.travel(start + timedelta(hours=25)):
        assert delivery.retry_due() == 1
    first, second = (r.json() for r in meta.to(SEND))
    assert first["messaging_type"] == "RESPONSE"
    assert (second["messaging_type"], second["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert OutboundDelivery.objects.get(message=message).status == "sent"


def test_a_reply_written_another_way_after_seven_days_fails_without_calling_meta(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The closing thanks is not a ``message_add`` reply; the worker checks the window."""
    post_meta(load("meta_messenger_text.json"))
    with (
        time_machine.travel(timezone.now() + timedelta(days=8)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.ticket_close(
            actor=agent, ticket=only_ticket(), thanks="Terima kasih Kak", reason="Tidak ada kabar"
        )
    row = OutboundDelivery.objects.get(message__body="Terima kasih Kak")
    assert row.status == "failed"
    assert row.error.startswith("Facebook: Batas 7 hari Facebook sudah lewat")
    assert meta.requests == []


def test_the_private_reply_to_a_comment_keeps_its_own_rule(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """No private message from the commenter: the messaging window does not apply."""
    post_meta(load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_555"})
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        reply(agent, only_ticket(), "Kami bantu cek", django_capture_on_commit_callbacks)
    public, private = meta.requests
    assert public.path == f"/v21.0/{FB_COMMENT}/comments"
    assert private.json() == {
        "recipient": {"comment_id": FB_COMMENT},
        "messaging_type": "RESPONSE",
        "message": {"text": "Kami bantu cek"},
    }


def test_the_ticket_page_says_when_replies_go_tagged_and_when_they_cannot_go(
    meta: FakeApi, post_meta: Post, agent: User, client: Client
) -> None:
    post_meta(load("meta_instagram_text.json"))
    ticket = only_ticket()
    client.force_login(agent)
    assert 'id="meta-window"' not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=30)):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="meta-window"' in page
    assert "Jendela 24 jam Instagram sudah lewat: pesan pribadi terakhir pelanggan diterima" in page
    assert "(tag HUMAN_AGENT), yang diizinkan Meta sampai" in page
    with time_machine.travel(start + timedelta(days=8)):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
        refused = client.post(f"/tickets/{ticket.pk}/reply/", {"kind": "reply", "body": "Halo?"})
    assert "Batas 7 hari Instagram sudah lewat" in page and "HUMAN_AGENT), yang" not in page
    assert refused.status_code == 409
    assert "Batas 7 hari Instagram sudah lewat" in refused.content.decode()
    assert not Message.objects.filter(kind="reply").exists()


def test_the_commenters_messenger_id_from_the_private_reply_joins_their_customer(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    from sigap.customers.services import customer_find_by_contact

    post_meta(load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_556"})
    meta.script(SEND, 200, {"recipient_id": "31313131313131313", "message_id": "m_PRIBADI2"})
    ticket = only_ticket()
    assert customer_find_by_contact("facebook", "31313131313131313") is None

    reply(agent, ticket, "Boleh kirim nomor pesanannya, Kak?", django_capture_on_commit_callbacks)

    # Their private answer will come from this id: it now finds the same customer.
    assert customer_find_by_contact("facebook", "31313131313131313") == ticket.customer


def test_a_messenger_id_another_customer_has_is_left_where_it_is(
    meta: FakeApi, post_meta: Post, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    from sigap.customers.services import ContactIn, customer_create, customer_find_by_contact

    other = customer_create(name="Sari", contacts=[ContactIn("facebook", "31313131313131313")])
    post_meta(load("meta_feed_comment.json"))
    meta.script(f"/{FB_COMMENT}/comments", 200, {"id": "1098765432109876_557"})
    meta.script(SEND, 200, {"recipient_id": "31313131313131313", "message_id": "m_PRIBADI3"})
    ticket = only_ticket()

    message = reply(agent, ticket, "Boleh kirim nomornya?", django_capture_on_commit_callbacks)

    assert customer_find_by_contact("facebook", "31313131313131313") == other
    assert OutboundDelivery.objects.get(message=message).status == "sent"


@pytest.mark.parametrize(
    ("payload", "address"), [("meta_messenger_text.json", PSID), ("meta_instagram_text.json", None)]
)
def test_the_acknowledgement_of_a_new_private_message_goes_to_the_sender(
    meta: FakeApi, post_meta: Post, settings: Any, payload: str, address: str | None
) -> None:
    """Written in the filing transaction, before the inbound row is marked filed: it
    still finds the conversation's PSID/IGSID."""
    settings.SIGAP_AUTO_ACK = True
    post_meta(load(payload))
    ticket = only_ticket()
    row = OutboundDelivery.objects.get(message__ticket=ticket)
    assert (row.status, row.error) == ("sent", "")
    expected = address or InboundDelivery.objects.get().address
    (sent,) = meta.requests
    assert sent.json()["recipient"] == {"id": expected}
    assert ticket.reference in sent.json()["message"]["text"]
