"""Removing a mailbox and disconnecting a messaging channel from the settings pages
(admins only): a confirm step that says what happens, the tickets and their messages
kept, the secrets erased, the webhook refusing afterwards, the mailbox replies leave
through refused with a precise message, each removal audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User
from sigap.connectors import conf
from sigap.connectors.models import ChannelAccount, Mailbox
from sigap.core import secretbox
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db
VERIFY = "token-verifikasi-webhook-123"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def events() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityKind.SETTINGS_CHANGED).order_by("id"))


def mailbox(**extra: Any) -> Mailbox:
    values: dict[str, Any] = {
        "name": "CS Belanjaku",
        "address": "cs@belanjaku.test",
        "host": "imap.belanjaku.test",
        "username": "cs@belanjaku.test",
        "password_sealed": secretbox.seal("rahasia"),
        "smtp_host": "smtp.belanjaku.test",
    } | extra
    return Mailbox.objects.create(**values)


def whatsapp() -> ChannelAccount:
    return ChannelAccount.objects.create(
        provider="whatsapp",
        values={"SIGAP_WHATSAPP_PHONE_NUMBER_ID": "106540352242922"},
        sealed={
            "SIGAP_WHATSAPP_ACCESS_TOKEN": secretbox.seal("EAAG-token"),
            "SIGAP_WHATSAPP_VERIFY_TOKEN": secretbox.seal(VERIFY),
        },
    )


def handshake(c: Client) -> Any:
    return c.get(
        "/hooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
    )


# --- mailboxes ---------------------------------------------------------------------------------


def test_an_admin_removes_a_mailbox_after_confirming_and_tickets_stay(
    admin: User, ticket: Ticket
) -> None:
    box = mailbox()
    Ticket.objects.filter(pk=ticket.pk).update(channel="email")
    c = logged(admin)
    assert (
        f'href="/settings/channels/mailboxes/{box.pk}/delete/"'
        in c.get(f"/settings/channels/mailboxes/{box.pk}/").content.decode()
    )
    asked = c.get(f"/settings/channels/mailboxes/{box.pk}/delete/")
    assert asked.status_code == 200
    assert "Tiket email dan pesannya tetap tersimpan" in asked.content.decode()
    assert Mailbox.objects.filter(pk=box.pk).exists()  # asking removes nothing
    done = c.post(f"/settings/channels/mailboxes/{box.pk}/delete/")
    assert done.status_code == 302
    assert not Mailbox.objects.exists()
    assert Ticket.objects.filter(pk=ticket.pk, channel="email").exists()
    (event,) = events()
    assert event.data["what"] == "mailbox" and event.data["action"] == "deleted"
    assert event.data["before"]["host"] == "imap.belanjaku.test"
    assert "rahasia" not in str(event.data) and "password_sealed" not in event.data["before"]


def test_the_mailbox_replies_leave_through_is_not_removed(admin: User) -> None:
    box = mailbox(sends_replies=True)
    response = logged(admin).post(f"/settings/channels/mailboxes/{box.pk}/delete/")
    assert response.status_code == 422
    assert "Balasan tiket email dikirim lewat kotak surat CS Belanjaku" in response.content.decode()
    assert Mailbox.objects.filter(pk=box.pk).exists()
    assert events() == []


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_remove_a_mailbox(who: str, request: pytest.FixtureRequest) -> None:
    box = mailbox()
    c = logged(request.getfixturevalue(who))
    assert c.get(f"/settings/channels/mailboxes/{box.pk}/delete/").status_code == 403
    assert c.post(f"/settings/channels/mailboxes/{box.pk}/delete/").status_code == 403
    assert Mailbox.objects.filter(pk=box.pk).exists()
    assert events() == []


# --- messaging channels ------------------------------------------------------------------------


def test_disconnecting_whatsapp_erases_its_tokens_keeps_tickets_and_closes_the_webhook(
    admin: User, ticket: Ticket, team: Team
) -> None:
    whatsapp()
    Ticket.objects.filter(pk=ticket.pk).update(channel="whatsapp")
    c = logged(admin)
    assert handshake(c).status_code == 200
    asked = c.get("/settings/channels/whatsapp/disconnect/")
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "1 tiket dari saluran ini tetap tersimpan" in html and "1 di antaranya" in html
    assert ChannelAccount.objects.exists()
    done = c.post("/settings/channels/whatsapp/disconnect/")
    assert done.status_code == 302
    assert not ChannelAccount.objects.exists()
    assert conf.whatsapp_access_token() == ""
    assert handshake(c).status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk, channel="whatsapp").exists()
    (event,) = events()
    assert event.data["what"] == "channel" and event.data["action"] == "deleted"
    assert event.data["before"]["SIGAP_WHATSAPP_PHONE_NUMBER_ID"] == "106540352242922"
    assert event.data["before"]["secrets"] == [
        "SIGAP_WHATSAPP_ACCESS_TOKEN",
        "SIGAP_WHATSAPP_VERIFY_TOKEN",
    ]
    assert "EAAG-token" not in str(event.data)


def test_a_channel_with_nothing_stored_says_so(admin: User) -> None:
    response = logged(admin).post("/settings/channels/telegram/disconnect/")
    assert response.status_code == 422
    assert "tidak punya pengaturan tersimpan" in response.content.decode()
    assert events() == []


def test_the_confirm_step_names_the_servers_own_settings(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    whatsapp()
    monkeypatch.setenv("SIGAP_WHATSAPP_APP_SECRET", "dari-lingkungan")
    html = logged(admin).get("/settings/channels/whatsapp/disconnect/").content.decode()
    assert "Pengaturan dari server tetap berlaku: SIGAP_WHATSAPP_APP_SECRET" in html


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_disconnect_a_channel(who: str, request: pytest.FixtureRequest) -> None:
    whatsapp()
    c = logged(request.getfixturevalue(who))
    assert c.get("/settings/channels/whatsapp/disconnect/").status_code == 403
    assert c.post("/settings/channels/whatsapp/disconnect/").status_code == 403
    assert ChannelAccount.objects.exists()
    assert events() == []


def test_an_unknown_channel_cannot_be_disconnected(admin: User) -> None:
    assert logged(admin).post("/settings/channels/fax/disconnect/").status_code == 404


def test_the_confirm_pages_read_a_fixed_number_of_statements(
    admin: User, django_assert_max_num_queries: Any
) -> None:
    box = mailbox()
    whatsapp()
    c = logged(admin)
    for url in (
        f"/settings/channels/mailboxes/{box.pk}/delete/",
        "/settings/channels/whatsapp/disconnect/",
    ):
        c.get(url)
        with django_assert_max_num_queries(8):
            assert c.get(url).status_code == 200
