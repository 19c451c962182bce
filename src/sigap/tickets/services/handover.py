"""Deactivating a colleague: their open tickets are handed over first (to a chosen
colleague, or back to each ticket's team queue, unassigned), each through
``ticket_update`` so the timeline records who took it and why; then the account is
switched off (``accounts.services.staff_deactivate_account``). All or nothing: a ticket
that cannot go to the chosen colleague (not in its team) stops the whole deactivation."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import access
from sigap.accounts.models import STAFF_ROLES, User
from sigap.accounts.services import staff_deactivate_account
from sigap.core.errors import ValidationFailed
from sigap.tickets.models import OPEN_STATUSES, Ticket
from sigap.tickets.services.updates import ticket_update


def open_tickets_of(user: User) -> int:
    return Ticket.objects.filter(assignee_id=user.pk, status__in=OPEN_STATUSES).count()


@transaction.atomic
def staff_deactivate(*, actor: User, user: User, to_user: User | None) -> list[int]:
    """Hand ``user``'s open tickets to ``to_user`` (None: their teams' queues) and switch
    the account off. Returns the tickets handed over."""
    access.require_global_settings(actor)
    if user.pk == actor.pk:
        raise ValidationFailed(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if to_user is not None and (
        to_user.pk == user.pk or not to_user.is_active or to_user.role not in STAFF_ROLES
    ):
        message = _("Pilih rekan aktif lain untuk menerima tiketnya.")
        raise ValidationFailed(message, fields={"to_user": [message]})
    tickets = list(
        Ticket.objects.select_related("team")
        .filter(assignee_id=user.pk, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    if to_user is not None:
        why = _("%(name)s dinonaktifkan; tiketnya diserahkan ke %(to)s.") % {
            "name": user.display_name,
            "to": to_user.display_name,
        }
    else:
        why = _("%(name)s dinonaktifkan; tiketnya kembali ke antrean tim.") % {
            "name": user.display_name
        }
    for ticket in tickets:
        try:
            ticket_update(
                actor=actor,
                ticket=ticket,
                version=ticket.version,
                changes={"assignee": to_user},
                reason=why,
            )
        except ValidationFailed as exc:
            message = _("Tiket %(ref)s tidak dapat diserahkan: %(error)s") % {
                "ref": ticket.reference,
                "error": exc.message,
            }
            raise ValidationFailed(message, fields={"to_user": [message]}) from exc
    staff_deactivate_account(actor=actor, user=user)
    return [t.pk for t in tickets]
