"""What happens next on a ticket, in plain Indonesian: for the customer (transparency)
and for the agent (the procedure's next step)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

from sigap.tickets.models import Status, Ticket

S = Status


def when(moment: datetime | None) -> str:
    """``Senin, 23 November 2026 pukul 14.30 WIB``-style, in the business's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'l, j F Y')} pukul {local:%H.%M} {local.tzname() or ''}".strip()


@dataclass(frozen=True)
class NextStep:
    text: str
    deadline: datetime | None

    @property
    def deadline_text(self) -> str:
        return when(self.deadline)


def for_customer(ticket: Ticket, *, offer_waiting: bool) -> NextStep:
    status = ticket.status
    if status == S.NEW:
        due = ticket.first_response_due_at
        return NextStep(
            "Keluhan Anda sudah kami terima. Petugas kami akan mempelajarinya dan "
            "menghubungi Anda.",
            due,
        )
    if status in (S.RECORDED, S.CONFIRMED):
        return NextStep(
            "Petugas kami sudah mencatat masalah Anda dan sedang memastikan bahwa kami "
            "memahaminya dengan benar. Setelah itu kami mencari penyelesaiannya.",
            ticket.resolution_due_at,
        )
    if status == S.IN_PROGRESS:
        return NextStep(
            "Kami sedang menyelesaikan masalah Anda. Kami akan mengabari Anda di sini.",
            ticket.resolution_due_at,
        )
    if status == S.WAITING_CUSTOMER:
        if offer_waiting:
            return NextStep(
                "Kami menunggu jawaban Anda: silakan terima atau tolak usulan penyelesaian "
                "di bawah ini. Kami tetap berkomitmen menyelesaikannya sebelum tenggat.",
                ticket.resolution_due_at,
            )
        return NextStep(
            "Kami menunggu balasan Anda. Silakan balas pesan di bawah ini.",
            ticket.resolution_due_at,
        )
    if status == S.RESOLVED:
        return NextStep(
            "Masalah Anda sudah kami selesaikan. Bila masih ada yang kurang, balas di sini "
            "dan kami akan membukanya kembali.",
            None,
        )
    return NextStep("Tiket ini sudah ditutup. Terima kasih atas kepercayaan Anda.", None)


def for_agent(ticket: Ticket, *, offer_waiting: bool, approval_waiting: bool) -> str:
    status = ticket.status
    if status == S.NEW:
        return "Simak keluhannya, lalu catat fakta dan kronologinya (Catat)."
    if status == S.RECORDED:
        return "Konfirmasi: nyatakan ulang inti masalah dan minta pelanggan membenarkannya."
    if approval_waiting:
        return "Usulan menunggu persetujuan supervisor sebelum ditawarkan ke pelanggan."
    if status == S.CONFIRMED:
        return "Sampaikan permintaan maaf (5R) bila perlu, lalu ajukan usulan penyelesaian."
    if status == S.IN_PROGRESS:
        return "Ajukan usulan penyelesaian, atau tandai selesai bila masalah sudah beres."
    if status == S.WAITING_CUSTOMER:
        if offer_waiting:
            return "Menunggu pelanggan menerima atau menolak usulan."
        return "Menunggu balasan pelanggan."
    if status == S.RESOLVED:
        return "Tutup tiket dengan ucapan terima kasih."
    return "Tiket sudah ditutup."
