"""Filling a canned response's placeholders for one ticket.

Placeholders are written ``{nama_depan}``; unknown ones are left as typed so a mistake
shows instead of disappearing.
"""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.formats import date_format

from sigap.accounts.models import User
from sigap.tickets.models import Ticket

PLACEHOLDERS = {
    "nama_depan": "Nama depan pelanggan",
    "nama": "Nama lengkap pelanggan",
    "nomor_tiket": "Nomor tiket, mis. SGP-000123",
    "subjek": "Subjek tiket",
    "tenggat": "Tenggat penyelesaian",
    "agen": "Nama petugas yang menulis",
    "tim": "Nama tim penanggung jawab",
}
_PATTERN = re.compile(r"\{(\w+)\}")


def placeholder_values(ticket: Ticket, agent: User) -> dict[str, str]:
    name = ticket.customer.name.strip()
    due = ticket.resolution_due_at
    return {
        "nama_depan": name.split()[0] if name else "",
        "nama": name,
        "nomor_tiket": ticket.reference,
        "subjek": ticket.subject,
        "tenggat": date_format(timezone.localtime(due), "j F Y, H:i") if due else "",
        "agen": agent.get_full_name() or agent.get_username(),
        "tim": ticket.team.name if ticket.team else "",
    }


def fill(body: str, values: dict[str, str]) -> str:
    return _PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), body)
