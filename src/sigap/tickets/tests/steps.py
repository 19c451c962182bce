"""Helpers for the service tests: drive a ticket through the procedure, read its timeline.

Everything goes through the real services, so a ticket "in status X" got there the way
a real one would.
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import services
from sigap.tickets.models import Status, Ticket, TimelineEvent

APOLOGY = {
    "recognition": "Kami mengakui paket Anda terlambat tujuh hari.",
    "responsibility": "Ini tanggung jawab kami sebagai penjual.",
    "remorse": "Kami sungguh menyesal atas ketidaknyamanan ini.",
    "restitution": "Kami mengganti ongkos kirim Anda sebesar Rp 25.000.",
    "repetition": "Kami sudah memperbaiki proses serah terima ke kurir.",
}

# The path a complaint takes to each status, one service call per step.
PATH = [
    Status.NEW,
    Status.RECORDED,
    Status.CONFIRMED,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
    Status.RESOLVED,
    Status.CLOSED,
]


def drive_to(actor: User, ticket: Ticket, status: str) -> Ticket:
    """Move a new complaint to ``status`` along the ordinary path; return it fresh."""
    target = Status(status)
    if target == Status.NEW:
        return Ticket.objects.get(pk=ticket.pk)
    services.ticket_record(actor=actor, ticket=ticket, facts="Paket BLJ-2026-104233, 7 hari.")
    if target == Status.RECORDED:
        return Ticket.objects.get(pk=ticket.pk)
    services.ticket_confirm(
        actor=actor,
        ticket=ticket,
        restatement="Paket BLJ-2026-104233 belum diterima setelah 7 hari.",
        customer_confirmed=True,
    )
    if target == Status.CONFIRMED:
        return Ticket.objects.get(pk=ticket.pk)
    services.ticket_transition(actor=actor, ticket=ticket, to=Status.IN_PROGRESS)
    if target == Status.IN_PROGRESS:
        return Ticket.objects.get(pk=ticket.pk)
    if target == Status.WAITING_CUSTOMER:
        services.ticket_transition(
            actor=actor, ticket=ticket, to=Status.WAITING_CUSTOMER, reason="Menunggu resi."
        )
        return Ticket.objects.get(pk=ticket.pk)
    services.ticket_resolve(actor=actor, ticket=ticket, reason="Paket sudah diterima pelanggan.")
    if target == Status.RESOLVED:
        return Ticket.objects.get(pk=ticket.pk)
    services.ticket_close(actor=actor, ticket=ticket)
    return Ticket.objects.get(pk=ticket.pk)


def events_of(ticket: Ticket) -> list[tuple[str, Any, Any]]:
    """(kind, old, new) of every timeline event, in order."""
    return [
        (e.kind, e.old_value, e.new_value)
        for e in TimelineEvent.objects.filter(ticket=ticket).order_by("created_at", "id")
    ]


def event_ids(ticket: Ticket) -> list[int]:
    return list(
        TimelineEvent.objects.filter(ticket=ticket).order_by("id").values_list("pk", flat=True)
    )


def new_ticket(
    actor: User | None,
    customer: Customer,
    *,
    kind: str = "complaint",
    severity: str = "sederhana",
    team: Team | None = None,
    assignee: User | None = None,
    channel: str = "whatsapp",
    **extra: Any,
) -> Ticket:
    return services.ticket_create(
        actor=actor,
        customer=customer,
        kind=kind,
        channel=channel,
        subject="Refund belum masuk",
        description="Sudah dua minggu dana refund Rp 1.250.000 belum masuk ke rekening saya.",
        severity=severity,
        team=team,
        assignee=assignee,
        **extra,
    )


def awaiting_approval(agent: User, team: Team, customer: Customer) -> Ticket:
    """A confirmed complaint by phone whose voucher of Rp 500.000 needs the supervisor's
    approval (the English pages' tests)."""
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="phone",
        subject="Paket rusak saat diterima",
        description="Kardus penyok, isi pecah.",
        severity="sederhana",
        team=team,
        assignee=agent,
    )
    ticket = drive_to(agent, ticket, "confirmed")
    services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary="Voucher belanja Rp 500.000",
        compensation_type="voucher",
        compensation_amount=500_000,
    )
    return ticket
