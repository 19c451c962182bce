from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from sigap.accounts.models import User
from sigap.accounts.presence import mark_seen
from sigap.connectors import delivery
from sigap.connectors.livechat import selectors, services
from sigap.connectors.livechat.models import Chat, ChatStatus
from sigap.connectors.livechat.tasks import email_reply
from sigap.connectors.models import OutboundDelivery
from sigap.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sigap.customers.models import Customer, CustomerContact
from sigap.tickets import services as ticket_services
from sigap.tickets.guidance import when
from sigap.tickets.models import Message, MessageKind

pytestmark = pytest.mark.django_db

CID = "cid-start-0001"
KEY = "browser-key-of-the-test-visitor-00000001"


def start(cid: str = CID, email: str = "ani@contoh.id", phone: str = "") -> Chat:
    return services.chat_start(
        name="Ani Wijaya",
        email=email,
        phone=phone,
        body="Pesanan saya belum datang.",
        cid=cid,
        browser_key=KEY,
    )


def verify(chat: Chat, capture: Any) -> Chat:
    """The visitor proves the typed address with the code mailed to it."""
    with capture(execute=True):
        services.chat_code_send(chat=chat)
    code = re.search(r"\b(\d{6})\b", mail.outbox.pop().body)
    assert code is not None
    return services.chat_code_check(chat=chat, code=code.group(1))


def test_it_opens_a_livechat_ticket_with_the_first_message_and_a_provisional_customer() -> None:
    chat = start()

    ticket = chat.ticket
    assert (ticket.channel, ticket.kind, ticket.subject) == (
        "livechat",
        "inquiry",
        "Live chat: Pesanan saya belum datang.",
    )
    assert ticket.customer.name == "Ani Wijaya"
    # The typed address is a claim kept on the chat, not a contact of anyone yet.
    assert list(ticket.customer.contacts.values_list("kind", "value")) == []
    assert (chat.visitor_email, chat.identity) == ("ani@contoh.id", "claimed")
    assert chat.provisional_customer_id == ticket.customer_id
    first = ticket.messages.order_by("pk").first()
    assert first is not None
    assert (first.kind, first.body, first.external_id) == (
        "inbound",
        "Pesanan saya belum datang.",
        f"livechat:start:{CID}",
    )
    assert (chat.status, chat.agent, chat.offline) == (ChatStatus.WAITING, None, True)


def test_a_typed_email_or_phone_of_a_customer_files_nothing_under_them(
    customer: Customer,
) -> None:
    by_email = start(email="BUDI@contoh.id")
    by_phone = start(cid="cid-start-0002", email="", phone="0812 3456 7890")

    assert by_email.ticket.customer_id != customer.pk
    assert by_phone.ticket.customer_id != customer.pk
    assert by_email.ticket.customer_id != by_phone.ticket.customer_id
    assert CustomerContact.objects.filter(value="budi@contoh.id").count() == 1


def test_a_retried_start_from_another_browser_opens_nothing() -> None:
    start()

    with pytest.raises(NotFound):
        services.chat_start(
            name="Ani Wijaya",
            email="ani@contoh.id",
            phone="",
            body="Pesanan saya belum datang.",
            cid=CID,
            browser_key="browser-key-of-someone-else-000000000002",
        )


def test_a_retried_start_returns_the_same_chat() -> None:
    first = start()
    again = start()

    assert again.pk == first.pk
    assert Chat.objects.count() == 1


def test_it_is_not_offline_when_an_agent_is_online(agent: User) -> None:
    mark_seen(agent.pk)

    assert start().offline is False


@pytest.mark.parametrize(
    ("name", "email", "phone", "field"),
    [
        ("", "a@contoh.id", "", "name"),
        ("Ani", "", "", "email"),
        ("Ani", "bukan-email", "", "email"),
    ],
)
def test_it_refuses_an_incomplete_start(name: str, email: str, phone: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.chat_start(
            name=name, email=email, phone=phone, body="Halo", cid=CID, browser_key=KEY
        )

    assert field in exc.value.fields
    assert Chat.objects.count() == 0


def test_the_offline_notice_names_the_ticket_and_the_answer_time(
    django_capture_on_commit_callbacks: Any,
) -> None:
    chat = start()

    notice = selectors.visitor_state(chat)["notice"]

    expected_when = when(chat.ticket.first_response_due_at)
    told = (
        "Saat ini belum ada petugas yang daring. Percakapan ini sudah kami catat sebagai "
        f"tiket {chat.ticket.reference}. Kami akan membalas paling lambat {expected_when}."
    )
    assert notice == (
        f"{told} Verifikasi email ani@contoh.id agar balasan juga kami kirim ke sana."
    )
    chat = verify(chat, django_capture_on_commit_callbacks)
    assert selectors.visitor_state(chat)["notice"] == (
        f"{told} Balasan juga kami kirim ke email ani@contoh.id."
    )


def test_a_resent_visitor_message_is_stored_once() -> None:
    chat = start()

    one = services.chat_visitor_message(chat=chat, cid="cid-msg-0001", body="Nomor resi JNE01")
    two = services.chat_visitor_message(chat=chat, cid="cid-msg-0001", body="Nomor resi JNE01")

    assert one.pk == two.pk
    assert Message.objects.filter(body="Nomor resi JNE01").count() == 1
    assert one.kind == MessageKind.INBOUND


def test_pickup_assigns_the_ticket_and_a_second_pickup_is_refused(
    agent: User, outsider_agent: User
) -> None:
    chat = start()

    services.chat_pickup(actor=agent, chat=chat)

    chat.refresh_from_db()
    chat.ticket.refresh_from_db()
    assert (chat.status, chat.agent_id, chat.ticket.assignee_id) == ("active", agent.pk, agent.pk)
    with pytest.raises(Conflict):
        services.chat_pickup(actor=outsider_agent, chat=chat)
    chat.refresh_from_db()
    assert chat.agent_id == agent.pk


def test_the_agent_replies_and_notes_into_the_ticket(agent: User, outsider_agent: User) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())

    reply = services.chat_agent_message(
        actor=agent, chat=chat, cid="cid-agent-01", body="Kami cek dulu ya.", note=False
    )
    note = services.chat_agent_message(
        actor=agent, chat=chat, cid="cid-agent-02", body="Kurir lambat.", note=True
    )

    assert (reply.kind, reply.author_id) == ("reply", agent.pk)
    assert note.kind == "note"
    assert [m["body"] for m in selectors.messages_after(chat, reply.pk - 1, staff=False)] == [
        "Kami cek dulu ya."
    ]
    with pytest.raises(PermissionDenied):
        services.chat_agent_message(
            actor=outsider_agent, chat=chat, cid="cid-agent-03", body="Halo", note=False
        )
    assert not Message.objects.filter(external_id__endswith="cid-agent-03").exists()


def test_transfer_goes_only_to_an_online_agent(agent: User, outsider_agent: User) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())

    with pytest.raises(ValidationFailed):
        services.chat_transfer(actor=agent, chat=chat, to=outsider_agent)
    mark_seen(outsider_agent.pk)
    services.chat_transfer(actor=agent, chat=chat, to=outsider_agent)

    chat.refresh_from_db()
    chat.ticket.refresh_from_db()
    assert (chat.agent_id, chat.ticket.assignee_id) == (outsider_agent.pk, outsider_agent.pk)


def test_an_ended_chat_takes_no_more_visitor_messages(agent: User) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())

    services.chat_end(chat=chat, actor=agent)

    chat.refresh_from_db()
    assert chat.status == ChatStatus.ENDED
    assert chat.ended_at is not None
    with pytest.raises(Conflict):
        services.chat_visitor_message(chat=chat, cid="cid-after-end", body="Halo?")


def test_a_token_opens_its_own_chat_only_in_its_own_browser() -> None:
    chat = start()
    token = services.token_for(chat)

    assert services.chat_from_token(token, KEY).pk == chat.pk
    with pytest.raises(NotFound):
        services.chat_from_token(token[:-2] + "xx", KEY)
    with pytest.raises(NotFound):
        services.chat_from_token("", KEY)
    for other in ("", "short", "browser-key-of-someone-else-000000000002"):
        with pytest.raises(NotFound):
            services.chat_from_token(token, other)
    chat.refresh_from_db()
    assert len(chat.browser_key_hash) == 64
    assert KEY not in chat.browser_key_hash  # only its hash is kept


def test_a_later_reply_on_an_offline_chat_is_mailed_once_the_address_is_proven(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    chat = verify(start(), django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.message_add(
            actor=agent, ticket=chat.ticket, kind="reply", body="Paket Anda dikirim ulang hari ini."
        )

    assert [m.to for m in mail.outbox] == [["ani@contoh.id"]]
    assert "Paket Anda dikirim ulang hari ini." in mail.outbox[0].body


def test_a_reply_during_an_active_chat_is_not_mailed(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.chat_agent_message(
            actor=agent, chat=chat, cid="cid-agent-09", body="Halo", note=False
        )

    assert callbacks  # the reply was delivered (pushed), just not mailed
    assert mail.outbox == []


def test_the_ticket_page_shows_the_transcript(agent: User) -> None:
    chat = services.chat_pickup(actor=agent, chat=start())
    services.chat_visitor_message(chat=chat, cid="cid-msg-0002", body="Resinya JNE0123")
    services.chat_agent_message(
        actor=agent, chat=chat, cid="cid-agent-04", body="Terima kasih, sudah kami cek.", note=False
    )
    client = Client()
    client.force_login(agent)

    page = client.get(f"/tickets/{chat.ticket_id}/").content.decode()

    for body in ("Pesanan saya belum datang.", "Resinya JNE0123", "Terima kasih, sudah kami cek."):
        assert body in page


def test_an_ended_chat_asks_for_a_rating_in_the_window(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    import re
    from unittest import mock

    from sigap.surveys.models import Survey

    chat = services.chat_pickup(actor=agent, chat=start())
    with (
        mock.patch("sigap.connectors.livechat.live.send_now") as pushed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.chat_end(chat=chat, actor=agent)
    survey = Survey.objects.get(ticket=chat.ticket)
    assert survey.sent_via == "livechat"
    cards = [c.args[1] for c in pushed.call_args_list if c.args[1].get("type") == "lc.survey"]
    (card,) = cards
    assert [c["score"] for c in card["survey"]["choices"]] == [1, 2, 3, 4, 5]
    url = card["survey"]["choices"][4]["url"]
    path = re.sub(r"^https?://[^/]+", "", url)
    assert Client().get(path).status_code == 200  # one tap, no sign-in
    survey.refresh_from_db()
    assert survey.csat == 5
    # resolving the ticket later does not survey the customer again
    from sigap.surveys.services import invite_after_resolution

    assert invite_after_resolution(chat.ticket_id) is None


def test_the_mail_to_a_visitor_who_left_survives_a_lost_job(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The mail's row is written with the reply: when the process dies before the job is
    queued, the send loop's sweep mails it, once."""
    chat = verify(start(), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):  # nothing after the commit
        reply = ticket_services.message_add(
            actor=agent, ticket=chat.ticket, kind="reply", body="Paket Anda dikirim ulang."
        )
    row = OutboundDelivery.objects.get(message=reply)
    assert (row.provider, row.status, row.recipient) == ("email", "pending", "ani@contoh.id")
    assert mail.outbox == []

    assert delivery.retry_due() == 1
    assert delivery.retry_due() == 0
    assert [m.to for m in mail.outbox] == [["ani@contoh.id"]]
    row.refresh_from_db()
    assert row.status == "sent"
    assert email_reply.call_local(reply.pk) is True  # an old queued job: mails nothing more
    assert len(mail.outbox) == 1
