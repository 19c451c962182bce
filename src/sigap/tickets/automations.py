"""Time-based automations, run by the worker every five minutes (``tickets.tasks``):

* remind the customer after N hours of waiting, once per wait;
* close a resolved ticket N days after it was resolved.

N is set per SLA policy (``SlaPolicy.remind_after_hours``, ``auto_close_days``, on the
settings page); a ticket whose policy leaves it empty, or that has none, uses the server's
default, ``SIGAP_REMIND_AFTER_HOURS`` (48) and ``SIGAP_AUTO_CLOSE_DAYS`` (7).

(Re-opening when the customer replies happens at once, in ``services.message_add``.)
Each action re-checks the ticket under a row lock in its own transaction, so two workers,
a retry or a crash never act twice; each leaves a timeline entry by no one (the system).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from sigap.accounts import message_templates
from sigap.core.locale import said_in_default_language
from sigap.sla.models import SlaPolicy
from sigap.tickets import services
from sigap.tickets.models import Status, Ticket

BATCH = 500
REMINDER = message_templates.KEYS["reminder"].body["id"]  # the default text


@dataclass
class AutomationResult:
    reminded: int = 0
    closed: int = 0


def _reminder_text(ticket: Ticket) -> str:
    """The reminder as the settings page's "Pengingat menunggu pelanggan" says it, in the
    customer's language, for the ticket's brand (the default brand until tickets carry
    one)."""
    customer = ticket.customer
    return message_templates.render_message(
        "reminder",
        language=customer.preferred_language,
        brand=getattr(ticket, "brand_id", None),
        context={
            "nama_depan": message_templates.first_name(customer.name),
            "nomor_tiket": ticket.reference,
            "subjek": ticket.subject,
        },
    ).body


def windows(field: str, default: int) -> list[tuple[int, Q]]:
    """Each distinct time of one rule (``field``) with the tickets it applies to: those of
    the policies that set it, and the default for every other ticket."""
    custom: dict[int, list[int]] = {}
    for pk, value in SlaPolicy.objects.filter(**{f"{field}__isnull": False}).values_list(
        "pk", field
    ):
        custom.setdefault(int(value), []).append(pk)
    others = [pk for pks in custom.values() for pk in pks]
    result = [(default, ~Q(sla_policy_id__in=others) if others else Q())]
    result += [(value, Q(sla_policy_id__in=pks)) for value, pks in sorted(custom.items())]
    return result


def run(now: datetime | None = None) -> AutomationResult:
    now = now or timezone.now()
    result = AutomationResult()
    for hours, which in windows("remind_after_hours", settings.SIGAP_REMIND_AFTER_HOURS):
        remind_before = now - timedelta(hours=hours)
        waiting = (
            Ticket.objects.filter(
                which,
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
    for days, which in windows("auto_close_days", settings.SIGAP_AUTO_CLOSE_DAYS):
        close_before = now - timedelta(days=days)
        done = Ticket.objects.filter(
            which, status=Status.RESOLVED, resolved_at__lte=close_before
        ).order_by("resolved_at")[:BATCH]
        reason = said_in_default_language(
            ngettext_lazy(
                "Ditutup otomatis %(days)s hari setelah selesai.",
                "Ditutup otomatis %(days)s hari setelah selesai.",
                days,
            ),
            days=days,
        )
        for ticket in done:
            result.closed += services.ticket_auto_close(ticket=ticket, reason=reason)
    return result
