"""Attachments: size limit with a clear 413, type from content, served only to who may see."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from sigap.accounts.models import User
from sigap.tickets.models import Attachment, Message, Ticket
from tests.api_client import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def upload(api: Api, ticket: Ticket, *files: SimpleUploadedFile, kind: str = "reply") -> object:
    return api.upload(
        f"/tickets/{ticket.pk}/messages", {"kind": kind, "body": "Lampiran", "files": list(files)}
    )


def test_type_is_detected_from_content_not_from_the_name(agent: User, ticket: Ticket) -> None:
    api = Api(agent)

    response = upload(api, ticket, SimpleUploadedFile("bukan-teks.txt", PNG, "text/plain"))

    assert response.status_code == 201
    [meta] = response.json()["attachments"]
    assert meta["content_type"] == "image/png"
    assert meta["size"] == len(PNG)
    download = api.client.get(meta["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PNG


def test_several_files_keep_their_names_and_paths_are_stripped(agent: User, ticket: Ticket) -> None:
    response = upload(
        Api(agent),
        ticket,
        SimpleUploadedFile("../../etc/passwd", b"root:x:0:0"),
        SimpleUploadedFile("struk.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
    )

    assert [(a["filename"], a["content_type"]) for a in response.json()["attachments"]] == [
        ("passwd", "text/plain"),
        ("struk.pdf", "application/pdf"),
    ]


@override_settings(SIGAP_MAX_ATTACHMENT_BYTES=1024)
def test_an_oversized_file_is_413_with_a_clear_message_and_nothing_is_stored(
    agent: User, ticket: Ticket
) -> None:
    before = Message.objects.count()

    response = upload(
        Api(agent),
        ticket,
        SimpleUploadedFile("kecil.txt", b"ok"),
        SimpleUploadedFile("video.mp4", b"0" * 4096),
    )

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "video.mp4" in error["message"]
    assert "melebihi batas" in error["message"]
    assert Message.objects.count() == before
    assert Attachment.objects.count() == 0


@override_settings(SIGAP_MAX_ATTACHMENT_BYTES=1024)
def test_a_huge_request_is_refused_before_it_is_read(agent: User, ticket: Ticket) -> None:
    response = Api(agent).client.post(
        f"/api/v1/tickets/{ticket.pk}/messages",
        b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("role", "status"),
    [("agent", 200), ("customer_user", 200), ("other_customer_user", 404), ("outsider_agent", 404)],
)
def test_attachments_are_served_only_to_who_may_see_the_ticket(
    request: pytest.FixtureRequest, agent: User, ticket: Ticket, role: str, status: int
) -> None:
    created = upload(Api(agent), ticket, SimpleUploadedFile("nota.txt", b"nota"))
    url = created.json()["attachments"][0]["url"]

    response = Api(request.getfixturevalue(role)).client.get(url)
    response.close()  # a FileResponse holds the file open until closed

    assert response.status_code == status


def test_a_customer_never_gets_an_internal_note_attachment(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    created = upload(
        Api(agent), ticket, SimpleUploadedFile("internal.txt", b"rahasia"), kind="note"
    )
    url = created.json()["attachments"][0]["url"]

    assert Api(customer_user).client.get(url).status_code == 404
    messages = Api(customer_user).get(f"/tickets/{ticket.pk}/messages").json()
    assert all(m["kind"] != "note" for m in messages)
