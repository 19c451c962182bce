"""Tickets that belong together: merging two requests of one customer into one, splitting
a customer's message off into a ticket of its own, and "related" links.

Merge (``ticket_merge``): the *target* carries on, the *source* is retired.

* Only two tickets of the same customer, both of which the agent may work on (a ticket
  they may not see is "not found", as everywhere); not a ticket already merged, not into
  a closed ticket, not a closed ticket.
* Both rows are locked in id order (``SELECT … FOR UPDATE``), so two merges of the same
  pair, in either direction, run one after the other: the second finds the first's
  pointer and is refused.
* The source's messages and their attachments move to the target (the rows change
  ticket). Its timeline is copied onto the target with the original times and a
  ``merged_from`` mark: timeline rows are append-only, so the originals stay where they
  happened (the retired ticket keeps its history; the metrics skip the copies, so nothing
  is counted twice). Confirmations and apologies stay with the source's record.
* The target keeps its own SLA (due times, policy, clocks): it is the request being
  worked on. But a complaint folded into an inquiry or a request makes the kept ticket a
  complaint (a "kind" change on its timeline, its due times computed again for a
  complaint, as a priority change would). Open proposals on the source are withdrawn
  with a note naming the target (``proposal_withdraw``, so the customer sees an offered
  one withdrawn).
* The source is closed with the reason "Digabung ke SGP-…" and points at the target
  (``Ticket.merged_into`` and a ``TicketLink`` of kind "merged"); both get a public
  "merged" entry. Both search documents are rebuilt (``search.index_ticket``).
* The customer is told on their channel: a public reply on the target, through
  ``message_add`` (so the channel's connector delivers it), on the source's channel and,
  when it differs, on the target's. A channel that writes to nobody (phone, walk-in:
  ``hooks.ChannelWrites``) is skipped rather than listed as a reply that went nowhere. A
  channel that refuses it now (WhatsApp outside its
  24-hour window) does not undo the merge: an internal note says it was not sent.
* ``hooks.TicketMerging`` lets a channel refuse first (live chat: a conversation on the
  source is still running, and its visitor's next message would find a closed ticket).
* All in one transaction.

Split (``ticket_split``): a customer's message becomes a new ticket of the same customer,
channel, kind, team and assignee, with a subject the agent gives. The message is *copied*
(its text, HTML and attachments become the new ticket's first message) and the original
stays where it was written, so the conversation the agents answered reads as it
happened; the "split" entries on both tickets and a ``TicketLink`` point at each other
and at the message.

Links (``ticket_link``, ``ticket_unlink``): a symmetric "related" link between any two
tickets the agent may see, with an internal entry on both.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.access import require_staff
from sigap.accounts.models import User
from sigap.core.errors import Conflict, NotFound, SigapError, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.tickets import events, hooks
from sigap.tickets.access import may_see
from sigap.tickets.attachments import Upload
from sigap.tickets.models import (
    OPEN_PROPOSAL_STATUSES,
    Attachment,
    Kind,
    LinkKind,
    Message,
    MessageKind,
    Ticket,
    TicketLink,
    TimelineEvent,
)
from sigap.tickets.search import index_ticket
from sigap.tickets.services._common import S, _lock, _set_status, _touch
from sigap.tickets.services.creation import ticket_create
from sigap.tickets.services.messages import message_add
from sigap.tickets.services.proposals import proposal_withdraw
from sigap.tickets.services.updates import _recomputed_due

MERGE_NOTICE = gettext_lazy(  # in the customer's language (``merge_notice``)
    "Halo Kak {nama},\n\n"
    "Permintaan Anda {sumber} ({subjek_sumber}) kini kami tangani bersama tiket {tujuan} "
    "({subjek_tujuan}), karena keduanya tentang hal yang sama. Semua pesan Anda sudah kami "
    "satukan, jadi Kakak tidak perlu menyampaikannya dua kali. Kabar selanjutnya akan kami "
    "kirim dengan nomor tiket {tujuan}.\n\n"
    "Salam,\nTim layanan pelanggan"
)


def merge_notice(source: Ticket, target: Ticket) -> str:
    """The default message that tells the customer (the agent may edit it)."""
    with translation.override(source.customer.language):
        return str(MERGE_NOTICE).format(
            nama=source.customer.first_name,
            sumber=source.reference,
            subjek_sumber=source.subject,
            tujuan=target.reference,
            subjek_tujuan=target.subject,
        )


def _visible(actor: User, ticket: Ticket) -> None:
    if not may_see(actor, ticket):
        raise NotFound(_("Tiket tidak ditemukan."))


def _lock_pair(first: Ticket, second: Ticket) -> tuple[Ticket, Ticket]:
    """Both rows locked in id order (a stable order: no deadlock between two merges of
    the same pair), re-read."""
    rows = {
        t.pk: t
        for t in Ticket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    }
    if len(rows) != 2:
        raise NotFound(_("Tiket tidak ditemukan."))
    return rows[first.pk], rows[second.pk]


def merge_check(actor: User, source: Ticket, target: Ticket) -> None:
    """Why ``source`` cannot be merged into ``target`` (a domain error), or nothing: the
    service asks it under the locks, the confirmation page before showing the button."""
    require_staff(actor)
    if source.pk == target.pk:
        raise ValidationFailed(_("Tiket tidak dapat digabung dengan dirinya sendiri."))
    _visible(actor, source)
    _visible(actor, target)
    for t in (source, target):
        if t.merged_into_id is not None:
            raise Conflict(
                _("Tiket %(ref)s sudah digabung ke %(target)s; pilih tiket lain.")
                % {"ref": t.reference, "target": Ticket(pk=t.merged_into_id).reference}
            )
    if source.customer_id != target.customer_id:
        raise ValidationFailed(
            _(
                "Hanya tiket dari pelanggan yang sama yang dapat digabung: %(source)s milik "
                "%(source_customer)s, %(target)s milik %(target_customer)s."
            )
            % {
                "source": source.reference,
                "source_customer": source.customer.name,
                "target": target.reference,
                "target_customer": target.customer.name,
            },
            fields={"target": [_("Pelanggan berbeda.")]},
        )
    if target.status == S.CLOSED:
        raise Conflict(
            _("Tiket %(ref)s sudah ditutup. Gabungkan ke tiket yang masih berjalan.")
            % {"ref": target.reference}
        )
    if source.status == S.CLOSED:
        raise Conflict(
            _("Tiket %(ref)s sudah ditutup; tidak ada yang perlu digabung.")
            % {"ref": source.reference}
        )


@transaction.atomic
def ticket_merge(
    *, actor: User, source: Ticket, target: Ticket, notice: str | None = None
) -> Ticket:
    """Merge ``source`` into ``target`` (see the module's docstring); returns the target.
    ``notice``: what the customer is told (default ``merge_notice``)."""
    require_staff(actor)
    if source.pk == target.pk:
        raise ValidationFailed(_("Tiket tidak dapat digabung dengan dirinya sendiri."))
    source, target = _lock_pair(source, target)
    merge_check(actor, source, target)
    hooks.publish(hooks.TicketMerging(source_id=source.pk, target_id=target.pk))
    reason = said_in_default_language(gettext_lazy("Digabung ke %(ref)s."), ref=target.reference)
    withdrawn = 0
    for proposal in source.proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).order_by("pk"):
        proposal_withdraw(actor=actor, proposal=proposal, reason=reason)
        withdrawn += 1
    if withdrawn:
        source = _lock(source)  # the withdrawal may have moved its status
    copied = list(TimelineEvent.objects.filter(ticket_id=source.pk).order_by("created_at", "id"))
    moved_messages = Message.objects.filter(ticket_id=source.pk).update(ticket_id=target.pk)
    moved_files = Attachment.objects.filter(ticket_id=source.pk).update(ticket_id=target.pk)
    events.merge_copies(target, source, copied)
    _set_status(source, actor, S.CLOSED, reason)
    _touch(source, merged_into=target)
    TicketLink.objects.create(
        from_ticket=source, to_ticket=target, kind=LinkKind.MERGED, created_by=actor
    )
    events.merged_events(
        source,
        target,
        actor,
        {
            "source_reference": source.reference,
            "target_reference": target.reference,
            "messages": moved_messages,
            "attachments": moved_files,
            "events": len(copied),
            "proposals_withdrawn": withdrawn,
        },
    )
    _touch(target, **_complaint_kept(actor, source, target))
    index_ticket(source.pk)
    index_ticket(target.pk)
    _tell_customer(actor, source, target, notice)
    target.refresh_from_db()
    return target


def _complaint_kept(actor: User, source: Ticket, target: Ticket) -> dict[str, object]:
    """A complaint merged into an inquiry or a request: the kept ticket becomes a
    complaint, with its due times computed again (the changed fields)."""
    if source.kind != Kind.COMPLAINT or target.kind == Kind.COMPLAINT:
        return {}
    reason = said_in_default_language(
        gettext_lazy("Keluhan %(ref)s digabung ke tiket ini."), ref=source.reference
    )
    events.field_changed_event(target, actor, "kind", target.kind, Kind.COMPLAINT, reason)
    target.kind = Kind.COMPLAINT
    changed: dict[str, object] = {"kind": Kind.COMPLAINT}
    if target.is_open:
        changed.update(_recomputed_due(target, actor, {}, reason))
    return changed


def _tell_customer(actor: User, source: Ticket, target: Ticket, notice: str | None) -> None:
    body = (notice or "").strip() or merge_notice(source, target)
    for channel in dict.fromkeys([source.channel, target.channel]):
        if False in hooks.publish(hooks.ChannelWrites(channel=channel)):
            continue  # a phone or walk-in ticket: nothing would reach the customer
        try:
            message_add(
                actor=actor, ticket=target, kind=MessageKind.REPLY, body=body, channel=channel
            )
        except SigapError as exc:  # the channel refuses it now; the merge stands
            message_add(
                actor=actor,
                ticket=target,
                kind=MessageKind.NOTE,
                body=said_in_default_language(  # a note for the staff
                    gettext_lazy(
                        "Pemberitahuan penggabungan lewat %(channel)s tidak terkirim: %(why)s"
                    ),
                    channel=channel,
                    why=exc.message,
                ),
            )


@transaction.atomic
def ticket_split(*, actor: User, ticket: Ticket, message: Message, subject: str) -> Ticket:
    """A customer's message becomes a new ticket (see the module's docstring); returns
    the new ticket."""
    require_staff(actor)
    ticket = _lock(ticket)
    _visible(actor, ticket)
    if message.ticket_id != ticket.pk:
        raise NotFound(_("Pesan tidak ditemukan."))
    if message.kind != MessageKind.INBOUND:
        raise ValidationFailed(
            _("Hanya pesan dari pelanggan yang dapat dipisah menjadi tiket baru."),
            fields={"message": [_("Bukan pesan pelanggan.")]},
        )
    if ticket.merged_into_id is not None:
        raise Conflict(
            _("Tiket %(ref)s sudah digabung; pisahkan dari tiket tujuannya.")
            % {"ref": ticket.reference}
        )
    subject = subject.strip()
    if not subject:
        raise ValidationFailed(
            _("Subjek tiket baru wajib diisi."), fields={"subject": [_("Wajib diisi.")]}
        )
    uploads = []
    for attachment in message.attachments.order_by("id"):
        with attachment.file.open("rb") as fh:
            uploads.append(Upload(filename=attachment.filename, content=fh.read()))
    new = ticket_create(
        actor=actor,
        customer=ticket.customer,
        kind=ticket.kind,
        channel=ticket.channel,
        subject=subject,
        description=message.body or _("(Lampiran dari %(ref)s)") % {"ref": ticket.reference},
        team=ticket.team,
        assignee=ticket.assignee,
        uploads=uploads,
        body_html=message.body_html,
        sender_address=message.sender_address,
        brand_id=ticket.brand_id,
    )
    TicketLink.objects.create(
        from_ticket=new, to_ticket=ticket, kind=LinkKind.SPLIT, created_by=actor
    )
    events.split_events(ticket, new, actor, message.pk)
    _touch(ticket)
    return new


def _pair(a: Ticket, b: Ticket) -> tuple[Ticket, Ticket]:
    return (a, b) if a.pk < b.pk else (b, a)


@transaction.atomic
def ticket_link(*, actor: User, ticket: Ticket, other: Ticket) -> TicketLink:
    """Relate two tickets ("related", symmetric); linking them again changes nothing."""
    require_staff(actor)
    if ticket.pk == other.pk:
        raise ValidationFailed(
            _("Tiket tidak dapat ditautkan ke dirinya sendiri."),
            fields={"other": [_("Tiket sama.")]},
        )
    _visible(actor, ticket)
    _visible(actor, other)
    low, high = _pair(ticket, other)
    _lock_pair(low, high)
    link, created = TicketLink.objects.get_or_create(
        from_ticket=low, to_ticket=high, kind=LinkKind.RELATED, defaults={"created_by": actor}
    )
    if created:
        events.linked_events(ticket, other, actor, linked=True)
        _touch(ticket)
        _touch(other)
    return link


@transaction.atomic
def ticket_unlink(*, actor: User, ticket: Ticket, other: Ticket) -> None:
    """Remove a "related" link (merge and split pointers stay: they are history)."""
    require_staff(actor)
    _visible(actor, ticket)
    _visible(actor, other)
    low, high = _pair(ticket, other)
    _lock_pair(low, high)
    deleted, _by_model = TicketLink.objects.filter(
        Q(from_ticket=low, to_ticket=high), kind=LinkKind.RELATED
    ).delete()
    if not deleted:
        raise NotFound(_("Tautan tidak ditemukan."))
    events.linked_events(ticket, other, actor, linked=False)
    _touch(ticket)
    _touch(other)
