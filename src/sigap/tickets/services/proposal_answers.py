"""The customer's answer to an offered proposal, however it reached us: a tapped button
(WhatsApp, Telegram), the signed link of an email or a chat card, or said to an agent on
the phone or at the counter and recorded by them ("who said what, when").

``proposal_accept``/``proposal_reject`` (``proposals``) are the answer given by a
signed-in user (the customer in the portal, staff through the API); this is the answer
of the customer themselves through a channel, recorded in the timeline as said by the
customer (``answered_by``), how (``via``) and, when an agent recorded it, by whom and
with the customer's words and the time they said it. A proposal that is no longer
offered (answered already, withdrawn) is refused with ``TransitionNotAllowed``, so a
second tap or click changes nothing.

A rejection by a tapped button or a link may come without a reason; the customer is then
asked for it, and the reason they give later (their next message on the ticket, the
answer page's form) is added once (``proposal_reason_add``). A tap or a link of a proposal
that is no longer offered gets a notice saying what holds now (``no_longer_offered``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from sigap.accounts import message_templates
from sigap.accounts.access import require_staff
from sigap.accounts.models import User
from sigap.core.errors import TransitionNotAllowed, ValidationFailed
from sigap.tickets import events
from sigap.tickets.access import access_ticket
from sigap.tickets.models import EventKind, Proposal, ProposalStatus, Ticket
from sigap.tickets.services._common import S, _set_status, _touch
from sigap.tickets.services.proposals import _decided, _lock_proposal

# how the answer reached us: the channels, and the ways an agent hears it
VIA = {
    "phone": _("telepon"),
    "in_person": _("tatap muka"),
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "email": _("email"),
    "livechat": _("live chat"),
    "facebook": "Facebook",
    "instagram": "Instagram",
    "portal": _("portal"),
    "sms": "SMS",
    "letter": _("surat"),
    "other": _("lainnya"),
}
# what an agent may pick when recording an answer they heard
RECORDED_VIA = ("phone", "in_person", "whatsapp", "telegram", "email", "sms", "letter", "other")
NO_REASON = gettext_noop("Pelanggan menolak tanpa menyebutkan alasan.")  # said when stored
REASON_LIMIT = 2000
FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little


@transaction.atomic
def proposal_answer(
    *,
    proposal: Proposal,
    accepted: bool,
    via: str,
    reason: str = "",
    words: str = "",
    said_at: datetime | None = None,
    recorded_by: User | None = None,
) -> Proposal:
    """Record the customer's answer. ``recorded_by``: the agent who heard it (they must
    see the ticket); ``words``: what the customer said, as the agent wrote it down
    (required then); ``said_at``: when (default now). Without ``recorded_by`` the caller
    has proven it is the ticket's customer (a signed link, their own tapped button)."""
    reason, words = reason.strip(), words.strip()
    errors: dict[str, list[str]] = {}
    if via not in VIA:
        errors["via"] = [gettext("Pilihan tidak valid.")]
    now = timezone.now()
    if said_at is not None and said_at > now + FUTURE_SLACK:
        errors["said_at"] = [gettext("Waktu tidak boleh di masa depan.")]
    if recorded_by is not None:
        require_staff(recorded_by)
        access_ticket(recorded_by, proposal.ticket_id)  # NotFound for another team's ticket
        if not words:
            errors["words"] = [gettext("Tuliskan apa yang dikatakan pelanggan.")]
    if errors:
        raise ValidationFailed(gettext("Jawaban pelanggan belum lengkap."), fields=errors)
    proposal, ticket = _lock_proposal(proposal)
    if proposal.status != ProposalStatus.OFFERED:
        raise TransitionNotAllowed(
            gettext("Usulan ini tidak sedang ditawarkan kepada pelanggan (status: %(status)s).")
            % {"status": proposal.get_status_display()}
        )
    offered_at = proposal.approved_at or proposal.created_at
    if said_at is not None and said_at < offered_at - FUTURE_SLACK:
        raise ValidationFailed(
            gettext("Waktu jawaban lebih awal daripada saat usulan ditawarkan."),
            fields={"said_at": [gettext("Lebih awal daripada saat usulan ditawarkan.")]},
        )
    customer_user = ticket.customer.user if ticket.customer_id else None
    actor = recorded_by or customer_user
    extra: dict[str, object] = {"answered_by": "customer", "via": via}
    if recorded_by is not None:
        extra.update(
            recorded_by=recorded_by.pk,
            words=words,
            said_at=(said_at or now).isoformat(),
        )
    proposal.answered_at = said_at or now
    if accepted:
        proposal.status = ProposalStatus.ACCEPTED
        proposal.save(update_fields=["status", "answered_at"])
        events.proposal_event(
            proposal, actor, EventKind.PROPOSAL_ACCEPTED, public=True, extra=extra
        )
        _decided(proposal, "accepted")
        _resume(ticket, actor, gettext_noop("Pelanggan menerima usulan solusi."))
        return proposal
    reason = reason or words or gettext(NO_REASON)
    proposal.status = ProposalStatus.REJECTED
    proposal.rejection_reason = reason
    proposal.save(update_fields=["status", "answered_at", "rejection_reason"])
    events.proposal_event(
        proposal, actor, EventKind.PROPOSAL_REJECTED, public=True, reason=reason, extra=extra
    )
    _decided(proposal, "rejected")
    _resume(ticket, actor, gettext_noop("Pelanggan menolak usulan; siapkan alternatif."))
    return proposal


def _resume(ticket: Ticket, actor: User | None, reason: str) -> None:
    """Back to work (``proposals._resume``, for an actor who may be nobody: a customer
    without a portal account)."""
    if ticket.status != S.IN_PROGRESS:
        _set_status(ticket, actor, S.IN_PROGRESS, reason)
    else:
        _touch(ticket)


def awaits_reason(proposal: Proposal) -> bool:
    """Was it rejected without a reason (one may still be added)?"""
    return proposal.status == ProposalStatus.REJECTED and proposal.rejection_reason in (
        "",
        NO_REASON,
    )


@transaction.atomic
def proposal_reason_add(
    *, proposal: Proposal, reason: str, via: str, message_id: int | None = None
) -> Proposal:
    """The reason the customer gives after rejecting without one (their message after a
    tapped *Tolak*: ``message_id``; the answer page's form): it replaces ``NO_REASON``,
    once, and the timeline shows it as the customer's. A reason already recorded is kept
    (``TransitionNotAllowed``)."""
    reason = reason.strip()[:REASON_LIMIT]
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [gettext("Wajib diisi.")]
    if via not in VIA:
        errors["via"] = [gettext("Pilihan tidak valid.")]
    if errors:
        raise ValidationFailed(gettext("Alasan penolakan belum lengkap."), fields=errors)
    proposal, ticket = _lock_proposal(proposal)
    if not awaits_reason(proposal):
        raise TransitionNotAllowed(gettext("Alasan penolakan usulan ini sudah tercatat."))
    proposal.rejection_reason = reason
    proposal.save(update_fields=["rejection_reason"])
    extra: dict[str, object] = {"answered_by": "customer", "via": via}
    if message_id is not None:
        extra["reason_message"] = message_id
    actor = ticket.customer.user if ticket.customer_id else None
    events.proposal_event(
        proposal, actor, EventKind.PROPOSAL_REASON, public=True, reason=reason, extra=extra
    )
    _touch(ticket)
    return proposal


@dataclass(frozen=True)
class Notice:
    """What the customer is told about a proposal no longer offered: ``text``, and the
    proposal offered in its place, when there is one (its buttons or link go with it)."""

    text: str
    current: Proposal | None = None


def no_longer_offered(proposal: Proposal) -> Notice:
    """The notice for a tap or a link of a withdrawn (or replaced) proposal, with what
    holds now: the ticket is done, a new proposal is offered, answered, or being
    prepared. The settings page's "Usulan sudah tidak berlaku" in the active language
    (the caller's: the customer's), what holds now put in as ``{keadaan_kini}``."""
    ticket = proposal.ticket
    newer = ticket.proposals.filter(pk__gt=proposal.pk).order_by("-pk").first()
    current: Proposal | None = None
    if ticket.status in (S.RESOLVED, S.CLOSED):
        now = gettext("Tiket %(ref)s sudah selesai.") % {"ref": ticket.reference}
    elif newer is not None and newer.status == ProposalStatus.OFFERED:
        now = gettext(
            "Petugas kami menggantinya dengan usulan baru: “%(summary)s”. "
            "Silakan jawab usulan yang baru."
        ) % {"summary": newer.summary.strip()}
        current = newer
    elif newer is not None and newer.status == ProposalStatus.ACCEPTED:
        now = gettext("Anda sudah menerima usulan pengganti kami.")
    elif newer is not None and newer.status == ProposalStatus.REJECTED:
        now = gettext(
            "Anda sudah menolak usulan pengganti kami; petugas kami menyiapkan solusi lain."
        )
    else:
        now = gettext(
            "Petugas kami menariknya dan sedang menyiapkan usulan baru; kami akan segera "
            "menghubungi Anda."
        )
    text = message_templates.render_message(
        "proposal_stale",
        language=translation.get_language(),
        brand=getattr(ticket, "brand_id", None),
        context={"nomor_tiket": ticket.reference, "keadaan_kini": now},
    ).body
    return Notice(text, current=current)


def via_label(via: str) -> str:
    return str(VIA.get(via, via))
