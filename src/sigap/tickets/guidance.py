"""What happens next on a ticket, in plain Indonesian: for the customer (transparency)
and for the agent (the procedure's next step)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sigap.tickets.models import Status, Ticket

S = Status


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

    @property
    def deadline_text(self) -> str:
        return when(self.deadline, self.tz)


def for_customer(ticket: Ticket, *, offer_waiting: bool, tz: str = "") -> NextStep:
    """The next step for the customer; deadlines shown in their time zone ``tz``."""
    step = _for_customer(ticket, offer_waiting=offer_waiting)
    return NextStep(step.text, step.deadline, tz)


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
