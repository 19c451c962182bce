"""What happens next on a ticket, in plain Indonesian: for the customer (transparency)
and for the agent (the procedure's next step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.tickets.models import MissedDeadline, ProposalStatus, Status, Ticket

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

S = Status

# The status as the customer reads it: what is happening, not the procedure's step names
# ("Baru (Simak)", "Tercatat", "Terkonfirmasi" are the staff's words).
CUSTOMER_STATUS: dict[str, StrOrPromise] = {
    S.NEW: gettext_lazy("Sudah kami terima"),
    S.RECORDED: gettext_lazy("Sedang kami pelajari"),
    S.CONFIRMED: gettext_lazy("Sedang kami pelajari"),
    S.IN_PROGRESS: gettext_lazy("Sedang kami tangani"),
    S.WAITING_CUSTOMER: gettext_lazy("Menunggu jawaban Anda"),
    S.RESOLVED: gettext_lazy("Selesai"),
    S.CLOSED: gettext_lazy("Ditutup"),
}
# A proposal's state, said from the customer's side ("Anda terima" alone reads both ways).
CUSTOMER_PROPOSAL_STATUS: dict[str, StrOrPromise] = {
    ProposalStatus.OFFERED: gettext_lazy("Menunggu jawaban Anda"),
    ProposalStatus.ACCEPTED: gettext_lazy("Sudah Anda setujui"),
    ProposalStatus.REJECTED: gettext_lazy("Anda tolak"),
    ProposalStatus.WITHDRAWN: gettext_lazy("Kami tarik kembali"),
}
# Whose move it is: ours (the company's) or the customer's.
OWNER_US = "us"
OWNER_YOU = "you"
OWNER_LABELS: dict[str, StrOrPromise] = {
    OWNER_US: gettext_lazy("Giliran kami"),
    OWNER_YOU: gettext_lazy("Giliran Anda"),
}


def customer_status(status: str) -> str:
    return str(CUSTOMER_STATUS.get(status, status))


def when(moment: datetime | None, tz: str = "") -> str:
    """``Senin, 23 November 2026 pukul 14.30 WIB``-style, in ``tz`` (a customer's zone)
    or else the business's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(tz) if tz else None)
    return _("%(date)s pukul %(time)s %(zone)s") % {
        "date": date_format(local, "l, j F Y"),
        "time": f"{local:%H.%M}",
        "zone": local.tzname() or "",
    }


@dataclass(frozen=True)
class NextStep:
    text: str
    deadline: datetime | None

    tz: str = ""
    owner: str = ""  # OWNER_US, OWNER_YOU, or "" when nothing is left to do
    missed: MissedDeadline | None = None  # the deadline we missed, acknowledged
    status_label: str = ""  # the ticket's status in the customer's words

    @property
    def deadline_text(self) -> str:
        return when(self.deadline, self.tz)

    @property
    def overdue(self) -> bool:
        """The deadline shown has passed (and is not acknowledged with a new one yet)."""
        return (
            self.deadline is not None and self.owner == OWNER_US and self.deadline <= timezone.now()
        )

    @property
    def owner_label(self) -> str:
        return str(OWNER_LABELS.get(self.owner, ""))

    @property
    def missed_text(self) -> str:
        return when(self.missed.deadline, self.tz) if self.missed else ""


@dataclass(frozen=True)
class Promise:
    """The deadline the customer holds us to now: the SLA's (``first_response`` while the
    ticket is new, ``resolution`` after), or the new estimate we gave when that one
    passed (``estimate``); ``missed``: the latest acknowledged miss of this chain."""

    target: str
    deadline: datetime
    missed: MissedDeadline | None


def promise(ticket: Ticket, missed: Sequence[MissedDeadline]) -> Promise | None:
    """None when nothing is promised: the ticket is done, or it waits for the customer."""
    if not ticket.is_open or ticket.status == S.WAITING_CUSTOMER:
        return None
    if ticket.status == S.NEW:
        target, base = "first_response", ticket.first_response_due_at
    else:
        target, base = "resolution", ticket.resolution_due_at
    if base is None:
        return None
    chain = [m for m in missed if m.deadline >= base]
    if not chain:
        return Promise(target, base, None)
    latest = max(chain, key=lambda m: m.deadline)
    return Promise("estimate", latest.new_estimate, latest)


def for_customer(
    ticket: Ticket,
    *,
    offer_waiting: bool,
    tz: str = "",
    missed: Sequence[MissedDeadline] = (),
) -> NextStep:
    """The next step for the customer and whose move it is; deadlines shown in their
    time zone ``tz``. ``missed``: the ticket's acknowledged missed deadlines (the new
    estimate replaces the deadline that passed)."""
    step = _for_customer(ticket, offer_waiting=offer_waiting)
    if ticket.status == S.WAITING_CUSTOMER:
        owner = OWNER_YOU
    elif ticket.is_open:
        owner = OWNER_US
    else:
        owner = ""
    deadline, latest = step.deadline, None
    kept = promise(ticket, missed) if step.deadline is not None else None
    if kept is not None:
        deadline, latest = kept.deadline, kept.missed
    return NextStep(step.text, deadline, tz, owner, latest, customer_status(ticket.status))


def _for_customer(ticket: Ticket, *, offer_waiting: bool) -> NextStep:
    status = ticket.status
    if status == S.NEW:
        due = ticket.first_response_due_at
        return NextStep(
            _(
                "Keluhan Anda sudah kami terima. Petugas kami akan mempelajarinya dan "
                "menghubungi Anda."
            ),
            due,
        )
    if status in (S.RECORDED, S.CONFIRMED):
        return NextStep(
            _(
                "Petugas kami sudah mencatat masalah Anda dan sedang memastikan bahwa kami "
                "memahaminya dengan benar. Setelah itu kami mencari penyelesaiannya."
            ),
            ticket.resolution_due_at,
        )
    if status == S.IN_PROGRESS:
        return NextStep(
            _("Kami sedang menyelesaikan masalah Anda. Kami akan mengabari Anda di sini."),
            ticket.resolution_due_at,
        )
    if status == S.WAITING_CUSTOMER:
        if offer_waiting:
            return NextStep(
                _(
                    "Kami menunggu jawaban Anda: silakan terima atau tolak usulan penyelesaian "
                    "di bawah ini. Kami tetap berkomitmen menyelesaikannya sebelum tenggat."
                ),
                ticket.resolution_due_at,
            )
        return NextStep(
            _("Kami menunggu balasan Anda. Silakan balas pesan di bawah ini."),
            ticket.resolution_due_at,
        )
    if status == S.RESOLVED:
        return NextStep(
            _(
                "Masalah Anda sudah kami selesaikan. Bila masih ada yang kurang, balas di sini "
                "dan kami akan membukanya kembali."
            ),
            None,
        )
    return NextStep(_("Tiket ini sudah ditutup. Terima kasih atas kepercayaan Anda."), None)


def for_agent(
    ticket: Ticket,
    *,
    offer_waiting: bool,
    approval_waiting: bool,
    accepted: bool = False,
    rejected_waiting: bool = False,
    changes_requested: bool = False,
) -> str:
    """``rejected_waiting``: the newest proposal was rejected (the alternative is next)."""
    status = ticket.status
    if changes_requested and ticket.is_open:
        return _("Supervisor meminta perubahan usulan: ubah sesuai catatannya, lalu ajukan ulang.")
    if status == S.NEW:
        return _("Simak keluhannya, lalu catat fakta dan kronologinya (Catat).")
    if status == S.RECORDED:
        return _("Konfirmasi: nyatakan ulang inti masalah dan minta pelanggan membenarkannya.")
    if approval_waiting:
        return _("Usulan menunggu persetujuan supervisor sebelum ditawarkan ke pelanggan.")
    if accepted and status in (S.CONFIRMED, S.IN_PROGRESS, S.WAITING_CUSTOMER):
        return _("Pelanggan menerima usulan: tandai tiket selesai.")
    if status == S.CONFIRMED:
        return _("Sampaikan permintaan maaf (5R) bila perlu, lalu ajukan usulan penyelesaian.")
    if status == S.IN_PROGRESS and rejected_waiting:
        return _(
            "Pelanggan menolak usulan: ajukan solusi alternatif (win-win) yang menjawab "
            "alasan penolakannya."
        )
    if status == S.IN_PROGRESS:
        return _("Ajukan usulan penyelesaian, atau tandai selesai bila masalah sudah beres.")
    if status == S.WAITING_CUSTOMER:
        if offer_waiting:
            return " ".join(
                (
                    _("Menunggu pelanggan menerima atau menolak usulan."),
                    _(
                        "Bila pelanggan menjawab lewat telepon atau tatap muka, catat "
                        "jawabannya pada usulan."
                    ),
                )
            )
        return _("Menunggu balasan pelanggan.")
    if status == S.RESOLVED:
        return _("Tutup tiket dengan ucapan terima kasih.")
    return _("Tiket sudah ditutup.")


def agent_form(
    ticket: Ticket,
    *,
    offer_waiting: bool,
    approval_waiting: bool,
    apologised: bool,
    accepted: bool,
) -> str:
    """Which of the ticket page's forms does the next step (``for_agent`` says it in
    words): ``record``, ``confirm``, ``apology``, ``proposal``, ``resolve``, ``close``,
    ``reopen``, or ``""`` while the ticket waits for someone else (the customer's answer,
    a supervisor's approval)."""
    status = ticket.status
    if status == S.NEW:
        return "record"
    if status == S.RECORDED:
        return "confirm"
    if status == S.RESOLVED:
        return "close"
    if status == S.CLOSED:
        return "reopen"
    if approval_waiting or offer_waiting:
        return ""
    if accepted and status in (S.CONFIRMED, S.IN_PROGRESS, S.WAITING_CUSTOMER):
        return "resolve"
    if status == S.CONFIRMED and not apologised:
        return "apology"
    if status in (S.CONFIRMED, S.IN_PROGRESS):
        return "proposal"
    return ""
