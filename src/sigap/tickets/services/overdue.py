"""A promised deadline that passed, from the customer's side: acknowledged once with an
apology and a new estimate, and the formal escalation (teguran resmi) it entitles them to.

Each missed deadline is one ``MissedDeadline`` row (unique per ticket and deadline), so
however often the customer opens the page, the apology is written once; the escalation
claims the row with a conditional UPDATE, so it happens once per missed deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import User
from sigap.core.errors import Conflict, PermissionDenied, ValidationFailed
from sigap.sla import book as sla_book
from sigap.sla.models import EscalationAudience
from sigap.tickets import escalation, events, guidance
from sigap.tickets.models import MissedDeadline, Ticket
from sigap.tickets.services._common import _lock
from sigap.tickets.services.procedure import escalate_to

# The new estimate after a miss: one working day on the ticket's SLA calendar (a day
# and night when the ticket has no policy).
NEW_ESTIMATE_WORKING_MINUTES = 8 * 60
NEW_ESTIMATE_WITHOUT_CALENDAR = timedelta(hours=24)
WORDS_MAX_CHARS = 2000


def new_estimate(ticket: Ticket, now: datetime) -> datetime:
    calendar = sla_book.current().calendar_for(ticket.sla_policy_id)
    if calendar is None:
        return now + NEW_ESTIMATE_WITHOUT_CALENDAR
    return calendar.add(now, NEW_ESTIMATE_WORKING_MINUTES)


def overdue_acknowledge(
    *,
    ticket: Ticket,
    now: datetime | None = None,
    missed: Sequence[MissedDeadline] | None = None,
) -> MissedDeadline | None:
    """If the deadline the customer holds us to has passed, record it (once) with the
    apology and a new estimate. Returns the miss written now or before, None when the
    current promise still stands (or nothing is promised). ``missed``: the ticket's
    misses when the caller has read them (else one query)."""
    now = now or timezone.now()
    if missed is None:
        missed = list(ticket.missed_deadlines.all())
    kept = guidance.promise(ticket, missed)
    if kept is None:
        return None
    if kept.deadline > now:
        return kept.missed
    return _acknowledge(ticket, kept, now)


@transaction.atomic
def _acknowledge(ticket: Ticket, kept: guidance.Promise, now: datetime) -> MissedDeadline:
    estimate = new_estimate(ticket, now)
    try:
        with transaction.atomic():
            row = MissedDeadline.objects.create(
                ticket=ticket,
                target=kept.target,
                deadline=kept.deadline,
                new_estimate=estimate,
                acknowledged_at=now,
            )
    except IntegrityError:  # another request acknowledged it first
        return MissedDeadline.objects.get(ticket=ticket, deadline=kept.deadline)
    events.overdue_apology_event(
        ticket, target=kept.target, deadline=kept.deadline, new_estimate=estimate
    )
    return row


@transaction.atomic
def formal_escalation_create(*, actor: User, ticket: Ticket, words: str) -> MissedDeadline:
    """The customer's teguran resmi: allowed once a promised deadline has passed, once per
    missed deadline. Escalates the ticket one level up the chain (the team's supervisor
    first) with the customer's words, and tells those it reaches."""
    if not actor.is_active or not actor.is_customer:
        raise PermissionDenied(_("Hanya pelanggan pemilik tiket yang dapat mengajukan teguran."))
    if ticket.customer.user_id != actor.pk:
        raise PermissionDenied(_("Hanya pelanggan pemilik tiket yang dapat mengajukan teguran."))
    words = words.strip()
    if not words:
        raise ValidationFailed(_("Tuliskan teguran Anda."), fields={"words": [_("Wajib diisi.")]})
    if len(words) > WORDS_MAX_CHARS:
        raise ValidationFailed(
            _("Teguran paling banyak %(n)s karakter.") % {"n": WORDS_MAX_CHARS},
            fields={"words": [_("Terlalu panjang.")]},
        )
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict(_("Tiket %(ref)s sudah selesai atau ditutup.") % {"ref": ticket.reference})
    now = timezone.now()
    row = overdue_acknowledge(ticket=ticket, now=now)
    if row is None or row.deadline > now:
        raise Conflict(
            _(
                "Teguran resmi dapat diajukan setelah tenggat yang kami janjikan terlewat. "
                "Tenggat itu belum lewat."
            )
        )
    claimed = MissedDeadline.objects.filter(pk=row.pk, escalated_at__isnull=True).update(
        escalated_at=now, escalation_words=words
    )
    if not claimed:
        raise Conflict(
            _(
                "Anda sudah mengajukan teguran resmi untuk tenggat ini. Supervisor kami "
                "sudah menanganinya."
            )
        )
    row.escalated_at, row.escalation_words = now, words
    step = escalation.next_step(ticket.escalation_level)
    if step is None:  # already at the top: the same level hears it again
        level = ticket.escalation_level
        step = next((s for s in escalation.chain() if s.level == level), None) or (
            escalation.Step(level, "", 0, EscalationAudience.TEAM_SUPERVISOR, None, False)
        )
    escalate_to(
        ticket,
        actor,
        step,
        words,
        _("Teguran resmi dari pelanggan atas tiket %(ref)s: %(words)s")
        % {"ref": ticket.reference, "words": words[:200]},
        formal=True,
    )
    events.formal_escalation_event(
        ticket, actor, words=words, deadline=row.deadline, level=step.level
    )
    return row
