from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors.livechat import services
from sigap.connectors.livechat.models import Chat
from sigap.connectors.livechat.selectors import message_out
from sigap.tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KEY = "browser-key-of-the-test-visitor-00000001"


@pytest.fixture
def chat(client: Client) -> Chat:
    client.cookies[services.BROWSER_COOKIE] = KEY  # the browser that started the chat
    return services.chat_start(
        name="Ani",
        email="ani@contoh.id",
        phone="",
        body="Halo",
        cid="start-cid-0100",
        browser_key=KEY,
    )


def test_the_console_is_for_staff_only(client: Client, agent: User, customer_user: User) -> None:
    assert client.get("/chat/").status_code == 302
    client.force_login(customer_user)
    assert client.get("/chat/").status_code == 302
    client.force_login(agent)
    page = client.get("/chat/")
    assert page.status_code == 200
    assert b'id="lc-console"' in page.content


def test_the_sample_page_carries_the_one_widget_tag(client: Client) -> None:
    page = client.get("/chat/contoh/").content.decode()

    assert '<script src="/static/livechat/widget.js" data-sigap-chat></script>' in page


def test_a_visitor_uploads_a_file_with_its_token_and_cookie_and_downloads_it(
    client: Client, chat: Chat
) -> None:
    response = client.post(
        "/chat/lampiran/",
        {
            "token": services.token_for(chat),
            "cid": "file-cid-0001",
            "file": SimpleUploadedFile("struk.pdf", PDF),
        },
    )

    assert response.status_code == 200
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.kind, message.ticket_id) == ("inbound", chat.ticket_id)
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type) == ("struk.pdf", "application/pdf")
    (link,) = message_out(message, chat)["attachments"]
    download = client.get(link["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[arg-type]
    assert download["Content-Disposition"].startswith("attachment")


def test_an_upload_without_a_valid_token_stores_nothing(client: Client, chat: Chat) -> None:
    response = client.post(
        "/chat/lampiran/",
        {"token": "palsu", "cid": "file-cid-0002", "file": SimpleUploadedFile("a.pdf", PDF)},
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Attachment.objects.count() == 0


def test_an_altered_attachment_link_is_not_found(client: Client) -> None:
    assert client.get("/chat/lampiran/MQ:abc:def/").status_code == 404


def test_the_handling_agent_uploads_a_reply_file(
    client: Client, chat: Chat, agent: User, customer_user: User
) -> None:
    services.chat_pickup(actor=agent, chat=chat)
    form = {"cid": "file-cid-0003", "file": SimpleUploadedFile("panduan.pdf", PDF)}
    client.force_login(customer_user)
    assert client.post(f"/chat/{chat.pk}/lampiran/", form).status_code == 302
    assert Attachment.objects.count() == 0

    client.force_login(agent)
    form["file"] = SimpleUploadedFile("panduan.pdf", PDF)
    response = client.post(f"/chat/{chat.pk}/lampiran/", form)

    assert response.status_code == 200
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.kind, message.author_id) == ("reply", agent.pk)
    assert message.attachments.get().filename == "panduan.pdf"
