"""Time-based automations, run by the worker every five minutes (``tickets.tasks``):

* remind the customer after ``SIGAP_REMIND_AFTER_HOURS`` (48) hours of waiting, once per wait;
* close a resolved ticket ``SIGAP_AUTO_CLOSE_DAYS`` (7) days after it was resolved.

(Re-opening when the customer replies happens at once, in ``services.message_add``.)
Each action re-checks the ticket under a row lock in its own transaction, so two workers,
a retry or a crash never act twice; each leaves a timeline entry by no one (the system).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sigap.tickets import services
from sigap.tickets.models import Status, Ticket

BATCH = 500
REMINDER = (
    "Halo Kak {nama_depan},\n\nKami masih menunggu kabar dari Kakak untuk tiket {nomor_tiket}. "
    "Cukup balas pesan ini agar kami dapat melanjutkan penanganannya.\n\nSalam,\nTim layanan "
    "pelanggan"
)


@dataclass
class AutomationResult:
    reminded: int = 0
    closed: int = 0


def _reminder_text(ticket: Ticket) -> str:
    name = ticket.customer.name.strip()
    return REMINDER.replace("{nama_depan}", name.split()[0] if name else "").replace(
        "{nomor_tiket}", ticket.reference
    )


def run(now: datetime | None = None) -> AutomationResult:
    now = now or timezone.now()
    result = AutomationResult()
    remind_before = now - timedelta(hours=settings.SIGAP_REMIND_AFTER_HOURS)
    waiting = (
        Ticket.objects.filter(
            status=Status.WAITING_CUSTOMER,
            customer_reminded_at__isnull=True,
            sla_paused_at__lte=remind_before,
        )
        .select_related("customer")
        .order_by("sla_paused_at")[:BATCH]
    )
    for ticket in waiting:
        body = _reminder_text(ticket)
        result.reminded += services.ticket_remind_customer(
            ticket=ticket, body=body, before=remind_before
        )
    close_before = now - timedelta(days=settings.SIGAP_AUTO_CLOSE_DAYS)
    done = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=close_before).order_by(
        "resolved_at"
    )[:BATCH]
    reason = f"Ditutup otomatis {settings.SIGAP_AUTO_CLOSE_DAYS} hari setelah selesai."
    for ticket in done:
        result.closed += services.ticket_auto_close(ticket=ticket, reason=reason)
    return result
