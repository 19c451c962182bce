"""Every API operation x every role, with the exact status, and nothing changed on denial.

Roles: admin; the team's supervisor; an agent of the team; an agent of another team; the
ticket's customer; another customer; anonymous. Forbidden and missing look the same (404)
wherever the caller may not see the object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Message, Proposal, Ticket, TimelineEvent
from tests.api_client import Api

ROLES = ["admin", "supervisor", "agent", "outsider", "owner", "other_customer", "anonymous"]


@dataclass
class World:
    users: dict[str, User | None]
    ticket: Ticket
    customer: Customer
    team: Team
    extra: dict[str, Any]


@pytest.fixture
def world(
    admin: User,
    supervisor: User,
    agent: User,
    outsider_agent: User,
    other_team: Team,
    customer_user: User,
    other_customer_user: User,
    other_customer: Customer,
    ticket: Ticket,
    team: Team,
    customer: Customer,
) -> World:
    users: dict[str, User | None] = {
        "admin": admin,
        "supervisor": supervisor,
        "agent": agent,
        "outsider": outsider_agent,
        "owner": customer_user,
        "other_customer": other_customer_user,
        "anonymous": None,
    }
    return World(users, ticket, customer, team, {})


Request = tuple[str, str, Any]


def _confirmed(w: World, severity: str = "sederhana") -> Ticket:
    agent = w.users["agent"]
    assert agent is not None
    t = w.ticket
    if severity != t.severity:
        t = services.ticket_update(
            actor=agent, ticket=t, version=t.version, changes={"severity": severity}
        )
    services.ticket_record(actor=agent, ticket=t, facts="Kronologi dicatat.")
    services.ticket_confirm(
        actor=agent, ticket=t, restatement="Paket belum sampai.", customer_confirmed=True
    )
    return t


def pending_proposal(w: World) -> Request:
    t = _confirmed(w, "kompleks")
    agent = w.users["agent"]
    assert agent is not None
    p = services.proposal_create(
        actor=agent,
        ticket=t,
        summary="Refund",
        compensation_type="refund",
        compensation_amount=100_000,
    )
    return "post", f"/proposals/{p.pk}/approve", {}


def pending_decision(action: str) -> Callable[[World], Request]:
    def make(w: World) -> Request:
        _, path, _ = pending_proposal(w)
        return "post", path.replace("/approve", f"/{action}"), {"note": "Catatan supervisor."}

    return make


def accepted_proposal(w: World) -> Request:
    t = _confirmed(w)
    agent, owner = w.users["agent"], w.users["owner"]
    assert agent is not None and owner is not None
    p = services.proposal_create(
        actor=agent,
        ticket=t,
        summary="Voucher",
        compensation_type="voucher",
        compensation_amount=50_000,
    )
    services.proposal_accept(actor=owner, proposal=p)
    return "post", f"/proposals/{p.pk}/fulfil", {"given": False, "note": "Menunggu stok."}


def offered_proposal(w: World) -> Request:
    t = _confirmed(w)
    agent = w.users["agent"]
    assert agent is not None
    p = services.proposal_create(actor=agent, ticket=t, summary="Kirim ulang barang")
    return "post", f"/proposals/{p.pk}/accept", {}


def attachment(w: World, kind: str) -> Request:
    agent = w.users["agent"]
    message = services.message_add(
        actor=agent,
        ticket=w.ticket,
        kind=kind,
        body="Foto bukti",
        uploads=[Upload("bukti.txt", b"isi lampiran")],
    )
    return "get", f"/attachments/{message.attachments.get().pk}", None


T = "/tickets/{id}"
OPS: dict[str, tuple[Callable[[World], Request], dict[str, int]]] = {
    "ticket.get": (lambda w: ("get", T, None), {}),
    "ticket.messages": (lambda w: ("get", T + "/messages", None), {}),
    "ticket.timeline": (lambda w: ("get", T + "/timeline", None), {}),
    "ticket.proposals": (lambda w: ("get", T + "/proposals", None), {}),
    "ticket.patch": (
        lambda w: ("patch", T, {"version": 1, "priority": 1}),
        {"owner": 403},
    ),
    "ticket.record": (lambda w: ("post", T + "/record", {"facts": "Fakta."}), {"owner": 403}),
    "ticket.transition": (
        lambda w: ("post", T + "/transition", {"to": "closed", "reason": "Duplikat."}),
        {"owner": 403},
    ),
    "ticket.note": (
        lambda w: ("post", T + "/messages", {"kind": "note", "body": "Catatan"}),
        {"owner": 403, "ok": 201},
    ),
    "ticket.inbound": (
        lambda w: ("post", T + "/messages", {"kind": "inbound", "body": "Halo"}),
        {"ok": 201},
    ),
    "ticket.create": (
        lambda w: (
            "post",
            "/tickets",
            {"customer_id": w.customer.pk, "subject": "Baru", "description": "Isi"},
        ),
        {"outsider": 201, "ok": 201},
    ),
    "proposal.approve": (
        pending_proposal,
        {"agent": 403, "owner": 404},
    ),
    "proposal.accept": (offered_proposal, {}),
    "proposal.decline": (pending_decision("decline"), {"agent": 403, "owner": 404}),
    "proposal.request_changes": (
        pending_decision("request-changes"),
        {"agent": 403, "owner": 404},
    ),
    "proposal.fulfil": (accepted_proposal, {"owner": 403}),
    "attachment.public": (lambda w: attachment(w, "reply"), {}),
    "attachment.note": (lambda w: attachment(w, "note"), {"owner": 404}),
    "customers.list": (
        lambda w: ("get", "/customers", None),
        {"owner": 403, "other_customer": 403, "outsider": 200},
    ),
    "customer.get": (lambda w: ("get", f"/customers/{w.customer.pk}", None), {"outsider": 200}),
    "customer.patch": (
        lambda w: ("patch", f"/customers/{w.customer.pk}", {"version": 1, "notes": "VIP"}),
        {"owner": 403, "outsider": 200},
    ),
}


def expected_status(op: str, role: str) -> int:
    overrides = OPS[op][1]
    if role == "anonymous":
        return 401
    if role in overrides:
        return overrides[role]
    if role in ("outsider", "other_customer"):
        return 404
    return overrides.get("ok", 200)


def snapshot() -> tuple[Any, ...]:
    return (
        list(Ticket.objects.order_by("pk").values_list("pk", "status", "version", "priority")),
        Message.objects.count(),
        list(Proposal.objects.order_by("pk").values_list("pk", "status")),
        TimelineEvent.objects.count(),
        list(Customer.objects.order_by("pk").values_list("pk", "version", "notes")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", list(OPS))
def test_role_matrix(world: World, op: str, role: str) -> None:
    method, path, body = OPS[op][0](world)
    path = path.replace("{id}", str(world.ticket.pk))
    api = Api(world.users[role])
    before = snapshot()

    if method == "get":
        response = api.get(path)
    elif method == "patch":
        response = api.patch(path, body)
    else:
        response = api.post(path, body)

    expected = expected_status(op, role)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["code"]
        assert snapshot() == before
    if expected == 404:
        missing = api.get("/tickets/999999")
        assert response.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    if response.streaming:
        response.close()  # an attachment's FileResponse holds the file open until closed


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin", 2),
        ("supervisor", 2),
        ("agent", 1),
        ("outsider", 1),
        ("owner", 1),
        ("other_customer", 1),
    ],
)
def test_list_shows_each_role_only_what_it_may_see(
    world: World, other_ticket: Ticket, role: str, visible: int
) -> None:
    items = Api(world.users[role]).get("/tickets").json()["items"]

    assert len(items) == visible
    if role in ("owner", "agent"):
        assert [i["id"] for i in items] == [world.ticket.pk]
    if role in ("outsider", "other_customer"):
        assert [i["id"] for i in items] == [other_ticket.pk]


def test_a_supervisor_of_another_team_cannot_approve(world: World, other_supervisor: User) -> None:
    _, path, _ = pending_proposal(world)
    before = snapshot()

    response = Api(other_supervisor).post(path)

    assert response.status_code == 403
    assert snapshot() == before


def test_a_customer_sees_the_ticket_they_filed_in_the_portal(world: World) -> None:
    owner = Api(world.users["owner"])
    created = owner.upload(
        f"/tickets/{world.ticket.pk}/messages",
        {"body": "Ini fotonya", "files": [SimpleUploadedFile("paket.txt", b"foto")]},
    )

    assert created.status_code == 201
    assert created.json()["kind"] == "inbound"
    assert created.json()["channel"] == "portal"
