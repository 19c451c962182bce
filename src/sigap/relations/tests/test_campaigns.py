"""Proactive contact: only customers with consent, opt-out at once (STOP reply, unsubscribe
link), preview, exactly once (also after a crash), rate limit, schedule, statuses and
replies, and the system campaigns (birthdays, tier changes)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.connectors.models import WhatsAppTemplate
from sigap.connectors.tests.conftest import Post, load
from sigap.connectors.tests.fakeapi import FakeApi
from sigap.core.errors import Conflict, ValidationFailed
from sigap.customers.models import Customer, CustomerChange
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import campaigns, consent
from sigap.relations.campaigns import Segment
from sigap.relations.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    Consent,
    ConsentSource,
    Purpose,
)
from sigap.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def agree(*customers: Customer, purpose: str = Purpose.SERVICE) -> None:
    for c in customers:
        consent.consent_set(customer=c, purpose=purpose, granted=True, source=ConsentSource.AGENT)


def make(n: int, *, tier: str = "regular", prefix: str = "Pelanggan") -> list[Customer]:
    return [
        customer_create(
            name=f"{prefix} {i:03d}",
            loyalty_tier=tier,
            contacts=[ContactIn("email", f"{prefix.lower()}{i}@contoh.id")],
        )
        for i in range(n)
    ]


def email_campaign(segment: Segment | None = None, **kw: Any) -> Campaign:
    fields: dict[str, Any] = {
        "actor": None,
        "name": "Gangguan pembayaran",
        "purpose": Purpose.SERVICE,
        "channel": "email",
        "segment": segment or Segment(),
        "subject": "Pemberitahuan gangguan",
        "body": "Halo {nama}, pembayaran sedang terganggu.",
    }
    fields.update(kw)
    return campaigns.campaign_create(**fields)


def states(campaign: Campaign) -> dict[str, int]:
    out: dict[str, int] = {}
    for state in CampaignRecipient.objects.filter(campaign=campaign).values_list(
        "state", flat=True
    ):
        out[state] = out.get(state, 0) + 1
    return out


# --- consent -------------------------------------------------------------------------------------


def test_only_customers_with_consent_for_the_purpose_are_drawn_and_an_opt_out_gets_nothing(
    customer: Customer, other_customer: Customer
) -> None:
    third = make(1, prefix="Rina")[0]
    agree(customer, other_customer, third)
    agree(third, purpose=Purpose.MARKETING)
    consent.opt_out(customer=other_customer, source=ConsentSource.AGENT)

    service = campaigns.preview(Segment(), purpose=Purpose.SERVICE, channel="email")
    marketing = campaigns.preview(Segment(), purpose=Purpose.MARKETING, channel="email")

    assert (service.count, [c.name for c in service.first]) == (2, ["Budi Santoso", "Rina 000"])
    assert (marketing.count, [c.pk for c in marketing.first]) == (1, [third.pk])

    campaign = email_campaign()
    assert campaigns.campaign_queue(campaign=campaign) == 2
    campaigns.send_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["budi@contoh.id", "rina0@contoh.id"]
    assert all("siti" not in m.to[0] for m in mail.outbox)


def test_an_opt_out_after_queueing_is_honoured_before_sending(
    customer: Customer, other_customer: Customer
) -> None:
    agree(customer, other_customer)
    campaign = email_campaign()
    campaigns.campaign_queue(campaign=campaign)
    consent.opt_out(customer=other_customer, source=ConsentSource.AGENT)

    campaigns.send_due()

    assert [m.to for m in mail.outbox] == [["budi@contoh.id"]]
    skipped = CampaignRecipient.objects.get(campaign=campaign, customer=other_customer)
    assert (skipped.state, skipped.error) == ("skipped", "Pelanggan tidak bersedia dihubungi.")
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DONE


def test_consent_changes_are_audited_with_source_and_time(customer: Customer) -> None:
    agree(customer)
    consent.opt_out(customer=customer, source=ConsentSource.REPLY_STOP, purposes=["service"])

    row = Consent.objects.get(customer=customer, purpose="service")
    assert (row.granted, row.source) == (False, "reply_stop")
    changes = list(
        CustomerChange.objects.filter(customer=customer, field="consent_service")
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert changes == [
        (None, {"granted": True, "source": "agent"}),
        (True, {"granted": False, "source": "reply_stop"}),
    ]


def test_a_stop_reply_on_whatsapp_opts_out_at_once_and_lands_on_a_ticket(
    whatsapp: FakeApi, post_whatsapp: Post, customer: Customer
) -> None:
    agree(customer)
    agree(customer, purpose=Purpose.MARKETING)
    payload = load("whatsapp_text.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = " berhenti "

    post_whatsapp(payload)

    assert not consent.consented(customer.pk, Purpose.SERVICE)
    assert not consent.consented(customer.pk, Purpose.MARKETING)
    assert Consent.objects.filter(customer=customer, source="reply_stop").count() == 2
    assert Ticket.objects.get(customer=customer).channel == "whatsapp"
    assert campaigns.preview(Segment(), purpose="service", channel="whatsapp").count == 0


def test_an_ordinary_message_does_not_opt_out(
    whatsapp: FakeApi, post_whatsapp: Post, customer: Customer
) -> None:
    agree(customer)
    post_whatsapp(load("whatsapp_text.json"))  # "Halo kak, paket saya ... belum sampai."
    assert consent.consented(customer.pk, Purpose.SERVICE)
    assert (
        consent.is_stop("Stop!")
        and consent.is_stop("BERHENTI")
        and not consent.is_stop("stop dulu")
    )


def test_the_unsubscribe_link_in_the_email_withdraws_consent_for_its_purpose(
    customer: Customer, client: Any
) -> None:
    agree(customer)
    agree(customer, purpose=Purpose.MARKETING)
    campaigns.campaign_queue(campaign=email_campaign())
    campaigns.send_due()
    sent = mail.outbox[0]
    link = sent.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in sent.body
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else link

    page = client.get(path)
    assert page.status_code == 200 and consent.consented(customer.pk, "service")  # GET: asks
    assert client.post(path).status_code == 200

    assert not consent.consented(customer.pk, Purpose.SERVICE)
    assert consent.consented(customer.pk, Purpose.MARKETING)  # only the link's purpose
    assert Consent.objects.get(customer=customer, purpose="service").source == "link"
    forged = path.rstrip("/")[:-3] + "abc/"
    assert client.post(forged).status_code == 404


# --- preview and segments ------------------------------------------------------------------------


def test_preview_counts_the_segment_and_lists_the_first_twenty(customer: Customer) -> None:
    gold = make(25, tier="gold", prefix="Emas")
    silver = make(3, tier="silver", prefix="Perak")
    agree(customer, *gold, *silver)

    with CaptureQueriesContext(connection) as queries:
        shown = campaigns.preview(Segment(tiers=["gold"]), purpose="service", channel="email")

    assert shown.count == 26  # the fixture's Budi is gold too
    assert len(shown.first) == campaigns.PREVIEW_SIZE == 20
    assert len(queries) == 2
    by_ids = campaigns.preview(
        Segment(customer_ids=[silver[0].pk, gold[0].pk]), purpose="service", channel="email"
    )
    assert by_ids.count == 2
    nobody = campaigns.preview(Segment(), purpose="service", channel="telegram")
    assert nobody.count == 0  # nobody has a Telegram chat id


def test_a_segment_by_last_contact_and_ticket_channel(
    customer: Customer, other_customer: Customer, ticket: Ticket
) -> None:
    agree(customer, other_customer)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(days=40))
    recent = (timezone.now() - timedelta(days=10)).date().isoformat()

    after = campaigns.preview(Segment(contact_after=recent), purpose="service", channel="email")
    before = campaigns.preview(Segment(contact_before=recent), purpose="service", channel="email")
    on_channel = campaigns.preview(
        Segment(ticket_channel=ticket.channel), purpose="service", channel="email"
    )

    assert (after.count, before.count) == (0, 1)
    assert [c.pk for c in on_channel.first] == [customer.pk]
    with pytest.raises(ValidationFailed):
        campaigns.preview(Segment(contact_after="31-12-2026"), purpose="service", channel="email")


def test_bad_campaigns_are_refused_with_the_reason_and_nothing_saved() -> None:
    template = WhatsAppTemplate.objects.create(
        name="gangguan", body="Halo {{1}}, {{2}}", approved=False
    )
    with pytest.raises(ValidationFailed) as not_approved:
        campaigns.campaign_create(
            actor=None,
            name="x",
            purpose="service",
            channel="whatsapp",
            segment=Segment(),
            template=template,
            template_params=["{nama}", "gangguan"],
        )
    assert "template" in not_approved.value.fields
    with pytest.raises(ValidationFailed) as empty:
        campaigns.campaign_create(
            actor=None, name=" ", purpose="service", channel="email", segment=Segment()
        )
    assert set(empty.value.fields) == {"name", "body", "subject"}
    assert Campaign.objects.count() == 0


# --- exactly once --------------------------------------------------------------------------------


def test_queueing_twice_is_refused_and_each_customer_has_one_row(customer: Customer) -> None:
    agree(customer, *make(3))
    campaign = email_campaign()
    assert campaigns.campaign_queue(campaign=campaign) == 4
    with pytest.raises(Conflict):
        campaigns.campaign_queue(campaign=campaign)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 4
    campaigns.send_due()
    campaigns.send_due()
    assert len(mail.outbox) == 4
    assert campaigns.send_one(CampaignRecipient.objects.first().pk) == "taken"  # type: ignore[union-attr]
    assert len(mail.outbox) == 4


def test_a_crash_half_way_resumes_without_a_second_copy_to_anyone(
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    others = make(5)
    agree(customer, *others)
    campaign = email_campaign()
    campaigns.campaign_queue(campaign=campaign)
    real = campaigns.SENDERS["email"]
    calls = {"n": 0}

    def dies_on_the_fourth(c: Campaign, r: CampaignRecipient, cu: Customer) -> str:
        calls["n"] += 1
        if calls["n"] == 4:  # the provider accepted it, then the worker was killed
            real(c, r, cu)
            raise KeyboardInterrupt
        return real(c, r, cu)

    monkeypatch.setitem(campaigns.SENDERS, "email", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        campaigns.send_due()
    assert len(mail.outbox) == 4
    assert states(campaign) == {"sent": 3, "sending": 1, "queued": 2}

    monkeypatch.setitem(campaigns.SENDERS, "email", real)
    campaigns.send_due()  # resumes at once: the row in flight is not sent again
    assert len(mail.outbox) == 6
    time_machine.move_to(timezone.now() + campaigns.LEASE + timedelta(seconds=1))
    campaigns.send_due()

    assert len(mail.outbox) == 6
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["budi@contoh.id"] + [f"pelanggan{i}@contoh.id" for i in range(5)]
    )
    assert states(campaign) == {"sent": 5, "uncertain": 1}
    assert campaigns.counts_for(campaign).uncertain == 1
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DONE


def test_a_retryable_error_is_retried_later_and_a_permanent_one_fails(
    customer: Customer,
    other_customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    from sigap.connectors.delivery import SendError

    agree(customer, other_customer)
    campaign = email_campaign()
    campaigns.campaign_queue(campaign=campaign)
    real = campaigns.SENDERS["email"]
    answers = {
        "budi@contoh.id": [SendError("421 sibuk", retryable=True)],
        "siti@contoh.id": [SendError("550 tidak ada", retryable=False)],
    }

    def flaky(c: Campaign, r: CampaignRecipient, cu: Customer) -> str:
        queued = answers.get(r.address) or []
        if queued:
            raise queued.pop(0)
        return real(c, r, cu)

    monkeypatch.setitem(campaigns.SENDERS, "email", flaky)
    assert campaigns.send_due()["retry"] == 1
    assert states(campaign) == {"queued": 1, "failed": 1}
    campaigns.send_due()
    assert mail.outbox == []  # not due yet
    time_machine.move_to(timezone.now() + timedelta(minutes=1))
    campaigns.send_due()
    assert [m.to for m in mail.outbox] == [["budi@contoh.id"]]
    assert states(campaign) == {"sent": 1, "failed": 1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_sending_one_campaign_at_once_send_each_message_once() -> None:
    people = make(12)
    agree(*people)
    campaign = email_campaign()
    campaigns.campaign_queue(campaign=campaign)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            campaigns.send_due()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == 12 == len(set(addresses))
    assert states(campaign) == {"sent": 12}


# --- rate and schedule ---------------------------------------------------------------------------


def test_the_rate_limit_sends_at_most_so_many_a_minute(
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    time_machine.move_to(timezone.now().replace(second=5), tick=False)
    agree(customer, *make(6))
    campaign = email_campaign(rate_per_minute=3)
    campaigns.campaign_queue(campaign=campaign)

    campaigns.send_due()
    campaigns.send_due()  # the same minute: nothing more
    assert len(mail.outbox) == 3
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    campaigns.send_due()
    assert len(mail.outbox) == 6
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    campaigns.send_due()
    assert len(mail.outbox) == 7

    # the channel's own limit holds across campaigns
    monkeypatch.setitem(campaigns.CHANNEL_RATE, "email", 2)
    second = email_campaign(rate_per_minute=100)
    campaigns.campaign_queue(campaign=second)
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    campaigns.send_due()
    assert len(mail.outbox) == 9


def test_a_scheduled_campaign_waits_for_its_time(
    customer: Customer, time_machine: time_machine.TimeMachineFixture
) -> None:
    agree(customer)
    at = timezone.now() + timedelta(hours=2)
    campaign = email_campaign(send_at=at)
    campaigns.campaign_queue(campaign=campaign)

    campaigns.send_due()
    assert mail.outbox == []
    time_machine.move_to(at + timedelta(seconds=1))
    campaigns.send_due()
    assert len(mail.outbox) == 1


def test_cancelling_skips_what_is_not_sent(customer: Customer) -> None:
    agree(customer, *make(2))
    campaign = email_campaign(send_at=timezone.now() + timedelta(hours=1))
    campaigns.campaign_queue(campaign=campaign)
    assert campaigns.campaign_cancel(campaign=campaign) == 3
    campaigns.send_due()
    assert mail.outbox == []
    with pytest.raises(Conflict):
        campaigns.campaign_cancel(campaign=campaign)


# --- WhatsApp and Telegram: statuses and replies -------------------------------------------------


def test_a_whatsapp_notice_is_an_approved_template_with_counts_for_delivery_read_and_reply(
    whatsapp: FakeApi, post_whatsapp: Post, customer: Customer, other_customer: Customer
) -> None:
    agree(customer, other_customer)  # Siti has no WhatsApp number: not drawn
    template = WhatsAppTemplate.objects.create(
        name="gangguan_layanan", body="Halo {{1}}, {{2}}", approved=True
    )
    campaign = campaigns.campaign_create(
        actor=None,
        name="Gangguan",
        purpose="service",
        channel="whatsapp",
        segment=Segment(),
        template=template,
        template_params=["{nama}", "pembayaran GoPay terganggu"],
    )
    assert campaigns.campaign_queue(campaign=campaign) == 1
    campaigns.send_due()

    sent = [r for r in whatsapp.requests if r.path.endswith("/messages")]
    assert len(sent) == 1
    body = sent[0].json()
    assert (body["to"], body["type"], body["template"]["name"]) == (
        "6281234567890",
        "template",
        "gangguan_layanan",
    )
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == [
        "Budi",
        "pembayaran GoPay terganggu",
    ]
    recipient = CampaignRecipient.objects.get(campaign=campaign)
    for name in ("delivered", "read"):
        payload = load(f"whatsapp_status_{name}.json")
        item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
        item.update(
            {
                "id": recipient.provider_id,
                "biz_opaque_callback_data": body["biz_opaque_callback_data"],
            }
        )
        assert post_whatsapp(payload).json()["statuses"] == 1

    post_whatsapp(load("whatsapp_text.json"))  # the customer answers

    counts = campaigns.counts_for(campaign)
    assert (counts.sent, counts.delivered, counts.read, counts.replied) == (1, 1, 1, 1)
    recipient.refresh_from_db()
    reply_ticket = Ticket.objects.get(customer=customer, channel="whatsapp")
    assert recipient.reply_ticket_id == reply_ticket.pk  # opened by the answer
    assert reply_ticket.messages.get().body.startswith("Halo kak")


def test_a_telegram_notice_says_how_to_stop_and_stop_works(
    telegram: FakeApi, post_telegram: Post
) -> None:
    budi = customer_create(name="Budi Telegram", contacts=[ContactIn("telegram", "123456789")])
    agree(budi)
    campaign = email_campaign(channel="telegram", subject="")
    campaigns.campaign_queue(campaign=campaign)
    campaigns.send_due()

    sent = [r.json() for r in telegram.requests if r.path.endswith("/sendMessage")]
    assert len(sent) == 1 and sent[0]["chat_id"] == "123456789"
    assert sent[0]["text"].startswith("Halo Budi, pembayaran sedang terganggu.")
    assert "Balas STOP" in sent[0]["text"]
    payload = load("telegram_text.json")
    payload["message"]["text"] = "STOP"
    post_telegram(payload)
    assert not consent.consented(budi.pk, "service")


# --- system campaigns ----------------------------------------------------------------------------


def test_birthday_greetings_go_once_a_day_to_those_who_agreed(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(birthday=date(1990, 12, 6))
    twin = make(1, prefix="Kembar")[0]
    Customer.objects.filter(pk=twin.pk).update(birthday=date(1985, 12, 6))
    agree(customer, purpose=Purpose.MARKETING)  # the twin did not agree

    first = campaigns.greet_birthdays(day=date(2026, 12, 6))
    again = campaigns.greet_birthdays(day=date(2026, 12, 6))
    campaigns.send_due()

    assert first is not None and again is None
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["budi@contoh.id"], "Selamat ulang tahun!")
    ]
    assert "Selamat ulang tahun, Budi!" in mail.outbox[0].body


def test_a_tier_change_notice_is_sent_once_per_change(customer: Customer) -> None:
    agree(customer)
    campaigns.notify_tier_change(customer=customer, old="silver", new="gold", change_key="r1")
    campaigns.notify_tier_change(customer=customer, old="silver", new="gold", change_key="r1")
    campaigns.send_due()
    assert len(mail.outbox) == 1
    assert "tingkat keanggotaan Anda sekarang Gold" in mail.outbox[0].body


# --- bulk queueing -------------------------------------------------------------------------------


def test_queueing_is_a_bulk_insert(customer: Customer) -> None:
    many = make(30)
    agree(customer, *many)
    campaign = email_campaign()
    with CaptureQueriesContext(connection) as queries:
        assert campaigns.campaign_queue(campaign=campaign) == 31
    inserts = [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    assert len(queries) <= 8


def test_the_minute_job_sends_due_campaigns(customer: Customer) -> None:
    from sigap.relations.tasks import send_campaigns

    agree(customer)
    campaigns.campaign_queue(campaign=email_campaign())
    assert send_campaigns.call_local() == {
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "retry": 0,
        "uncertain": 0,
    }
    assert send_campaigns.call_local()["sent"] == 0  # safe to run twice
    assert len(mail.outbox) == 1
