"""What the metrics are computed from.

``TicketFact``: one row per ticket, derived from its timeline (``facts.py``) and kept up
to date by the worker (``sync.py``); ``sigap metrics rebuild`` recomputes every row from
scratch and ``sigap metrics verify`` proves the two agree. ``MetricTarget``: the target a
supervisor sets per metric, shown in the KPI report. ``Report`` and ``ReportSchedule``:
reports a supervisor prepared (and edited) and their scheduled delivery.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    # dimensions (the ticket's current values)
    customer_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=16, blank=True)
    severity = models.CharField(max_length=16, blank=True)
    root_cause = models.CharField(max_length=24, blank=True)
    priority = models.PositiveSmallIntegerField()
    team_id = models.BigIntegerField(null=True)
    agent_id = models.BigIntegerField(null=True)
    tier = models.CharField(max_length=16, blank=True)
    sentiment = models.CharField(max_length=12, blank=True)
    is_open = models.BooleanField()
    # from the timeline
    first_response_at = models.DateTimeField(null=True)
    first_response_due_at = models.DateTimeField(null=True)
    # closed (never resolved) before any response: spam, a duplicate, withdrawn
    closed_unanswered_at = models.DateTimeField(null=True)
    first_resolved_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField(null=True)  # left the open statuses (and stayed out)
    # [ended, reopened] (UTC, ISO 8601) for each time it left the open statuses and came back
    done_spans = models.JSONField(default=list)
    resolution_due_at = models.DateTimeField(null=True)
    replies_before_resolution = models.PositiveIntegerField(default=0)
    inbound_messages = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    interactions = models.PositiveIntegerField(default=0)
    handle_seconds = models.PositiveIntegerField(default=0)
    handled_interactions = models.PositiveIntegerField(default=0)
    repeat_contact = models.BooleanField(default=False)  # same customer again within 7 days
    wait_seconds = models.PositiveBigIntegerField(default=0)
    waits = models.PositiveIntegerField(default=0)
    wait_times = models.JSONField(default=list)  # each wait's seconds (the median, p90)
    # business seconds (the SLA policy's calendar) from creation to the first response and
    # to the first resolution
    first_response_business_seconds = models.PositiveIntegerField(null=True)
    resolution_business_seconds = models.PositiveIntegerField(null=True)
    synced_event_id = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="fact_created"),
            models.Index(fields=["first_resolved_at"], name="fact_first_resolved"),
            models.Index(fields=["customer_id", "created_at"], name="fact_customer_created"),
            models.Index(fields=["ended_at"], name="fact_ended"),
            models.Index(
                fields=["created_at"], condition=models.Q(is_open=True), name="fact_open_created"
            ),
            # backlog: the reopened tickets' earlier ends (``compute._backlog``)
            models.Index(
                fields=["created_at"],
                condition=models.Q(reopens__gt=0),
                name="fact_reopened_created",
            ),
        ]

    def __str__(self) -> str:
        return f"fact {self.ticket_id}"


class WorkFact(models.Model):
    """One interaction by a person on a ticket (a reply, a logged call), when it happened
    and the handling seconds measured for it (0: not measured): AHT counts work in the
    period it was done. Kept with the ticket's fact (``facts.store``)."""

    fact = models.ForeignKey(TicketFact, on_delete=models.CASCADE, related_name="work")
    at = models.DateTimeField()
    kind = models.CharField(max_length=8)  # "reply" or "call"
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["at"], name="work_at")]

    def __str__(self) -> str:
        return f"work {self.fact_id}@{self.at}"


class SyncState(models.Model):
    """The timeline position the facts are complete up to (one row)."""

    name = models.CharField(max_length=40, unique=True)
    event_id = models.BigIntegerField(default=0)  # the next sync scans events after this
    high = models.BigIntegerField(default=0)  # the highest event id the last sync saw
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.event_id}"


class MetricTarget(models.Model):
    """A metric's target: the business's (``team`` empty) or one team's, which overrides
    the business's for that team's figures (``metrics.targets``)."""

    metric = models.CharField(_("metrik"), max_length=32)
    target = models.FloatField(_("target"))
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("tim"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="metric_targets",
    )

    class Meta:
        verbose_name = _("target metrik")
        verbose_name_plural = _("target metrik")
        ordering = ["metric"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "team"], name="metric_target_one_per_team"),
            models.UniqueConstraint(
                fields=["metric"],
                condition=models.Q(team__isnull=True),
                name="metric_target_one_for_business",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}: {self.target}"


class ReportKind(models.TextChoices):
    KPI = "kpi", _("Laporan KPI")
    EXECUTIVE = "executive", _("Ringkasan eksekutif")
    TREND = "trend", _("Laporan tren")
    SENTIMENT = "sentiment", _("Laporan sentimen pelanggan")
    INCIDENT = "incident", _("Laporan insiden")
    ROOT_CAUSE = "root_cause", _("Laporan akar masalah")


class Report(models.Model):
    """A report as the supervisor prepared it: computed rows, then their edits (the
    analysis and the action of each row), kept as sent."""

    kind = models.CharField(_("jenis"), max_length=16, choices=ReportKind.choices)
    title = models.CharField(_("judul"), max_length=200)
    period_start = models.DateField(_("dari"))
    period_end = models.DateField(_("sampai"))
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    content = models.JSONField(_("isi"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    sent_to = models.JSONField(_("penerima"), default=list, blank=True)

    class Meta:
        verbose_name = _("laporan")
        verbose_name_plural = _("laporan")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Mingguan (setiap Senin)")
    MONTHLY = "monthly", _("Bulanan (tanggal 1)")


class ReportSchedule(models.Model):
    kind = models.CharField(_("jenis"), max_length=16, choices=ReportKind.choices)
    frequency = models.CharField(_("frekuensi"), max_length=8, choices=Frequency.choices)
    recipients = models.JSONField(_("penerima (email)"), default=list)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    active = models.BooleanField(_("aktif"), default=True)
    last_period_end = models.DateField(_("periode terakhir dikirim"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("jadwal laporan")
        verbose_name_plural = _("jadwal laporan")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_frequency_display()}"
