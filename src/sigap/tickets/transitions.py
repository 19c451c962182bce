"""The complaint procedure as one table: Simak -> Catat -> Konfirmasi -> Selesaikan.

``services.ticket_transition`` is the only code that changes ``Ticket.status``; it asks
``check_transition`` first. Guards that need data (a recorded confirmation, an accepted
proposal) are checked by the service that performs the step.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from sigap.core.errors import TransitionNotAllowed
from sigap.tickets.models import Kind, Status

S = Status

ALLOWED: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.RECORDED, S.IN_PROGRESS, S.CLOSED}),
    S.RECORDED: frozenset({S.CONFIRMED, S.IN_PROGRESS, S.CLOSED}),
    S.CONFIRMED: frozenset({S.IN_PROGRESS, S.WAITING_CUSTOMER, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
}

# Complaints must be listened to, recorded and confirmed before they are worked on
# ("konfirmasi sebelum menjawab"); inquiries and requests may skip straight to work.
COMPLAINT_ONLY_FORBIDDEN: frozenset[tuple[Status, Status]] = frozenset(
    {(S.NEW, S.IN_PROGRESS), (S.RECORDED, S.IN_PROGRESS)}
)

# Closing a ticket that was never resolved (spam, duplicate, withdrawn) needs a reason.
CLOSE_WITHOUT_RESOLUTION: frozenset[Status] = frozenset(
    {S.NEW, S.RECORDED, S.CONFIRMED, S.IN_PROGRESS, S.WAITING_CUSTOMER}
)

LABELS = dict(Status.choices)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    current: bool = False  # the step the ticket is at now (the first one not done)


@dataclass(frozen=True)
class Move:
    """A status change a person may ask for now, and whether it needs a reason."""

    to: Status
    needs_reason: bool = False

    @property
    def label(self) -> str:
        return str(LABELS[self.to])


def check_transition(*, kind: str, current: str, target: str, reason: str) -> None:
    cur, to = Status(current), Status(target)
    if to not in ALLOWED[cur]:
        raise TransitionNotAllowed(
            _("Status tidak dapat diubah dari '%(current)s' ke '%(target)s'.")
            % {"current": LABELS[cur], "target": LABELS[to]}
        )
    if kind == Kind.COMPLAINT and (cur, to) in COMPLAINT_ONLY_FORBIDDEN:
        raise TransitionNotAllowed(
            _(
                "Keluhan harus dicatat dan dikonfirmasi ke pelanggan sebelum diproses "
                "(Simak → Catat → Konfirmasi → Selesaikan)."
            )
        )
    if to == S.CLOSED and cur in CLOSE_WITHOUT_RESOLUTION and not reason.strip():
        raise TransitionNotAllowed(_("Tiket yang belum selesai hanya dapat ditutup dengan alasan."))


ORDER = [S.NEW, S.RECORDED, S.CONFIRMED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.RESOLVED, S.CLOSED]


def procedure_steps(status: str) -> list[Step]:
    """The four steps of the procedure with what is done, for the UI and the API."""
    position = ORDER.index(Status(status))
    done = [
        ("simak", _("Simak"), position >= 1),
        ("catat", _("Catat"), position >= ORDER.index(S.RECORDED)),
        ("konfirmasi", _("Konfirmasi"), position >= ORDER.index(S.CONFIRMED)),
        ("selesaikan", _("Selesaikan"), position >= ORDER.index(S.RESOLVED)),
    ]
    current = next((key for key, _label, is_done in done if not is_done), "")
    return [Step(key, label, is_done, key == current) for key, label, is_done in done]


# Moves that have their own step (Catat, Konfirmasi): the generic status change refuses them.
OWN_STEP: frozenset[Status] = frozenset({S.RECORDED, S.CONFIRMED})


def moves(*, kind: str, status: str, accepted_proposal: bool, open_proposal: bool) -> list[Move]:
    """The status changes ``services.ticket_transition`` accepts for this ticket now, in
    the procedure's order: the table, the complaint rule, the steps that have their own
    form, and the guards of resolving (no open proposal; a complaint needs an accepted
    proposal or a reason), reopening (a reason) and closing unresolved (a reason).

    ``tests`` check every move offered here against the services, both ways."""
    cur = Status(status)
    targets = set(ALLOWED[cur])
    if cur == S.CONFIRMED:
        targets.add(S.RESOLVED)  # ticket_resolve passes through "in progress"
    out: list[Move] = []
    for to in ORDER:
        if to not in targets or to in OWN_STEP:
            continue
        if kind == Kind.COMPLAINT and (cur, to) in COMPLAINT_ONLY_FORBIDDEN:
            continue
        needs_reason = False
        if to == S.RESOLVED:
            if open_proposal:
                continue
            needs_reason = kind == Kind.COMPLAINT and not accepted_proposal
        elif to == S.IN_PROGRESS and cur == S.RESOLVED:
            needs_reason = True  # a reopening
        elif to == S.CLOSED:
            needs_reason = cur in CLOSE_WITHOUT_RESOLUTION
        out.append(Move(to, needs_reason))
    return out
