"""Business calendars, holidays and SLA policies (editable in the admin)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
    WITA = "Asia/Makassar", _("WITA (Asia/Makassar)")
    WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura)")


class BusinessCalendar(models.Model):
    name = models.CharField(_("nama"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("zona waktu"), max_length=32, choices=TimeZone.choices, default=TimeZone.WIB
    )
    around_the_clock = models.BooleanField(
        _("24 jam setiap hari"), default=False, help_text=_("Jam kerja dan hari libur diabaikan.")
    )
    national_holidays = models.BooleanField(
        _("libur nasional dan cuti bersama berlaku"), default=True
    )

    class Meta:
        verbose_name = _("kalender kerja")
        verbose_name_plural = _("kalender kerja")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Senin")
    TUESDAY = 1, _("Selasa")
    WEDNESDAY = 2, _("Rabu")
    THURSDAY = 3, _("Kamis")
    FRIDAY = 4, _("Jumat")
    SATURDAY = 5, _("Sabtu")
    SUNDAY = 6, _("Minggu")


class WorkingPeriod(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("hari"), choices=Weekday.choices)
    start = models.TimeField(_("mulai"))
    end = models.TimeField(_("selesai"), help_text=_("00:00 berarti tengah malam."))

    class Meta:
        verbose_name = _("jam kerja")
        verbose_name_plural = _("jam kerja")
        ordering = ["calendar", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class SpecialPeriod(models.Model):
    """Days with their own working hours (Ramadan hours, a stocktaking week): from
    ``start_date`` to ``end_date`` inclusive, the calendar's weekly hours are replaced by
    this period's (a weekday without hours here is a day off). Holidays still apply."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="special_periods"
    )
    name = models.CharField(_("nama"), max_length=120)
    start_date = models.DateField(_("dari tanggal"))
    end_date = models.DateField(_("sampai tanggal"))

    class Meta:
        verbose_name = _("periode khusus")
        verbose_name_plural = _("periode khusus")
        ordering = ["calendar", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="special_period_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"


class SpecialHours(models.Model):
    special = models.ForeignKey(SpecialPeriod, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("hari"), choices=Weekday.choices)
    start = models.TimeField(_("mulai"))
    end = models.TimeField(_("selesai"), help_text=_("00:00 berarti tengah malam."))

    class Meta:
        verbose_name = _("jam kerja periode khusus")
        verbose_name_plural = _("jam kerja periode khusus")
        ordering = ["special", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class HolidayKind(models.TextChoices):
    NATIONAL = "national", _("Libur nasional")
    CUTI_BERSAMA = "cuti_bersama", _("Cuti bersama")
    COMPANY = "company", _("Libur perusahaan")


class Holiday(models.Model):
    """A day off. Without a calendar it is national: it applies to every calendar that
    keeps national holidays."""

    date = models.DateField(_("tanggal"), db_index=True)
    name = models.CharField(_("nama"), max_length=150)
    kind = models.CharField(_("jenis"), max_length=16, choices=HolidayKind.choices)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holidays",
        help_text=_("Kosongkan untuk libur nasional."),
    )

    class Meta:
        verbose_name = _("hari libur")
        verbose_name_plural = _("hari libur")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "name", "calendar"], name="holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class SlaPolicy(models.Model):
    """Chosen for a ticket when every non-empty condition matches (the first active policy
    by position wins); its targets depend on the ticket's priority (``SlaTarget``)."""

    name = models.CharField(_("nama"), max_length=120)
    position = models.PositiveIntegerField(_("urutan"), default=100)
    active = models.BooleanField(_("aktif"), default=True)
    channels = models.JSONField(_("saluran"), default=list, blank=True)
    priorities = models.JSONField(_("prioritas"), default=list, blank=True)
    severities = models.JSONField(_("tingkat"), default=list, blank=True)
    kinds = models.JSONField(_("jenis tiket"), default=list, blank=True)
    loyalty_tiers = models.JSONField(_("tingkat loyalitas"), default=list, blank=True)
    categories = models.JSONField(_("golongan keluhan"), default=list, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="policies"
    )
    # The time rules of its tickets (tickets.automations); empty: the server's default
    # (SIGAP_REMIND_AFTER_HOURS, SIGAP_AUTO_CLOSE_DAYS).
    remind_after_hours = models.PositiveSmallIntegerField(
        _("ingatkan pelanggan setelah (jam)"), null=True, blank=True
    )
    auto_close_days = models.PositiveSmallIntegerField(
        _("tutup otomatis setelah selesai (hari)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("kebijakan SLA")
        verbose_name_plural = _("kebijakan SLA")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(
        _("prioritas"), choices=[(1, "P1"), (2, "P2"), (3, "P3"), (4, "P4")]
    )
    first_response_minutes = models.PositiveIntegerField(_("respons pertama (menit kerja)"))
    next_response_minutes = models.PositiveIntegerField(_("respons berikutnya (menit kerja)"))
    resolution_minutes = models.PositiveIntegerField(_("penyelesaian (menit kerja)"))

    class Meta:
        verbose_name = _("target SLA")
        verbose_name_plural = _("target SLA")
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} P{self.priority}"


class EscalationAudience(models.TextChoices):
    TEAM_SUPERVISOR = "team_supervisor", _("Supervisor tim (semua supervisor bila tanpa tim)")
    SUPERVISORS = "supervisors", _("Semua supervisor")
    MANAGEMENT = "management", _("Manajemen (admin)")
    USER = "user", _("Pengguna tertentu")


class EscalationLevel(models.Model):
    """One step of the escalation chain. Level 1 fires when the resolution target is
    breached; each later level fires ``after_minutes`` after the breach if the ticket is
    still open. Supervisors escalating by hand move up the same chain."""

    level = models.PositiveSmallIntegerField(_("tingkat"), unique=True)
    name = models.CharField(_("nama"), max_length=80)
    after_minutes = models.PositiveIntegerField(
        _("setelah (menit sejak tenggat terlampaui)"),
        default=0,
        help_text=_("Tingkat 1 selalu pada saat tenggat terlampaui."),
    )
    audience = models.CharField(
        _("dieskalasi ke"),
        max_length=20,
        choices=EscalationAudience.choices,
        default=EscalationAudience.TEAM_SUPERVISOR,
    )
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pengguna"),
        help_text=_("Hanya untuk 'pengguna tertentu'."),
    )
    reassign = models.BooleanField(
        _("jadikan penerima sebagai penanggung jawab"),
        default=False,
        help_text=_("Hanya bila eskalasi ditujukan ke satu orang."),
    )
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("tingkat eskalasi")
        verbose_name_plural = _("tingkat eskalasi")
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1), name="escalation_level_gte_1")
        ]

    def __str__(self) -> str:
        return f"{self.level}. {self.name}"
