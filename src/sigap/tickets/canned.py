"""Canned responses: saving one from the settings area (``canned_save``), filling its
placeholders for one ticket, and the active responses as the ticket page offers them.

Placeholders are written ``{nama_depan}``; unknown ones are left as typed so a mistake
shows instead of disappearing.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit
from sigap.accounts.models import User
from sigap.core.memo import SharedMemo
from sigap.tickets.models import CannedResponse, Ticket

SETTINGS_FIELDS = (
    "title",
    "purpose",
    "team_id",
    "body",
    "active",
    "set_status",
    "add_tags",
    "set_assignee_id",
    "set_team_id",
)


def snapshot(item: CannedResponse) -> dict[str, Any]:
    return {f: getattr(item, f) for f in SETTINGS_FIELDS}


@transaction.atomic
def canned_save(
    *, actor: User, item: CannedResponse, before: dict[str, Any] | None
) -> CannedResponse:
    """Save a canned response edited in the settings area (``before``: its values as
    read, None for a new one). A team's: an admin or the team's supervisor, before and
    after the change; one for every team (no team): an admin. Recorded before → after."""
    if before is not None:
        access.require_team_settings(actor, before["team_id"])
    access.require_team_settings(actor, item.team_id)
    if item.created_by_id is None:
        item.created_by = actor
    item.save()
    audit.settings_changed(
        actor=actor,
        what="canned response",
        name=item.title,
        object_id=item.pk,
        before=before,
        after=snapshot(item),
    )
    return item


PLACEHOLDERS = {
    "nama_depan": gettext_lazy("Nama depan pelanggan"),
    "nama": gettext_lazy("Nama lengkap pelanggan"),
    "nomor_tiket": gettext_lazy("Nomor tiket, mis. SGP-000123"),
    "subjek": gettext_lazy("Subjek tiket"),
    "tenggat": gettext_lazy("Tenggat penyelesaian"),
    "agen": gettext_lazy("Nama petugas yang menulis"),
    "tim": gettext_lazy("Nama tim penanggung jawab"),
}
_PATTERN = re.compile(r"\{(\w+)\}")


def _load_active() -> list[CannedResponse]:
    return list(CannedResponse.objects.filter(active=True).order_by("purpose", "title"))


# Every ticket page lists them (the composer's templates and macros): kept in memory per
# process, loaded again when one is saved or deleted (``apps.TicketsConfig.ready``), in
# this process at once and in the others within the memo's check interval (decision 0009).
# The instances are shared: read them, never change them.
_active: SharedMemo[list[CannedResponse]] = SharedMemo("canned", _load_active)
memo = _active
invalidate = _active.invalidate


def active_for(team_id: int | None) -> list[CannedResponse]:
    """The active responses a ticket of ``team_id`` may use (its team's and everyone's),
    by purpose and title."""
    return [c for c in _active.get() if c.team_id is None or c.team_id == team_id]


def placeholder_values(ticket: Ticket, agent: User) -> dict[str, str]:
    """The values of a canned text's placeholders; the deadline in the customer's words
    (the text goes to them), whatever language the agent reads Sigap in."""
    name = ticket.customer.name.strip()
    due = ticket.resolution_due_at
    with translation.override(ticket.customer.language):
        deadline = date_format(timezone.localtime(due), "j F Y, H:i") if due else ""
    return {
        "nama_depan": name.split()[0] if name else "",
        "nama": name,
        "nomor_tiket": ticket.reference,
        "subjek": ticket.subject,
        "tenggat": deadline,
        "agen": agent.get_full_name() or agent.get_username(),
        "tim": ticket.team.name if ticket.team else "",
    }


def fill(body: str, values: dict[str, str]) -> str:
    return _PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), body)
