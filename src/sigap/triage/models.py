"""Triage records: model versions, what the models said about each ticket, the examples
agents' corrections produce, and the priority matrix."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """A trained classifier. One active version per task; a retrained one replaces it
    only if it scores at least as well on the same held-out examples."""

    task = models.CharField(_("tugas"), max_length=16)
    version = models.PositiveIntegerField(_("versi"))
    blob = models.BinaryField()
    scores = models.JSONField(_("nilai pada data uji"), default=dict)
    trained_on = models.PositiveIntegerField(_("contoh latih"), default=0)
    corrections = models.PositiveIntegerField(_("koreksi agen dipakai"), default=0)
    active = models.BooleanField(_("aktif"), default=False)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("versi model")
        verbose_name_plural = _("versi model")
        ordering = ["task", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["task", "version"], name="triage_model_version"),
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(active=True), name="triage_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} v{self.version}"


class TicketTriage(models.Model):
    """What triage concluded about a ticket when it came in, shown to the agent."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="triage"
    )
    predictions = models.JSONField(default=dict)  # task -> {label, confidence, words}
    versions = models.JSONField(default=dict)  # task -> model version
    safety = models.BooleanField(default=False)
    safety_signals = models.JSONField(default=list)
    priority_reason = models.CharField(max_length=300, blank=True)
    applied = models.JSONField(default=list)  # fields triage set on the ticket
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"triage {self.ticket_id}"


class Example(models.Model):
    """A labelled example from Sigap's own data: an agent corrected (or set) a field that
    triage predicts. About one in five goes to the held-out set (by a hash of the text),
    so retraining is judged on examples it did not learn from."""

    task = models.CharField(max_length=16)
    text = models.TextField()
    label = models.CharField(max_length=24)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_out = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["task", "created_at"], name="triage_example_task")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "ticket"],
                condition=models.Q(ticket__isnull=False),
                name="triage_example_once_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}={self.label}"


class PriorityRule(models.Model):
    """The priority matrix (DOMAIN.md §5): complaint severity AND customer type. The most
    specific matching row wins (a customer kind beats "any kind")."""

    severity = models.CharField(_("tingkat keluhan"), max_length=16, blank=True)
    tier = models.CharField(_("tingkat loyalitas"), max_length=16)
    customer_kind = models.CharField(
        _("jenis pelanggan"), max_length=16, blank=True, help_text=_("Kosong: semua jenis.")
    )
    priority = models.PositiveSmallIntegerField(
        _("prioritas"), choices=[(1, "P1"), (2, "P2"), (3, "P3"), (4, "P4")]
    )

    class Meta:
        verbose_name = _("aturan prioritas")
        verbose_name_plural = _("matriks prioritas")
        ordering = ["severity", "tier", "customer_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "tier", "customer_kind"], name="priority_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.severity or '-'} × {self.tier} {self.customer_kind or '*'} → P{self.priority}"
        )


class AgentStatus(models.TextChoices):
    ONLINE = "online", _("Daring")
    AWAY = "away", _("Sedang keluar")
    OFFLINE = "offline", _("Luring")


class AgentProfile(models.Model):
    """How an agent takes work: status, capacity per channel, skills."""

    user = models.OneToOneField(
        "accounts.User", primary_key=True, on_delete=models.CASCADE, related_name="routing"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=AgentStatus.choices, default=AgentStatus.ONLINE
    )
    capacity = models.JSONField(
        _("kapasitas per saluran"),
        default=dict,
        blank=True,
        help_text=_('Tiket terbuka paling banyak per saluran, mis. {"livechat": 3, "*": 25}.'),
    )
    categories = models.JSONField(_("keahlian: kategori"), default=list, blank=True)
    languages = models.JSONField(_("keahlian: bahasa"), default=list, blank=True)
    channels = models.JSONField(_("keahlian: saluran"), default=list, blank=True)

    class Meta:
        verbose_name = _("profil agen")
        verbose_name_plural = _("profil agen")

    def __str__(self) -> str:
        return f"{self.user} ({self.status})"


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Bergiliran (round-robin)")
    LEAST_LOADED = "least_loaded", _("Beban paling ringan")
    SKILL = "skill", _("Sesuai keahlian, lalu beban paling ringan")
    NONE = "none", _("Tidak ditugaskan otomatis")


class TeamRouting(models.Model):
    team = models.OneToOneField(
        "accounts.Team", primary_key=True, on_delete=models.CASCADE, related_name="routing"
    )
    strategy = models.CharField(
        _("cara penugasan"), max_length=16, choices=Strategy.choices, default=Strategy.LEAST_LOADED
    )
    last_assigned = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("penugasan tim")
        verbose_name_plural = _("penugasan tim")

    def __str__(self) -> str:
        return f"{self.team}: {self.strategy}"


class RoutingRule(models.Model):
    """Which team a new ticket goes to: the first active rule (by position) whose every
    non-empty condition matches."""

    name = models.CharField(_("nama"), max_length=120)
    position = models.PositiveIntegerField(_("urutan"), default=100)
    active = models.BooleanField(_("aktif"), default=True)
    channels = models.JSONField(_("saluran"), default=list, blank=True)
    categories = models.JSONField(_("kategori"), default=list, blank=True)
    keywords = models.JSONField(_("kata kunci"), default=list, blank=True)
    tiers = models.JSONField(_("tingkat loyalitas"), default=list, blank=True)
    customer_kinds = models.JSONField(_("jenis pelanggan"), default=list, blank=True)
    languages = models.JSONField(_("bahasa"), default=list, blank=True)
    weekdays = models.JSONField(
        _("hari (0 = Senin)"), default=list, blank=True, help_text=_("Kosong: setiap hari.")
    )
    hour_from = models.PositiveSmallIntegerField(_("dari jam"), null=True, blank=True)
    hour_to = models.PositiveSmallIntegerField(_("sampai jam"), null=True, blank=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("aturan perutean")
        verbose_name_plural = _("aturan perutean")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
