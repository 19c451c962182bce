"""Messages (inbound, reply, internal note), redelivery by external id, and attachments."""

from __future__ import annotations

import hashlib
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from sigap.accounts.models import User
from sigap.core.errors import PayloadTooLarge, PermissionDenied, ValidationFailed
from sigap.tickets import services
from sigap.tickets.attachments import Upload, clean_filename, detect_content_type
from sigap.tickets.models import (
    Attachment,
    EventKind,
    Message,
    MessageKind,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.services import messages as message_services
from sigap.tickets.tests.steps import drive_to, event_ids

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def last_event(ticket: Ticket) -> TimelineEvent:
    """The last event that is not SLA bookkeeping (pause/resume of the clock)."""
    return TimelineEvent.objects.filter(ticket=ticket).exclude(kind__startswith="sla_").latest("id")


# --- kinds of message -------------------------------------------------------------------------


def test_an_inbound_message_from_the_customer_arrives_on_the_portal(
    customer_user: User, ticket: Ticket
) -> None:
    message = services.message_add(
        actor=customer_user, ticket=ticket, kind="inbound", body="  Sudah ada kabar?  "
    )

    assert (message.kind, message.channel, message.author, message.body) == (
        "inbound",
        "portal",
        customer_user,
        "Sudah ada kabar?",
    )
    event = last_event(ticket)
    assert (event.kind, event.public, event.actor, event.data) == (
        EventKind.MESSAGE_RECEIVED,
        True,
        customer_user,
        {"message_id": message.pk, "channel": "portal"},
    )
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None


def test_a_webhook_message_without_an_actor_keeps_the_ticket_channel(ticket: Ticket) -> None:
    message = services.message_add(actor=None, ticket=ticket, kind="inbound", body="Halo min")

    assert (message.channel, message.author) == ("whatsapp", None)


def test_a_reply_is_public_and_a_note_is_internal(agent: User, ticket: Ticket) -> None:
    reply = services.message_add(actor=agent, ticket=ticket, kind="reply", body="Kami cek, Kak.")
    reply_event = last_event(ticket)
    note = services.message_add(actor=agent, ticket=ticket, kind="note", body="Cek gudang.")
    note_event = last_event(ticket)

    assert (reply.kind, reply.is_public, reply_event.kind, reply_event.public) == (
        "reply",
        True,
        EventKind.REPLY_SENT,
        True,
    )
    assert (note.kind, note.is_public, note_event.kind, note_event.public) == (
        "note",
        False,
        EventKind.NOTE_ADDED,
        False,
    )


def test_the_first_reply_sets_first_responded_at_once(
    agent: User, ticket: Ticket, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    services.message_add(actor=agent, ticket=ticket, kind="note", body="Cek gudang dulu.")
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None

    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Kami cek, Kak.")
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Sudah ketemu.")

    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == T0


def test_a_message_with_an_explicit_time_is_stored_at_that_time(
    agent: User, ticket: Ticket
) -> None:
    message = services.message_add(
        actor=agent, ticket=ticket, kind="reply", body="Balasan telepon.", created_at=T0
    )

    assert message.created_at == T0
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == T0
    assert last_event(ticket).created_at == T0


def test_an_inbound_message_resumes_a_ticket_waiting_for_the_customer(
    agent: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, Status.WAITING_CUSTOMER)

    services.message_add(actor=customer_user, ticket=ticket, kind="inbound", body="Ini resinya.")

    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    event = last_event(ticket)
    assert (event.kind, event.old_value, event.new_value, event.data, event.actor) == (
        EventKind.STATUS_CHANGED,
        "waiting_customer",
        "in_progress",
        {"reason": "Pelanggan membalas."},
        customer_user,
    )


@pytest.mark.parametrize("kind", ["reply", "note"])
def test_a_staff_message_does_not_resume_a_waiting_ticket(
    agent: User, ticket: Ticket, kind: str
) -> None:
    ticket = drive_to(agent, ticket, Status.WAITING_CUSTOMER)

    services.message_add(actor=agent, ticket=ticket, kind=kind, body="Mohon kirim resi, Kak.")

    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_CUSTOMER


@pytest.mark.parametrize("kind", ["reply", "note"])
def test_a_customer_may_not_write_a_reply_or_a_note(
    customer_user: User, ticket: Ticket, kind: str
) -> None:
    before = (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket))

    with pytest.raises(PermissionDenied) as exc:
        services.message_add(actor=customer_user, ticket=ticket, kind=kind, body="Halo")

    assert exc.value.message == "Pelanggan hanya dapat mengirim pesan."
    assert ticket.messages.count() == 1
    assert (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket)) == before


def test_an_empty_message_is_rejected(agent: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.message_add(actor=agent, ticket=ticket, kind="reply", body=" \n ")

    assert exc.value.fields == {"body": ["Wajib diisi."]}
    assert ticket.messages.count() == 1


def test_a_message_bumps_the_ticket_version(agent: User, ticket: Ticket) -> None:
    services.message_add(actor=agent, ticket=ticket, kind="note", body="Cek gudang.")

    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 1


# --- redelivery -------------------------------------------------------------------------------


def test_a_redelivered_message_returns_the_stored_one_and_creates_nothing(ticket: Ticket) -> None:
    first = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Halo", external_id="wamid.HBgL123"
    )
    before = (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket))

    second = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Halo", external_id="wamid.HBgL123"
    )

    assert second.pk == first.pk
    assert Message.objects.filter(external_id="wamid.HBgL123").count() == 1
    assert (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket)) == before


def test_the_same_external_id_on_another_channel_is_another_message(ticket: Ticket) -> None:
    wa = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Halo", external_id="42"
    )
    tg = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Halo", channel="telegram", external_id="42"
    )

    assert wa.pk != tg.pk
    assert Message.objects.filter(external_id="42").count() == 2


def test_a_message_inserted_by_a_concurrent_delivery_is_returned(
    monkeypatch: pytest.MonkeyPatch, ticket: Ticket
) -> None:
    # given another delivery of the same message that lands between the duplicate check
    # and the insert (simulated when this call takes the ticket lock)
    real_lock = message_services._lock
    competitor: list[Message] = []

    def lock_after_competitor(t: Ticket) -> Ticket:
        competitor.append(
            Message.objects.create(
                ticket=t,
                kind=MessageKind.INBOUND,
                channel="whatsapp",
                body="Halo",
                external_id="wamid.race",
                created_at=T0,
            )
        )
        return real_lock(t)

    monkeypatch.setattr(message_services, "_lock", lock_after_competitor)
    events_before = event_ids(ticket)

    # when this delivery inserts
    message = services.message_add(
        actor=None, ticket=ticket, kind="inbound", body="Halo", external_id="wamid.race"
    )

    # then it gets the competitor's row, and its own message and event are gone
    assert message.pk == competitor[0].pk
    assert Message.objects.filter(external_id="wamid.race").count() == 1
    assert event_ids(ticket) == events_before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_deliveries_store_one_message(ticket: Ticket) -> None:
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=5)
            message = services.message_add(
                actor=None, ticket=ticket, kind="inbound", body="Halo", external_id="wamid.dup"
            )
            results.append(message.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert len(results) == 2
    assert results[0] == results[1]
    assert Message.objects.filter(external_id="wamid.dup").count() == 1
    assert (
        TimelineEvent.objects.filter(
            kind=EventKind.MESSAGE_RECEIVED, data__message_id=results[0]
        ).count()
        == 1
    )


# --- attachments ------------------------------------------------------------------------------


def attach(agent: User, ticket: Ticket, *uploads: Upload, kind: str = "reply") -> Message:
    return services.message_add(
        actor=agent, ticket=ticket, kind=kind, body="Terlampir.", uploads=list(uploads)
    )


def test_an_attachment_is_stored_by_its_hash(agent: User, ticket: Ticket, media_root: Path) -> None:
    content = b"Resi JNE: 0123456789\nPenerima: Budi Santoso\n"
    digest = hashlib.sha256(content).hexdigest()

    message = attach(agent, ticket, Upload("resi.txt", content))

    attachment = Attachment.objects.get(message=message)
    assert (attachment.ticket_id, attachment.filename, attachment.size, attachment.sha256) == (
        ticket.pk,
        "resi.txt",
        len(content),
        digest,
    )
    assert attachment.file.name == f"attachments/{digest[:2]}/{digest}"
    assert (media_root / attachment.file.name).read_bytes() == content


def test_a_message_may_be_only_an_attachment(agent: User, ticket: Ticket) -> None:
    message = services.message_add(
        actor=agent, ticket=ticket, kind="reply", body="", uploads=[Upload("foto.png", PNG)]
    )

    assert (message.body, message.attachments.count()) == ("", 1)


def test_a_new_message_knows_its_attachments_without_a_query(
    agent: User, ticket: Ticket, django_assert_num_queries: Any
) -> None:
    with_files = attach(agent, ticket, Upload("foto.png", PNG), Upload("resi.txt", b"JNE 0123"))
    without = services.message_add(actor=agent, ticket=ticket, kind="note", body="Dicek.")

    with django_assert_num_queries(0):  # pushed to live chat or returned by the API as is
        listed = [a.filename for a in with_files.attachments.all()]
        assert list(without.attachments.all()) == []
    stored = Attachment.objects.filter(message=with_files).order_by("id")
    assert listed == [a.filename for a in stored] == ["foto.png", "resi.txt"]


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("foto.txt", PNG, "image/png"),
        ("catatan.png", "Paket saya belum sampai, tolong dicek ya kak 🙏".encode(), "text/plain"),
        ("data.bin", random.Random(20260302).randbytes(2048), "application/octet-stream"),
        ("kosong.txt", b"", "text/plain"),
        ("pdf.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
    ],
    ids=["png-named-txt", "utf8-text", "random-bytes", "empty", "pdf"],
)
def test_the_content_type_comes_from_the_bytes_not_the_name(
    agent: User, ticket: Ticket, filename: str, content: bytes, content_type: str
) -> None:
    message = attach(agent, ticket, Upload(filename, content))

    assert message.attachments.get().content_type == content_type


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"abc\xff", "application/octet-stream"),  # an invalid byte at the end of a short file
        (b"Harga Rp 10.000 \xc3", "application/octet-stream"),  # a cut character, not cut off
        (b"a" * 8191 + "é".encode() + b"lanjut", "text/plain"),  # cut by the 8 KiB sample
        (b"a" * 8190 + b"\xff\xfe" + b"lanjut", "application/octet-stream"),
    ],
    ids=["short-invalid-tail", "short-truncated-char", "long-cut-char", "long-invalid"],
)
def test_text_detection_only_forgives_a_character_cut_by_the_sample(
    content: bytes, content_type: str
) -> None:
    assert detect_content_type(content) == content_type


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\budi\\Desktop\\foto.png", "foto.png"),
        ("/var/www/../bukti transfer.pdf", "bukti transfer.pdf"),
        ("  nota\x00.pdf  ", "nota.pdf"),
        ("a" * 300 + ".txt", "a" * 200),
    ],
)
def test_filenames_lose_their_paths(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "../", "..", "a/..", "/"])
def test_a_filename_without_a_name_is_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        clean_filename(raw)

    assert exc.value.fields == {"files": ["Nama kosong."]}


def test_a_path_in_an_uploaded_filename_is_cleaned_when_stored(agent: User, ticket: Ticket) -> None:
    message = attach(agent, ticket, Upload("../../etc/passwd", b"root:x:0:0"))

    assert message.attachments.get().filename == "passwd"


def test_an_unnamed_upload_creates_nothing(agent: User, ticket: Ticket) -> None:
    before = (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket))

    with pytest.raises(ValidationFailed):
        attach(agent, ticket, Upload("foto.png", PNG), Upload("..", b"x"))

    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    assert (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket)) == before


def test_an_oversized_attachment_is_refused_before_anything_is_created(
    settings: Settings, agent: User, ticket: Ticket, media_root: Path
) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 16
    before = (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket))

    with pytest.raises(PayloadTooLarge) as exc:
        attach(agent, ticket, Upload("kecil.txt", b"ok"), Upload("besar.txt", b"x" * 17))

    assert exc.value.code == "payload_too_large"
    assert exc.value.message.startswith("Lampiran 'besar.txt' berukuran 0.0 MB, melebihi batas")
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    assert (Ticket.objects.get(pk=ticket.pk).version, event_ids(ticket)) == before
    assert list(media_root.rglob("*")) == []


def test_an_attachment_of_exactly_the_limit_is_accepted(
    settings: Settings, agent: User, ticket: Ticket
) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 16

    message = attach(agent, ticket, Upload("pas.txt", b"x" * 16))

    assert message.attachments.get().size == 16


def test_an_oversized_attachment_on_a_new_ticket_creates_no_ticket(
    settings: Settings, agent: User, ticket: Ticket
) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 16
    count = Ticket.objects.count()
    kwargs: dict[str, Any] = {
        "actor": agent,
        "customer": ticket.customer,
        "kind": "complaint",
        "channel": "email",
        "subject": "Foto barang rusak",
        "description": "Terlampir fotonya.",
        "uploads": [Upload("foto.jpg", b"x" * 17)],
    }

    with pytest.raises(PayloadTooLarge):
        services.ticket_create(**kwargs)

    assert Ticket.objects.count() == count


def test_an_attachment_stored_later_is_found_by_a_query_on_the_same_instance(
    agent: User, ticket: Ticket
) -> None:
    """A message written without attachments, one stored for it after (as
    connectors/messaging/media.py does): a query through ``message.attachments``
    (``order_by``/``get``, as delivery.parts_of and ticket_split read them) finds it on
    the same instance (found in review)."""
    from sigap.tickets.attachments import attachment_store

    message = services.message_add(actor=agent, ticket=ticket, kind="note", body="Dicek.")
    attachment_store(message=message, upload=Upload("resi.txt", b"JNE 0123"))

    assert [a.filename for a in message.attachments.order_by("id")] == ["resi.txt"]
    assert message.attachments.get().filename == "resi.txt"
