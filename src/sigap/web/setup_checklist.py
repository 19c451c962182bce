"""The first-run setup checklist (``/settings/setup/``): each step's state read from the
data it is about (a team exists, a calendar has hours …), never ticked by hand; only a
step the admin chose to skip is kept (``Business.setup_skipped``). And the "send a test
complaint" step: one ticket from the demo customer "Pelanggan Uji", made through the
ticket services like any other."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access
from sigap.accounts import business as business_service
from sigap.accounts.models import (
    STAFF_ROLES,
    Business,
    Invitation,
    SecurityEvent,
    SecurityKind,
    Team,
    User,
)
from sigap.connectors.models import ChannelAccount, Mailbox
from sigap.customers.models import Customer
from sigap.customers.services import customer_create
from sigap.kb.models import Article, ArticleStatus
from sigap.sla.models import BusinessCalendar
from sigap.tickets.models import Channel, Kind, Ticket
from sigap.tickets.services import ticket_create

TEST_CUSTOMER = "Pelanggan Uji"


@dataclass(frozen=True)
class Step:
    key: str
    label: str | Promise
    help: str | Promise
    done: bool
    skipped: bool
    url: str  # where the step is done ("" : on the checklist page itself)

    @property
    def state(self) -> str:
        return "done" if self.done else "skipped" if self.skipped else "todo"


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def finished(self) -> int:
        return sum(1 for s in self.steps if s.done or s.skipped)

    @property
    def complete(self) -> bool:
        return self.finished == len(self.steps)


STEP_KEYS = (
    "business",
    "time_zone",
    "hours",
    "team",
    "agents",
    "channel",
    "articles",
    "test_complaint",
)


def checklist(b: Business) -> Checklist:
    """Every step's state (one statement per step that needs the database)."""
    skipped = set(b.setup_skipped)
    # The installation comes with default calendars (office hours in WIB): the step is
    # done once an admin made or changed a calendar on the settings page (the audit log
    # says so) and a calendar with hours exists.
    hours = (
        SecurityEvent.objects.filter(
            kind=SecurityKind.SETTINGS_CHANGED, data__model="business_calendar"
        ).exists()
        and BusinessCalendar.objects.filter(
            Q(periods__isnull=False) | Q(around_the_clock=True)
        ).exists()
    )
    agents = User.objects.filter(role__in=STAFF_ROLES).count() > 1 or Invitation.objects.exists()
    channel = Mailbox.objects.filter(active=True).exists() or ChannelAccount.objects.exists()
    done = {
        "business": bool(b.name),
        "time_zone": b.time_zone_chosen,
        "hours": hours,
        "team": Team.objects.exists(),
        "agents": agents,
        "channel": channel,
        "articles": Article.objects.filter(status=ArticleStatus.PUBLISHED).exists(),
        "test_complaint": Ticket.objects.exists(),
    }
    text: dict[str, tuple[Promise, Promise, str]] = {
        "business": (
            gettext_lazy("Nama dan logo usaha"),
            gettext_lazy("Tampil di bilah atas dan judul halaman petugas."),
            "",
        ),
        "time_zone": (
            gettext_lazy("Zona waktu"),
            gettext_lazy("WIB, WITA atau WIT: waktu usaha Anda."),
            "",
        ),
        "hours": (
            gettext_lazy("Jam kerja"),
            gettext_lazy(
                "Tenggat SLA dihitung dari kalender kerja. Kalender bawaan (Senin–Jumat "
                "08.00–17.00 WIB, Sabtu sampai 12.00) sudah ada: sesuaikan dengan jam usaha "
                "Anda, atau lewati langkah ini bila sudah cocok."
            ),
            reverse("web:settings_sla_calendars"),
        ),
        "team": (
            gettext_lazy("Tim pertama"),
            gettext_lazy("Tiket masuk ke antrean tim."),
            reverse("web:settings_teams"),
        ),
        "agents": (
            gettext_lazy("Undang petugas"),
            gettext_lazy("Kirim undangan lewat email kepada rekan yang menangani keluhan."),
            reverse("web:settings_people"),
        ),
        "channel": (
            gettext_lazy("Hubungkan saluran"),
            gettext_lazy("Kotak surat (dengan uji koneksi), WhatsApp, Telegram atau Meta."),
            reverse("web:settings_channels"),
        ),
        "articles": (
            gettext_lazy("Artikel pusat bantuan"),
            gettext_lazy("Terbitkan artikel agar pelanggan menemukan jawaban sendiri."),
            reverse("kb:articles"),
        ),
        "test_complaint": (
            gettext_lazy("Kirim keluhan uji"),
            gettext_lazy(
                "Satu tiket dari pelanggan contoh “Pelanggan Uji”, lalu lihat di kotak masuk."
            ),
            "",
        ),
    }
    return Checklist(
        [
            Step(key, text[key][0], text[key][1], done[key], key in skipped, text[key][2])
            for key in STEP_KEYS
        ]
    )


def still_open_for(user: User) -> bool:
    """Whether this user's sign-in should land on the checklist: an admin, on an
    installation ``createadmin`` opened it for, until finished or dismissed. Costs no
    query once it is finished (the business is kept in memory)."""
    if not access.is_settings_admin(user) or not business_service.info().setup_open:
        return False
    if checklist(business_service.get()).complete:
        business_service.setup_completed()
        return False
    return True


def send_test_complaint(*, actor: User) -> Ticket:
    """One test complaint from "Pelanggan Uji" (made once; sending again returns the
    same ticket while it exists), into the first team's queue if there is a team."""
    access.require_global_settings(actor)
    with transaction.atomic():
        b = business_service.locked()
        if b.setup_test_ticket_id:
            existing = Ticket.objects.filter(pk=b.setup_test_ticket_id).first()
            if existing is not None:
                return existing
        customer = Customer.objects.filter(name=TEST_CUSTOMER).order_by("pk").first()
        if customer is None:
            customer = customer_create(
                name=TEST_CUSTOMER, notes=_("Pelanggan contoh dari daftar persiapan.")
            )
        ticket = ticket_create(
            actor=actor,
            customer=customer,
            kind=Kind.COMPLAINT,
            channel=Channel.PORTAL,
            subject=_("Keluhan uji: pesanan belum sampai"),
            description=_(
                "Ini keluhan uji dari daftar persiapan Sigap. Pesanan saya belum sampai "
                "setelah lima hari. Tiket ini boleh ditutup."
            ),
            team=Team.objects.order_by("pk").first(),
            tags=["uji"],
        )
        b.setup_test_ticket_id = ticket.pk
        b.save(update_fields=["setup_test_ticket_id", "updated_at"])
    return ticket
