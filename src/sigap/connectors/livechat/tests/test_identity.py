"""Security finding 4, live-chat identity: an address typed in the widget is a claim.

The attack: a visitor types an existing customer's email (or phone) and would be filed
under that customer (agents see the customer's record and history on the chat, the chat
shows in the customer's portal); and a chat's resume token, leaked, would open the chat in
another browser. Here: the chat stays on a provisional customer until the address is
proven with a one-time code mailed to it, or an agent links it; the resume token only
works with the browser's own cookie."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors.livechat import selectors, services
from sigap.connectors.livechat.models import Chat
from sigap.connectors.livechat.tests.test_consumers import run, visitor
from sigap.core.errors import PermissionDenied
from sigap.customers.models import Customer, CustomerContact
from sigap.tickets.models import Ticket, TimelineEvent

COOKIE = "sigap_chat"
ANI_KEY = "browser-key-of-ani-000000000000000000000001"
EVE_KEY = "browser-key-of-eve-000000000000000000000002"


def cookie(key: str) -> list[tuple[bytes, bytes]]:
    return [(b"cookie", f"{COOKIE}={key}".encode())]


def start_chat(email: str = "budi@contoh.id", phone: str = "", key: str = EVE_KEY) -> Chat:
    return services.chat_start(
        name="Penyamar",
        email=email,
        phone=phone,
        body="Tolong cek pesanan saya.",
        cid="start-cid-identity",
        browser_key=key,
    )


def browser(key: str) -> Client:
    client = Client()
    client.cookies[COOKIE] = key
    return client


@pytest.fixture
def ask_code(django_capture_on_commit_callbacks: Any) -> Any:
    """POST for a code; the code is mailed once its transaction commits."""

    def ask(client: Client, token: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/chat/verifikasi/kode/", {"token": token})

    return ask


# --- (a) a claimed address files nothing under its customer ------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chat_started_with_a_customers_email_is_not_filed_under_that_customer(
    customer: Customer, ticket: Ticket, agent: User, customer_user: User
) -> None:
    async def scenario() -> None:
        eve = visitor()
        assert (await eve.connect())[0]
        await eve.send_json_to(
            {
                "type": "start",
                "cid": "start-cid-impostor",
                "name": "Penyamar",
                "email": "budi@contoh.id",
                "phone": "0812 3456 7890",
                "body": "Tolong sebutkan alamat pengiriman saya.",
            }
        )
        assert (await eve.receive_json_from(timeout=3))["type"] == "started"
        assert (await eve.receive_json_from(timeout=3))["type"] == "ready"
        await eve.disconnect()

    run(scenario)

    chat = Chat.objects.select_related("ticket__customer").get()
    assert chat.ticket.customer_id != customer.pk
    assert list(Ticket.objects.filter(customer=customer)) == [ticket]
    assert (chat.visitor_email, chat.identity) == ("budi@contoh.id", "claimed")
    # The provisional record holds no contact that belongs to someone else.
    assert not CustomerContact.objects.filter(customer=chat.ticket.customer).exists()
    # Not in Budi's portal.
    portal = Client()
    portal.force_login(customer_user)
    assert "Tolong sebutkan alamat" not in portal.get("/portal/").content.decode()
    # The agent on the chat's ticket sees neither Budi's record nor his history.
    staff = Client()
    staff.force_login(agent)
    page = staff.get(f"/tickets/{chat.ticket_id}/").content.decode()
    assert "Budi Santoso" not in page
    assert "Paket belum sampai sejak seminggu" not in page
    assert "Belum diverifikasi" in page


# --- (b) the resume token is not a credential on its own ---------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_token_taken_from_one_browser_opens_nothing_in_another() -> None:
    async def scenario() -> None:
        ani = visitor(headers=cookie(ANI_KEY))
        assert (await ani.connect())[0]
        await ani.send_json_to(
            {
                "type": "start",
                "cid": "start-cid-ani-0001",
                "name": "Ani",
                "email": "ani@contoh.id",
                "phone": "",
                "body": "Rahasia Ani",
            }
        )
        token = (await ani.receive_json_from(timeout=3))["token"]
        assert (await ani.receive_json_from(timeout=3))["type"] == "ready"
        await ani.disconnect()

        for headers in (cookie(EVE_KEY), []):
            eve = visitor(headers=headers)
            assert (await eve.connect())[0]
            await eve.send_json_to({"type": "resume", "token": token, "after": 0})
            error = await eve.receive_json_from(timeout=3)
            assert (error["type"], error["code"]) == ("error", "not_found")
            assert "Rahasia Ani" not in str(error)
            assert await eve.receive_output(timeout=3) == {
                "type": "websocket.close",
                "code": 4403,
            }

        # The same browser (its cookie) resumes.
        again = visitor(headers=cookie(ANI_KEY))
        assert (await again.connect())[0]
        await again.send_json_to({"type": "resume", "token": token, "after": 0})
        ready = await again.receive_json_from(timeout=3)
        assert ready["messages"][0]["body"] == "Rahasia Ani"
        await again.disconnect()

    run(scenario)


@pytest.mark.django_db
def test_an_upload_with_a_stolen_token_from_another_browser_stores_nothing() -> None:
    chat = start_chat(email="ani@contoh.id", key=ANI_KEY)
    token = services.token_for(chat)

    for client in (Client(), browser(EVE_KEY)):
        response = client.post(
            "/chat/lampiran/", {"token": token, "cid": "file-cid-stolen", "body": "hai"}
        )
        assert response.status_code == 404
    assert not chat.ticket.messages.filter(body="hai").exists()
    ok = browser(ANI_KEY).post(
        "/chat/lampiran/", {"token": token, "cid": "file-cid-owner", "body": "hai"}
    )
    assert ok.status_code == 200


# --- (c) a one-time code mailed to the address proves it ---------------------------------


def _sent_code() -> str:
    (message,) = mail.outbox
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None
    mail.outbox.clear()
    return found.group(1)


@pytest.mark.django_db
def test_a_code_mailed_to_the_address_links_the_chat_to_its_customer(
    customer: Customer, ticket: Ticket, customer_user: User, ask_code: Any
) -> None:
    chat = start_chat()
    provisional = chat.ticket.customer
    token = services.token_for(chat)
    eve = browser(EVE_KEY)
    mail.outbox.clear()

    sent = ask_code(eve, token)

    assert sent.status_code == 200
    assert [m.to for m in mail.outbox] == [["budi@contoh.id"]]
    body = mail.outbox[0].subject + mail.outbox[0].body
    assert "Penyamar" not in body  # nothing the visitor typed goes to an unproven address
    assert "Tolong cek pesanan" not in body
    code = _sent_code()
    chat.refresh_from_db()
    assert chat.code_hash and code not in chat.code_hash  # hashed at rest
    assert Ticket.objects.get(pk=chat.ticket_id).customer_id == provisional.pk

    checked = eve.post("/chat/verifikasi/", {"token": token, "code": code})

    assert checked.status_code == 200
    assert checked.json()["state"]["verified"] is True
    chat.refresh_from_db()
    moved = Ticket.objects.get(pk=chat.ticket_id)
    assert (moved.customer_id, chat.identity) == (customer.pk, "verified")
    event = TimelineEvent.objects.get(ticket=moved, field="customer")
    assert event.actor_id is None
    assert event.data["reason"] == "Email pengunjung terbukti dengan kode sekali pakai."
    provisional.refresh_from_db()
    assert provisional.merged_into_id == customer.pk  # retired, not left as a duplicate
    portal = Client()
    portal.force_login(customer_user)
    assert "Tolong cek pesanan saya." in portal.get("/portal/").content.decode()
    # A used code does not work twice.
    again = eve.post("/chat/verifikasi/", {"token": token, "code": code})
    assert again.status_code == 409


@pytest.mark.django_db
def test_a_new_address_proven_becomes_the_provisional_customers_contact(ask_code: Any) -> None:
    chat = start_chat(email="baru@contoh.id")
    token = services.token_for(chat)
    eve = browser(EVE_KEY)
    mail.outbox.clear()
    ask_code(eve, token)

    assert eve.post("/chat/verifikasi/", {"token": token, "code": _sent_code()}).status_code == 200

    customer = Ticket.objects.get(pk=chat.ticket_id).customer
    assert list(customer.contacts.values_list("kind", "value")) == [("email", "baru@contoh.id")]


@pytest.mark.django_db
def test_wrong_codes_are_limited_and_the_code_expires(customer: Customer, ask_code: Any) -> None:
    chat = start_chat()
    token = services.token_for(chat)
    eve = browser(EVE_KEY)
    mail.outbox.clear()
    ask_code(eve, token)
    code = _sent_code()
    wrong = "000000" if code != "000000" else "111111"

    answers = [eve.post("/chat/verifikasi/", {"token": token, "code": wrong}) for _ in range(5)]

    assert [a.status_code for a in answers] == [422] * 5
    refused = eve.post("/chat/verifikasi/", {"token": token, "code": code})
    assert refused.status_code == 409  # too many tries: ask for a new code
    assert Ticket.objects.get(pk=chat.ticket_id).customer_id != customer.pk

    ask_code(eve, token)
    code = _sent_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        late = eve.post("/chat/verifikasi/", {"token": token, "code": code})
    assert late.status_code == 409
    assert Ticket.objects.get(pk=chat.ticket_id).customer_id != customer.pk


@pytest.mark.django_db
def test_codes_are_rate_limited_per_address_and_need_the_browser(
    customer: Customer, ask_code: Any
) -> None:
    chat = start_chat()
    token = services.token_for(chat)
    mail.outbox.clear()

    assert ask_code(Client(), token).status_code == 404
    assert mail.outbox == []
    eve = browser(EVE_KEY)
    codes = [ask_code(eve, token).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]  # SIGAP_MAIL_PER_RECIPIENT: 3 per 15 minutes
    assert len(mail.outbox) == 3


# --- (d) an agent links an unverified chat explicitly ------------------------------------


@pytest.mark.django_db
def test_an_agent_links_an_unverified_chat_to_a_customer(
    agent: User, outsider_agent: User, customer: Customer
) -> None:
    chat = services.chat_pickup(actor=agent, chat=start_chat())
    provisional = chat.ticket.customer
    summary = selectors.chat_summary(chat)
    assert (summary["email"], summary["identity"], summary["verified"]) == (
        "budi@contoh.id",
        "claimed",
        False,
    )
    assert summary["match"] == {"id": customer.pk, "name": "Budi Santoso"}

    with pytest.raises(PermissionDenied):
        services.chat_link_customer(actor=outsider_agent, chat=chat, customer=customer)
    linked = services.chat_link_customer(actor=agent, chat=chat, customer=customer)

    assert linked.identity == "linked"
    ticket = Ticket.objects.get(pk=chat.ticket_id)
    assert ticket.customer_id == customer.pk
    event = TimelineEvent.objects.get(ticket=ticket, field="customer")
    assert event.actor_id == agent.pk
    assert event.data["reason"] == "Dihubungkan petugas dari live chat (email belum diverifikasi)."
    assert event.old_value == f"Penyamar (#{provisional.pk})"
    assert event.new_value == f"Budi Santoso (#{customer.pk})"
    assert selectors.chat_summary(linked)["identity"] == "linked"


@pytest.mark.django_db
def test_an_unverified_chats_reply_is_not_mailed_to_the_typed_address(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    from sigap.tickets import services as ticket_services

    chat = start_chat(email="budi@contoh.id")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.message_add(
            actor=agent, ticket=chat.ticket, kind="reply", body="Alamat Anda: Jl. Mawar 1"
        )

    assert mail.outbox == []
    assert "Balasan juga kami kirim" not in selectors.visitor_state(chat)["notice"]


def test_the_console_marks_an_unverified_address() -> None:
    from pathlib import Path

    script = (Path(services.__file__).parent / "static/livechat/console.js").read_text()

    assert '_("Belum diverifikasi")' in script


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_agent_links_from_the_console(agent: User, customer: Customer) -> None:
    from sigap.connectors.livechat.tests.test_consumers import console

    def begin() -> Chat:
        return services.chat_pickup(actor=agent, chat=start_chat())

    async def scenario() -> None:
        chat = await sync_to_async(begin)()
        c = console(agent)
        assert (await c.connect())[0]
        hello = await c.receive_json_from(timeout=3)
        assert hello["chats"][0]["identity"] == "claimed"
        await c.send_json_to({"type": "link", "chat": chat.pk, "customer": customer.pk})
        changed = await c.receive_json_from(timeout=3)
        assert (changed["type"], changed["chat"]["identity"]) == ("chat", "linked")
        await c.disconnect()

    run(scenario)
    assert Chat.objects.get().ticket.customer_id == customer.pk


@pytest.mark.django_db
def test_the_code_mail_is_the_text_edited_on_the_settings_page(admin: User, ask_code: Any) -> None:
    from sigap.accounts import message_templates as mt

    mt.message_template_save(
        actor=admin,
        key="livechat_code",
        language="id",
        brand=None,
        subject="Kode Anda untuk {merek}",
        body="Kode: {kode} ({menit} menit).",
    )
    chat = start_chat()
    mail.outbox.clear()
    assert ask_code(browser(EVE_KEY), services.token_for(chat)).status_code == 200
    (sent,) = mail.outbox
    assert sent.subject.startswith("Kode Anda untuk ")
    assert re.fullmatch(r"Kode: \d{6} \(\d+ menit\)\.", sent.body)
    mt.message_template_reset(actor=admin, key="livechat_code", language="id", brand=None)
    mail.outbox.clear()
    ask_code(browser(EVE_KEY), services.token_for(chat))
    (sent,) = mail.outbox
    assert sent.subject == "Kode verifikasi live chat"
    assert sent.body.startswith("Halo,\n\nKode verifikasi live chat Anda: ")
