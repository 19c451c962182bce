"""Incidents: the surge detector on synthetic traffic (a surge is flagged, normal traffic is
not), idempotent reruns, confirm/dismiss, automatic links for new matching tickets, one
answer to every linked ticket sent exactly once, closing together, and the report."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from sigap.accounts.models import Team, User
from sigap.connectors.models import OutboundDelivery
from sigap.core.errors import Conflict, PermissionDenied, ValidationFailed
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import incidents
from sigap.relations.models import (
    ActionKind,
    Incident,
    IncidentAction,
    IncidentSend,
    IncidentStatus,
    IncidentTicket,
    LinkHow,
    SendStatus,
)
from sigap.surveys.models import Survey, SurveyKind
from sigap.tickets import services as ticket_services
from sigap.tickets.models import EventKind, Message, MessageKind, Status, Ticket, TimelineEvent
from sigap.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 10:30 +07:00"

# Everyday complaints: what a shop's customers write about every hour.
NORMAL = [
    "Paket saya belum sampai sudah seminggu, tolong dicek kurirnya",
    "Barang yang datang rusak, kemasannya penyok",
    "Mau tanya cara ganti alamat pengiriman",
    "Refund saya belum masuk ke rekening",
    "Ukuran baju tidak sesuai dengan pesanan",
    "Voucher diskon tidak bisa dipakai waktu checkout",
    "Akun saya terkunci setelah salah password",
    "Kurir minta ongkir tambahan, apa benar?",
    "Pesanan dibatalkan sepihak oleh penjual",
    "Aplikasi lambat sekali waktu buka keranjang",
]
# The busiest everyday topic: frequent, but as frequent as always.
BUSY = "Paket belum sampai juga, kurir tidak ada kabar"

SURGE = [
    "Gagal bayar pakai GoPay dari tadi, saldo sudah terpotong",
    "gagal bayar gopay min, gimana ini",
    "Kok gagal terus ya bayar lewat gopay??",
    "Gagal melakukan pembayaran dengan GoPay",
    "gagal bayar via gopay, pesanan jadi batal",
    "Transaksi gagal, pembayaran GoPay tidak diproses",
    "Gagal bayar gopay sejak pagi 😡",
]


def _customers(n: int) -> list[Customer]:
    return [customer_create(name=f"Pelanggan {i}", contacts=[]) for i in range(n)]


def _bulk(
    rows: list[tuple[str, datetime]], customers: list[Customer], channel: str = "email"
) -> None:
    Ticket.objects.bulk_create(
        Ticket(
            kind="complaint",
            channel=channel,
            subject=text[:60],
            description=text,
            customer=customers[i % len(customers)],
            created_at=at,
            updated_at=at,
        )
        for i, (text, at) in enumerate(rows)
    )


def _normal_traffic(start: datetime, end: datetime, per_hour: int, seed: int) -> list[Any]:
    """``per_hour`` everyday tickets an hour, a third of them the busy topic."""
    rnd = random.Random(seed)
    rows = []
    at = start
    step = timedelta(hours=1) / per_hour
    while at < end:
        text = BUSY if rnd.random() < 0.33 else rnd.choice(NORMAL)
        rows.append((text, at + timedelta(seconds=rnd.randint(0, 30))))
        at += step
    return rows


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> dict[str, Any]:
    time_machine.move_to(NOW, tick=False)
    now = timezone.now()
    customers = _customers(6)
    # three days of history, then the last half hour, at the same rate
    _bulk(_normal_traffic(now - timedelta(days=3), now, per_hour=40, seed=1), customers)
    return {"now": now, "customers": customers}


def _surge(now: datetime, customers: list[Customer], n: int = 14) -> None:
    start = now.replace(hour=3, minute=5)  # 10:05 WIB
    rows = [(SURGE[i % len(SURGE)], start + timedelta(seconds=90 * i)) for i in range(n)]
    _bulk(rows, customers, channel="whatsapp")


def test_normal_traffic_raises_no_alarm(world: dict[str, Any]) -> None:
    result = incidents.detect()

    assert result.window >= 15  # the busy topic alone passes the minimum in the window
    assert result.counted == Ticket.objects.count()
    assert result.suggested == [] and result.updated == []
    assert not Incident.objects.exists()


def test_a_surge_of_similar_complaints_is_suggested_once(world: dict[str, Any]) -> None:
    _surge(world["now"], world["customers"])

    result = incidents.detect()

    incident = Incident.objects.get()
    assert result.suggested == [incident.pk]
    assert incident.status == IncidentStatus.SUGGESTED
    assert incident.label == "gagal bayar gopay"
    assert incident.title == "Dugaan insiden: 14 tiket tentang 'gagal bayar gopay' sejak 10:05"
    assert incident.detected_count == 14
    assert incident.expected_count < 1
    linked = Ticket.objects.filter(incident_link__incident=incident)
    assert linked.count() == 14
    assert set(linked.values_list("channel", flat=True)) == {"whatsapp"}
    assert list(incident.actions.values_list("kind", flat=True)) == [ActionKind.DETECTED]

    # the next minute: the same row, updated, never a second one
    again = incidents.detect()
    assert again.suggested == [] and again.updated == [incident.pk]
    _bulk([(SURGE[0], world["now"] - timedelta(minutes=1))] * 3, world["customers"])
    incidents.detect()
    incident.refresh_from_db()
    assert Incident.objects.count() == 1
    assert incident.detected_count == 17
    assert incident.title.startswith("Dugaan insiden: 17 tiket tentang 'gagal bayar gopay'")


def test_a_topic_as_busy_as_usual_is_not_a_surge_but_one_far_above_it_is(
    world: dict[str, Any],
) -> None:
    # the busy topic at four times its usual rate in the window
    now = world["now"]
    rows = [(BUSY, now - timedelta(minutes=25) + timedelta(seconds=30 * i)) for i in range(40)]
    _bulk(rows, world["customers"])

    incidents.detect()

    incident = Incident.objects.get()
    assert len(incident.keywords) == 3
    assert set(incident.keywords) <= set(incidents.terms(BUSY))
    assert incident.detected_count >= 40
    assert incident.expected_count > 3


def test_confirm_and_dismiss(
    world: dict[str, Any], supervisor: User, agent: User, admin: User
) -> None:
    _surge(world["now"], world["customers"])
    incidents.detect()
    incident = Incident.objects.get()

    with pytest.raises(PermissionDenied):
        incidents.incident_confirm(actor=agent, incident=incident)
    confirmed = incidents.incident_confirm(actor=supervisor, incident=incident, title="GoPay down")

    assert (confirmed.status, confirmed.owner, confirmed.title) == (
        "open",
        supervisor,
        "GoPay down",
    )
    assert confirmed.confirmed_at == world["now"]
    with pytest.raises(Conflict):
        incidents.incident_dismiss(actor=admin, incident=confirmed)

    # a second surge, dismissed: its tickets are free and it stays quiet afterwards
    rows = [
        ("Promo ongkir gratis tidak muncul di aplikasi", world["now"] - timedelta(minutes=m))
        for m in range(1, 13)
    ]
    _bulk(rows, world["customers"])
    incidents.detect()
    other = Incident.objects.get(status=IncidentStatus.SUGGESTED)
    incidents.incident_dismiss(actor=admin, incident=other, reason="Promo memang selesai")

    other.refresh_from_db()
    assert other.status == IncidentStatus.DISMISSED
    assert other.detected_count == 12
    assert not IncidentTicket.objects.filter(incident=other).exists()
    result = incidents.detect()
    assert result.quiet == 1 and result.suggested == []
    assert other.actions.last().text == "Promo memang selesai"  # type: ignore[union-attr]


def _ticket(actor: User, team: Team, customer: Customer, channel: str, text: str) -> Ticket:
    return ticket_services.ticket_create(
        actor=actor,
        customer=customer,
        kind="complaint",
        channel=channel,
        subject=text[:60],
        description=text,
        team=team,
    )


@pytest.fixture
def open_incident(supervisor: User) -> Incident:
    return incidents.incident_open(
        actor=supervisor, title="Pembayaran GoPay gagal", keywords="gagal bayar gopay"
    )


def test_a_new_matching_ticket_is_linked_while_the_incident_is_open(
    open_incident: Incident,
    agent: User,
    team: Team,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert open_incident.keywords == ["gagal", "bayar", "gopay"]
    with django_capture_on_commit_callbacks(execute=True):
        matching = _ticket(agent, team, customer, "email", "Pembayaran pakai gopay gagal terus")
        unrelated = _ticket(agent, team, customer, "email", "Paket saya belum sampai")

    link = IncidentTicket.objects.get(ticket=matching)
    assert (link.incident_id, link.how) == (open_incident.pk, LinkHow.AUTO)
    assert not IncidentTicket.objects.filter(ticket=unrelated).exists()

    # once resolved, new tickets are not linked any more
    incidents.incident_resolve(
        actor=open_incident.owner,  # type: ignore[arg-type]
        incident=open_incident,
        cause="Gangguan di penyedia GoPay",
    )
    with django_capture_on_commit_callbacks(execute=True):
        later = _ticket(agent, team, customer, "email", "gagal bayar gopay lagi")
    assert not IncidentTicket.objects.filter(ticket=later).exists()


def test_a_new_ticket_is_linked_even_while_the_job_queue_is_down(
    open_incident: Incident,
    agent: User,
    team: Team,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The link is made in the request, after its commit, not by a job: no sweep looks for
    a link a lost job did not make (found in review)."""
    from sigap.tickets import tasks

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis down")

    monkeypatch.setattr(tasks, "run_hooks", down)
    with django_capture_on_commit_callbacks(execute=True):
        matching = _ticket(agent, team, customer, "email", "Pembayaran pakai gopay gagal terus")
    assert IncidentTicket.objects.get(ticket=matching).incident_id == open_incident.pk


def test_an_automatic_link_is_recorded_like_a_manual_one(
    open_incident: Incident,
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """On the ticket's timeline, in the incident's record and as ``incident.updated``."""
    Webhook.objects.create(name="Status", url="http://127.0.0.1:9/", events=["incident.updated"])
    with django_capture_on_commit_callbacks(execute=True):
        matching = _ticket(agent, team, customer, "email", "Pembayaran pakai gopay gagal terus")

    (event,) = TimelineEvent.objects.filter(ticket=matching, kind=EventKind.INCIDENT_LINKED)
    assert event.actor_id is None and not event.public
    assert event.data == {
        "incident_id": open_incident.pk,
        "title": "Pembayaran GoPay gagal",
        "how": "auto",
        "linked": True,
    }
    action = IncidentAction.objects.filter(incident=open_incident, kind="linked").get()
    assert action.actor_id is None and action.text == f"{matching.reference} (otomatis)"
    (sent,) = WebhookDelivery.objects.filter(event="incident.updated")
    assert sent.payload["incident_id"] == open_incident.pk
    assert sent.payload["action"]["kind"] == "linked" and sent.payload["action"]["actor_id"] is None
    page = Client()
    page.force_login(agent)
    html = page.get(f"/tickets/{matching.pk}/").content.decode()
    assert "Ditautkan ke insiden" in html and "Pembayaran GoPay gagal" in html

    # By hand: the same three records, with the supervisor; unlinking too.
    other = _ticket(agent, team, customer, "email", "Paket saya belum sampai")
    incidents.incident_link(actor=supervisor, incident=open_incident, ticket=other)
    incidents.incident_unlink(actor=supervisor, incident=open_incident, ticket=other)
    entries = TimelineEvent.objects.filter(ticket=other, kind=EventKind.INCIDENT_LINKED)
    assert [(e.actor_id, e.data["how"], e.data["linked"]) for e in entries.order_by("pk")] == [
        (supervisor.pk, "manual", True),
        (supervisor.pk, "manual", False),
    ]
    assert WebhookDelivery.objects.filter(event="incident.updated").count() == 3


def test_answer_all_sends_one_message_per_ticket_even_when_run_twice(
    open_incident: Incident,
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    email = _ticket(agent, team, customer, "email", "gagal bayar gopay")
    portal = _ticket(agent, team, other_customer, "portal", "gopay gagal bayar")
    whatsapp = _ticket(agent, team, customer, "whatsapp", "gopay gagal bayar terus")
    closed = _ticket(agent, team, customer, "email", "gagal bayar gopay juga")
    ticket_services.ticket_close(actor=agent, ticket=closed, reason="Duplikat")
    for t in (email, portal, whatsapp, closed):
        incidents.incident_link(actor=supervisor, incident=open_incident, ticket=t)

    with django_capture_on_commit_callbacks(execute=True):
        answer = incidents.incident_answer(
            actor=supervisor,
            incident=open_incident,
            body="Halo Kak {nama}, pembayaran GoPay sedang gangguan ({nomor_tiket}).",
        )
    incidents.answer_send(answer.pk)  # a rerun after a "crash"
    incidents.answer_send(answer.pk)

    replies = Message.objects.filter(
        kind=MessageKind.REPLY, ticket__in=[email, portal, whatsapp, closed]
    )
    assert sorted(replies.values_list("ticket_id", "channel", "body")) == [
        (
            email.pk,
            "email",
            f"Halo Kak Budi Santoso, pembayaran GoPay sedang gangguan ({email.reference}).",
        ),
        (
            portal.pk,
            "portal",
            f"Halo Kak Siti Rahmawati, pembayaran GoPay sedang gangguan ({portal.reference}).",
        ),
        (
            whatsapp.pk,
            "whatsapp",
            f"Halo Kak Budi Santoso, pembayaran GoPay sedang gangguan ({whatsapp.reference}).",
        ),
    ]
    # each channel's delivery row: one for the email, one for the WhatsApp message
    assert sorted(
        OutboundDelivery.objects.filter(message__in=replies).values_list("provider", flat=True)
    ) == ["email", "whatsapp"]
    sends = dict(IncidentSend.objects.values_list("ticket_id", "status"))
    assert sends == {
        email.pk: SendStatus.SENT,
        portal.pk: SendStatus.SENT,
        whatsapp.pk: SendStatus.SENT,
        closed.pk: "failed",
    }
    assert "sudah ditutup" in IncidentSend.objects.get(ticket=closed).error
    answer.refresh_from_db()
    assert answer.finished_at is not None

    with pytest.raises(ValidationFailed):
        incidents.incident_answer(actor=supervisor, incident=open_incident, body="  ")


def test_resolving_closes_the_linked_tickets_together(
    open_incident: Incident,
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    a = _ticket(agent, team, customer, "email", "gagal bayar gopay")
    b = _ticket(agent, team, customer, "whatsapp", "gopay gagal bayar")
    for t in (a, b):
        incidents.incident_link(actor=supervisor, incident=open_incident, ticket=t)

    with pytest.raises(ValidationFailed, match="penyebab"):
        incidents.incident_resolve(actor=supervisor, incident=open_incident)
    with django_capture_on_commit_callbacks(execute=True):
        incidents.incident_resolve(
            actor=supervisor, incident=open_incident, cause="Gangguan penyedia"
        )

    assert set(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        Status.CLOSED
    }
    open_incident.refresh_from_db()
    assert open_incident.status == IncidentStatus.RESOLVED
    assert open_incident.tickets_closed_at is not None
    assert open_incident.actions.filter(kind=ActionKind.CLOSED).get().text == "2 tiket ditutup."
    assert incidents.close_tickets(open_incident.pk, supervisor.pk) == 0  # a rerun: nothing
    with pytest.raises(Conflict):
        incidents.incident_resolve(actor=supervisor, incident=open_incident, cause="x")


def test_closing_together_still_asks_each_customer_for_their_rating(
    open_incident: Incident,
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = customer_create(name="Dewi", contacts=[ContactIn("email", "dewi@contoh.id")])
    tickets = [
        _ticket(agent, team, customer, "email", "gagal bayar gopay"),
        _ticket(agent, team, other, "email", "gopay gagal bayar"),
    ]
    for t in tickets:
        incidents.incident_link(actor=supervisor, incident=open_incident, ticket=t)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        incidents.incident_resolve(actor=supervisor, incident=open_incident, cause="Gangguan")

    surveys = Survey.objects.filter(kind=SurveyKind.RESOLUTION)
    assert sorted(surveys.values_list("ticket_id", flat=True)) == sorted(t.pk for t in tickets)
    assert sorted(a for m in mailoutbox for a in m.to) == ["budi@contoh.id", "dewi@contoh.id"]
    # a rerun (the resume pass) closes nothing and asks nobody again
    incidents.close_tickets(open_incident.pk, supervisor.pk)
    assert surveys.count() == 2 and len(mailoutbox) == 2


def test_linking_rules(
    open_incident: Incident, supervisor: User, agent: User, team: Team, customer: Customer
) -> None:
    t = _ticket(agent, team, customer, "email", "gagal bayar gopay")
    incidents.incident_link(actor=supervisor, incident=open_incident, ticket=t)
    assert incidents.incident_link(actor=supervisor, incident=open_incident, ticket=t).how == (
        LinkHow.MANUAL
    )
    other = incidents.incident_open(actor=supervisor, title="Aplikasi down")
    with pytest.raises(Conflict, match="sudah tertaut ke insiden lain"):
        incidents.incident_link(actor=supervisor, incident=other, ticket=t)
    incidents.incident_unlink(actor=supervisor, incident=open_incident, ticket=t)
    assert not IncidentTicket.objects.exists()
    with pytest.raises(PermissionDenied):
        incidents.incident_link(actor=agent, incident=open_incident, ticket=t)


def test_actions_are_append_only(open_incident: Incident, supervisor: User) -> None:
    step = incidents.incident_step(
        actor=supervisor, incident=open_incident, text="Menghubungi GoPay"
    )
    with pytest.raises(PermissionError):
        step.save()
    with pytest.raises(PermissionError):
        IncidentAction.objects.filter(pk=step.pk).update(text="x")


def test_the_report_has_timeline_impact_cause_steps_and_duration(
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to("2026-03-10 10:00 +07:00", tick=False)
    open_incident = incidents.incident_open(
        actor=supervisor, title="Pembayaran GoPay gagal", keywords="gagal bayar gopay"
    )
    for c, ch in ((customer, "email"), (customer, "whatsapp"), (other_customer, "email")):
        incidents.incident_link(
            actor=supervisor, incident=open_incident, ticket=_ticket(agent, team, c, ch, "gagal")
        )
    time_machine.move_to("2026-03-10 10:20 +07:00", tick=False)
    incidents.incident_step(actor=supervisor, incident=open_incident, text="Eskalasi ke GoPay")
    time_machine.move_to("2026-03-10 12:45 +07:00", tick=False)
    incidents.incident_resolve(
        actor=supervisor, incident=open_incident, cause="Sertifikat kedaluwarsa"
    )
    open_incident.refresh_from_db()

    rep = incidents.report(open_incident)

    assert rep.impact == incidents.Impact(
        tickets=3,
        customers=2,
        open_tickets=3,
        channels=[("Email", 2), ("WhatsApp", 1)],
        regions=[("", 2)],  # no region recorded
    )
    assert [s.text for s in rep.steps] == ["Eskalasi ke GoPay"]
    assert [(a.kind, timezone.localtime(a.at).strftime("%H:%M")) for a in rep.timeline] == [
        (ActionKind.OPENED, "10:00"),
        (ActionKind.LINKED, "10:00"),
        (ActionKind.LINKED, "10:00"),
        (ActionKind.LINKED, "10:00"),
        (ActionKind.STEP, "10:20"),
        (ActionKind.RESOLVED, "12:45"),
    ]
    assert rep.incident.cause == "Sertifikat kedaluwarsa"
    assert rep.duration == timedelta(hours=2, minutes=45)
    assert incidents.duration_text(rep.duration) == "2 jam 45 menit"


def test_an_answer_interrupted_by_a_crash_is_finished_by_the_next_pass_without_repeats(
    open_incident: Incident,
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
) -> None:
    first = _ticket(agent, team, customer, "email", "gagal bayar gopay")
    second = _ticket(agent, team, other_customer, "email", "gopay gagal bayar")
    for t in (first, second):
        incidents.incident_link(actor=supervisor, incident=open_incident, ticket=t)
    # queued (no commit here: the send job never ran), and the worker died after one ticket
    answer = incidents.incident_answer(actor=supervisor, incident=open_incident, body="Halo {nama}")
    assert incidents._send_one(answer, first) == SendStatus.SENT

    assert incidents.resume(timezone.now()) == 0  # too recent: perhaps still running
    assert incidents.resume(timezone.now() + timedelta(minutes=3)) == 1

    replies = Message.objects.filter(kind=MessageKind.REPLY).order_by("ticket_id")
    assert list(replies.values_list("ticket_id", "body")) == [
        (first.pk, "Halo Budi Santoso"),
        (second.pk, "Halo Siti Rahmawati"),
    ]
    assert incidents.resume(timezone.now() + timedelta(minutes=3)) == 0
    assert replies.count() == 2


def test_the_periodic_job_detects_and_reports_its_counts(world: dict[str, Any]) -> None:
    from sigap.relations import tasks

    _surge(world["now"], world["customers"])

    counts = tasks.incidents_detect.call_local()

    assert counts["suggested"] == 1 and counts["window"] >= 14
    assert tasks.incidents_detect.call_local()["suggested"] == 0
    assert Incident.objects.count() == 1


def test_editing_checks_the_version_and_the_input_and_records_what_changed(
    open_incident: Incident, supervisor: User, admin: User, customer_user: User
) -> None:
    version = open_incident.version
    fields = {"title": "GoPay gangguan", "cause": "Sertifikat", "follow_up": ""}
    with pytest.raises(ValidationFailed, match="Judul insiden wajib diisi"):
        incidents.incident_update(
            actor=supervisor,
            incident=open_incident,
            version=version,
            owner=None,
            **{**fields, "title": "  "},
        )
    with pytest.raises(ValidationFailed, match="petugas yang aktif"):
        incidents.incident_update(
            actor=supervisor,
            incident=open_incident,
            version=version,
            owner=customer_user,
            **fields,
        )
    open_incident.refresh_from_db()
    assert (open_incident.title, open_incident.cause, open_incident.version) == (
        "Pembayaran GoPay gagal",
        "",
        version,
    )

    incidents.incident_update(
        actor=admin, incident=open_incident, version=version, owner=admin, **fields
    )
    with pytest.raises(Conflict, match="baru diubah orang lain"):
        incidents.incident_update(
            actor=supervisor, incident=open_incident, version=version, owner=None, **fields
        )
    open_incident.refresh_from_db()
    assert (open_incident.title, open_incident.owner, open_incident.cause) == (
        "GoPay gangguan",
        admin,
        "Sertifikat",
    )
    assert open_incident.actions.last().text == "judul, penanggung jawab, penyebab"  # type: ignore[union-attr]


def test_the_morning_peak_is_no_incident(world: dict[str, Any]) -> None:
    # the last half hour three times busier than usual, every topic alike
    now = world["now"]
    peak = _normal_traffic(now - timedelta(minutes=30), now, per_hour=80, seed=2)
    _bulk(peak, world["customers"])

    result = incidents.detect()

    assert result.window >= 55
    assert result.suggested == []
    # while a surge at the peak is still flagged
    _surge(now, world["customers"])
    assert len(incidents.detect().suggested) == 1


def test_the_usual_rate_is_the_usual_rate_at_this_time_of_day(world: dict[str, Any]) -> None:
    """A flash sale at ten every morning brings a dozen tickets about it every morning:
    usual at ten, no incident. The same dozen about the night promotion, at ten in the
    morning, is unusual at that hour, and flagged (a flat average over the day would have
    flagged both, or neither)."""
    now, customers = world["now"], world["customers"]
    morning = now.replace(hour=3, minute=5)  # 10:05 WIB
    flash = "Flash sale jam sepuluh kuponnya gagal diklaim"
    night = "Promo tengah malam cashback hilang dari dompet"

    def dozen(text: str, start: datetime) -> list[tuple[str, datetime]]:
        return [(text, start + timedelta(minutes=2 * i)) for i in range(12)]

    history = []
    for d in (1, 2, 3):
        history += dozen(flash, morning - timedelta(days=d))
        history += dozen(night, morning + timedelta(hours=10) - timedelta(days=d))  # 20:05
    _bulk(history, customers)
    _bulk(dozen(flash, morning) + dozen(night, morning), customers)

    result = incidents.detect()

    [incident] = Incident.objects.filter(pk__in=result.suggested)
    assert {"promo", "malam", "cashback"} & set(incident.keywords)
    assert not {"flash", "sale", "kupon"} & set(incident.keywords)
    assert incident.detected_count == 12
    assert incident.expected_count < 1
