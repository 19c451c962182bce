"""POST /calls/hooks/pbx/: call events from the PBX, idempotent and order-independent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from sigap.accounts.models import User
from sigap.connectors.phone.models import AgentExtension, Call
from sigap.customers.models import Customer, CustomerContact
from sigap.tickets import services as ticket_services
from sigap.tickets.models import EventKind, Ticket, TimelineEvent

SECRET = "pbx-rahasia-uji"
URL = "/calls/hooks/pbx/"
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_secret")]


@pytest.fixture
def _secret() -> Any:
    with override_settings(SIGAP_PBX_SECRET=SECRET):
        yield


def _post(payload: Any, *, secret: str | None = SECRET, raw: bytes | None = None) -> Any:
    headers = {"HTTP_X_SIGAP_PBX_SECRET": secret} if secret is not None else {}
    body = raw if raw is not None else json.dumps(payload).encode()
    return Client().post(URL, body, content_type="application/json", **headers)


def _event(event: str, at: datetime | None = T0, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "event": event,
        "call_id": "pbx-0001",
        "from": "0812-3456-7890",
        "to": "021-5001234",
        "agent": "201",
    }
    if at is not None:
        payload["timestamp"] = at.isoformat()
    return payload | extra


def _call_events() -> list[dict[str, Any]]:
    return list(
        TimelineEvent.objects.filter(kind=EventKind.CALL_LOGGED)
        .order_by("id")
        .values_list("data", flat=True)
    )


def test_the_url_is_what_the_pbx_is_given() -> None:
    assert reverse("calls:pbx_hook") == URL


@pytest.mark.parametrize("secret", [None, "", "salah"])
def test_it_refuses_a_wrong_or_missing_secret(secret: str | None) -> None:
    response = _post(_event("ringing"), secret=secret)
    assert response.status_code == 403
    assert Call.objects.count() == 0
    assert Customer.objects.count() == 0


def test_it_refuses_everything_when_no_secret_is_configured() -> None:
    with override_settings(SIGAP_PBX_SECRET=""):
        response = _post(_event("ringing"), secret="")
    assert response.status_code == 403


def test_it_reads_the_secret_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGAP_PBX_SECRET", "dari-env")
    with override_settings(SIGAP_PBX_SECRET=None):
        assert _post(_event("ringing"), secret="dari-env").status_code == 201


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "Isi permintaan harus berupa objek JSON."),
        ({"call_id": "x", "from": "08123456789"}, "event: wajib diisi."),
        (
            _event("hangup"),
            "event: harus salah satu dari ringing, answered, ended, recording.",
        ),
        (_event("ringing", call_id=""), "call_id: wajib diisi."),
        (_event("ringing", direction="sideways"), "direction: harus inbound atau outbound."),
        (_event("ringing", **{"from": "12"}), "from: nomor telepon tidak valid: '12'."),
        (_event("ringing", **{"from": "anonim"}), "from: nomor telepon tidak valid: 'anonim'."),
        (_event("answered", at=None), "timestamp: wajib diisi."),
        (_event("ended", timestamp="kemarin"), "timestamp: bukan waktu ISO 8601: 'kemarin'."),
        (
            _event("ended", timestamp="2026-03-02T09:00:00"),
            "timestamp: harus memuat zona waktu (mis. +07:00 atau Z).",
        ),
        (_event("recording", at=None), "recording_url: wajib diisi."),
        (
            _event("recording", recording_url="ftp://pbx/1.wav"),
            "recording_url: harus URL http atau https.",
        ),
        (_event("ringing", call_id=["a"]), "call_id: harus berupa teks."),
    ],
)
def test_it_rejects_an_invalid_payload_with_a_precise_message(payload: Any, message: str) -> None:
    response = _post(payload)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert Call.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{not json", id="broken"),
        pytest.param(b"\xff\xfe", id="not-utf-8"),
        pytest.param(b"[" * 2000 + b"]" * 2000, id="array-2000-deep"),
        pytest.param(b'{"a": ' * 2000 + b"1" + b"}" * 2000, id="object-2000-deep"),
    ],
)
def test_it_rejects_a_body_that_is_not_json(raw: bytes) -> None:
    response = _post(None, raw=raw)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_json"
    assert error["message"].startswith("Badan permintaan bukan JSON yang sah")
    assert Call.objects.count() == 0


@pytest.mark.parametrize(
    ("number", "stored"),
    [
        pytest.param("+1 555 123 4567", "+15551234567", id="unassigned-area-code"),
        pytest.param("123456", "123456", id="too-short-for-any-plan"),
    ],
)
def test_a_call_from_a_number_the_phone_library_calls_invalid_is_recorded(
    number: str, stored: str
) -> None:
    """The PBX vouches for the caller id: the call is recorded whatever the numbering
    plan says, and a second call from the number finds the same customer."""
    response = _post(_event("ringing", **{"from": number}))

    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert call.ticket is not None
    assert list(call.customer.contacts.values_list("kind", "value")) == [("phone", stored)]
    again = _post(_event("ringing", call_id="pbx-0002", **{"from": number}))
    assert again.status_code == 201, again.content
    assert Call.objects.get(external_id="pbx-0002").customer == call.customer


def test_a_new_call_from_a_known_number_in_another_format_opens_a_phone_ticket(
    customer: Customer, agent: User
) -> None:
    AgentExtension.objects.create(extension="201", user=agent)
    response = _post(_event("ringing", **{"from": "+62 812 3456 7890"}))
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["changed"], body["call_id"]) == (True, True, "pbx-0001")
    call = Call.objects.get()
    assert (call.customer, call.agent, call.direction) == (customer, agent, "inbound")
    assert (call.from_number, call.to_number, call.started_at) == (
        "+6281234567890",
        "021-5001234",
        T0,
    )
    ticket = call.ticket
    assert ticket is not None
    assert (ticket.channel, ticket.customer, ticket.kind) == ("phone", customer, "inquiry")
    assert ticket.subject == "Panggilan masuk dari +6281234567890"
    assert body["ticket"] == ticket.reference


def test_an_unknown_number_creates_the_customer(db: None) -> None:
    _post(_event("ringing", **{"from": "0813-1111-2222"}))
    contact = CustomerContact.objects.get()
    assert (contact.kind, contact.value) == ("phone", "+6281311112222")
    assert contact.customer.name == "Penelepon +6281311112222"
    assert Call.objects.get().customer == contact.customer


def test_the_same_event_twice_counts_once(customer: Customer) -> None:
    for payload in (_event("ringing"), _event("answered", T0 + timedelta(seconds=10))):
        first, second = _post(payload), _post(payload)
        assert first.status_code in (200, 201)
        assert second.status_code == 200
        assert second.json()["changed"] is False
    ended = _event("ended", T0 + timedelta(seconds=130))
    _post(ended)
    _post(ended)
    assert Call.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert Customer.objects.count() == 1
    call = Call.objects.get()
    assert (call.answered_at, call.ended_at, call.duration) == (
        T0 + timedelta(seconds=10),
        T0 + timedelta(seconds=130),
        120,
    )
    [data] = _call_events()
    assert data == {
        "call_id": call.pk,
        "direction": "inbound",
        "outcome": "",
        "duration_seconds": 120,
        "handle_seconds": 120,
    }


def test_ended_before_answered_ends_the_same_and_corrects_the_timeline(customer: Customer) -> None:
    _post(_event("ended", T0 + timedelta(seconds=300)))
    call = Call.objects.get()
    assert (call.outcome, call.duration, call.started_at) == (
        "no_answer",
        0,
        T0 + timedelta(seconds=300),
    )
    _post(_event("answered", T0 + timedelta(seconds=20)))
    _post(_event("ringing", T0))
    _post(_event("answered", T0 + timedelta(seconds=20)))  # redelivered: nothing new
    call.refresh_from_db()
    assert (call.started_at, call.answered_at, call.ended_at) == (
        T0,
        T0 + timedelta(seconds=20),
        T0 + timedelta(seconds=300),
    )
    assert (call.outcome, call.duration) == ("", 280)
    first, correction = _call_events()
    assert "handle_seconds" not in first
    assert first["outcome"] == "no_answer"
    assert correction["handle_seconds"] == 280
    assert correction["amends"] is True
    assert first["call_id"] == correction["call_id"] == call.pk


def test_a_recording_can_arrive_at_any_time(customer: Customer) -> None:
    _post(_event("recording", at=None, recording_url="https://pbx.contoh.id/rec/1.wav"))
    _post(_event("ringing"))
    call = Call.objects.get()
    assert call.recording_url == "https://pbx.contoh.id/rec/1.wav"
    assert call.started_at == T0


def test_a_second_call_within_a_day_joins_the_open_phone_ticket(customer: Customer) -> None:
    with time_machine.travel(T0, tick=False):
        _post(_event("ringing"))
    with time_machine.travel(T0 + timedelta(hours=23), tick=False):
        _post(_event("ringing", T0 + timedelta(hours=23), call_id="pbx-0002"))
    first, second = Call.objects.order_by("pk")
    assert first.ticket == second.ticket
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        _post(_event("ringing", T0 + timedelta(hours=25), call_id="pbx-0003"))
    third = Call.objects.get(external_id="pbx-0003")
    assert third.ticket != first.ticket
    assert Ticket.objects.filter(channel="phone").count() == 2


def test_a_closed_or_other_channel_ticket_is_not_joined(customer: Customer, ticket: Ticket) -> None:
    _post(_event("ringing"))
    call = Call.objects.get()
    assert call.ticket != ticket  # the open ticket is a WhatsApp one


def test_an_outbound_call_finds_the_customer_by_the_number_called(customer: Customer) -> None:
    _post(
        _event("ringing", direction="outbound", **{"from": "201", "to": "6281234567890"}, agent="x")
    )
    call = Call.objects.get()
    assert (call.customer, call.direction, call.agent) == (customer, "outbound", None)
    assert (call.from_number, call.to_number) == ("201", "+6281234567890")
    assert call.ticket is not None
    assert call.ticket.subject == "Panggilan keluar ke +6281234567890"


def test_the_agent_can_be_given_by_username(customer: Customer, agent: User) -> None:
    _post(_event("ringing", agent=agent.username))
    assert Call.objects.get().agent == agent


def test_the_agent_wraps_up_a_call_the_pbx_ended(customer: Customer, agent: User) -> None:
    from sigap.connectors.phone import services

    _post(_event("answered", T0))
    _post(_event("ended", T0 + timedelta(seconds=60)))
    call = Call.objects.get()
    services.call_finish(actor=agent, call=call, outcome="resolved", notes="Sudah dijelaskan.")
    call.refresh_from_db()
    assert (call.ended_at, call.duration, call.outcome) == (
        T0 + timedelta(seconds=60),
        60,
        "resolved",
    )
    first, wrap_up = _call_events()
    assert first["handle_seconds"] == wrap_up["handle_seconds"] == 60
    assert wrap_up["notes"] == "Sudah dijelaskan."
    # a redelivered "ended" after the wrap-up changes nothing
    assert _post(_event("ended", T0 + timedelta(seconds=60))).json()["changed"] is False
    assert len(_call_events()) == 2


def test_a_ticket_created_elsewhere_for_the_number_is_not_used_when_closed(
    customer: Customer, agent: User
) -> None:
    old = ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="phone",
        subject="Tanya ongkir",
        description="Berapa ongkir ke Medan?",
    )
    ticket_services.ticket_close(actor=agent, ticket=old, reason="Terjawab.")
    _post(_event("ringing"))
    assert Call.objects.get().ticket != old


def test_the_agent_who_answers_replaces_the_queue(customer: Customer, agent: User) -> None:
    AgentExtension.objects.create(extension="201", user=agent)
    _post(_event("ringing", agent="queue-cs"))
    assert Call.objects.get().agent is None
    _post(_event("answered", T0 + timedelta(seconds=5), agent="201"))
    assert Call.objects.get().agent == agent


def test_the_pbx_hang_up_time_wins_over_the_agents_button(customer: Customer, agent: User) -> None:
    from sigap.connectors.phone import services

    _post(_event("answered", T0, agent=agent.username))
    with time_machine.travel(T0 + timedelta(seconds=200), tick=False):
        services.call_finish(actor=agent, call=Call.objects.get(), outcome="callback")
    _post(_event("ended", T0 + timedelta(seconds=90)))
    call = Call.objects.get()
    assert (call.ended_at, call.duration, call.outcome) == (
        T0 + timedelta(seconds=90),
        90,
        "callback",
    )
    assert [e.get("handle_seconds") for e in _call_events()] == [200, 90]


def test_a_lost_race_on_a_new_call_is_retried(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from sigap.connectors.phone import services

    real = services._apply
    calls = []

    def flaky(event: services.PbxEvent) -> services.PbxResult:
        calls.append(event.call_id)
        result = real(event)
        if len(calls) == 1:
            raise IntegrityError("call_external_id_unique")  # as if another request won
        return result

    monkeypatch.setattr(services, "_apply", flaky)
    response = _post(_event("ringing"))
    assert response.status_code == 201
    assert calls == ["pbx-0001", "pbx-0001"]
    assert Call.objects.count() == 1
    assert Ticket.objects.filter(channel="phone").count() == 1  # the first try rolled back


def test_the_hook_needs_no_csrf_token_and_only_accepts_post(customer: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_X_SIGAP_PBX_SECRET": SECRET}
    body = json.dumps(_event("ringing"))
    assert client.post(URL, body, content_type="application/json", **headers).status_code == 201
    assert client.get(URL, **headers).status_code == 405
